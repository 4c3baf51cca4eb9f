public import Foundation
public import HealthProfiles

public enum AlertKind: String, Sendable, Hashable, Codable {
    /// A reading's value put a vital in yellow or red.
    case measurement
    /// A scheduled measurement was not taken (the gateway was running and checked: not "hub offline").
    case missingMeasurement = "missing-measurement"
}

public enum AlertStatus: String, Sendable, Hashable, Codable {
    case active
    /// The vital returned to green, or the missing measurement was taken.
    case cleared
    /// The zone changed to another non-green zone; a new alert for that zone replaced this one.
    case superseded
}

/// A local alert, persisted with its whole lifecycle.
public struct TriageAlert: Sendable, Hashable, Codable {
    public var id: String
    /// "vital:spo2" or "schedule:spo2-daily": at most one active alert per key.
    public var key: String
    public var kind: AlertKind
    public var vital: VitalSign?
    public var scheduleID: String?
    public var zone: Zone
    public var previousZone: Zone
    public var status: AlertStatus
    public var raisedAt: Date
    /// Measurement time of the reading that raised it (nil for missing-measurement alerts).
    public var measuredAt: Date?
    public var readingID: String?
    /// Last time the device of the missing vital was seen, when the caller knew it.
    public var deviceLastSeen: Date?
    public var afterHours: Bool
    public var summary: String
    public var patientMessage: String
    public var planVersion: Int
    public var acknowledgedBy: String?
    public var acknowledgedAt: Date?
    public var endedAt: Date?
    public var endedReason: String?
}

/// What happened to an alert as a consequence of one reading or check.
public struct AlertEvent: Sendable, Hashable, Codable {
    public enum Change: String, Sendable, Hashable, Codable {
        case raised
        case cleared
        case superseded
    }

    public var change: Change
    public var alert: TriageAlert
}

/// The lifecycle decision for one alert key, kept pure so that every case is tested directly.
///
/// - Same zone as now: nothing (no repeated alert for every further reading in that zone).
/// - Green: the active alert is cleared.
/// - Another non-green zone (green→yellow, yellow→red, and also red→yellow): a new alert is raised for the new
///   zone and the old one is marked superseded. Red→yellow is treated as a change on purpose: the patient
///   must now follow the yellow self-treatment text and the centre's current flag must say yellow; the red
///   reading itself has already been forwarded as critical, and the red alert keeps its acknowledgement.
/// - A reading measured before the one that set the current state (a device uploading stored readings late)
///   may escalate, never clear or de-escalate: an old value says nothing about the patient now.
enum AlertTransition: Equatable {
    case none
    case raise
    case replace
    case clear

    static func decide(current: Zone, lastMeasuredAt: Date?, newZone: Zone, measuredAt: Date) -> AlertTransition {
        if let lastMeasuredAt, measuredAt < lastMeasuredAt, newZone <= current { return .none }
        if newZone == current { return .none }
        if newZone == .green { return .clear }
        return current == .green ? .raise : .replace
    }
}
