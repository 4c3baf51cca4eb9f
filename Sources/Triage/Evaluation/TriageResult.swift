public import Foundation

/// What triage made of one reading.
public struct TriageResult: Sendable, Hashable, Codable {
    public enum Outcome: Sendable, Hashable, Codable {
        /// The reading was reliable; its zone is the worst of all rules that applied.
        case zone(Zone)
        /// The device flagged the reading as unreliable (or a value is NaN/NRes/∞): no yellow or red from it,
        /// the patient is asked for a control measurement. `reasons` are the flags/absent reasons.
        case controlMeasurementNeeded(reasons: [String])
        /// The active plan has no rules for any of the reading's vitals (glucose under a COPD plan): stored and
        /// forwarded without an interpretation, never called green, which would claim it is within limits.
        case notAssessed
    }

    public var readingID: String
    public var measuredAt: Date
    public var evaluatedAt: Date
    public var planVersion: Int
    public var outcome: Outcome
    /// One per triaged vital of the reading (empty for control-measurement outcomes).
    public var assessments: [VitalAssessment]
    /// Components triage could not use (vital without rules or unit it cannot convert), for diagnostics.
    public var skipped: [String]
    /// The text to show the patient now (self-treatment plan of the zone, whom to call after hours...).
    public var patientMessage: String
    public var afterHours: Bool
    /// Alerts raised, superseded or cleared by this reading.
    public var alertEvents: [AlertEvent]
    /// True when this reading had already been triaged and the stored result was returned unchanged.
    public var wasAlreadyEvaluated: Bool

    public var zone: Zone? {
        if case let .zone(zone) = outcome { return zone }
        return nil
    }
}
