public import Foundation
public import ReadingStore

/// The typed results of control commands. The daemon encodes them as JSON; dhoctl decodes them for its
/// text output and passes the JSON through unchanged for `--json`.

public struct StatusResult: Sendable, Codable, Equatable {
    public struct Queue: Sendable, Codable, Equatable {
        public var undelivered: Int
        public var held: Int
        public var parked: Int
        public var oldestUndelivered: Date?
        public var lastForwarded: Date?
        public var lastError: String?
        public var nextAttempt: Date?
    }
    public var version: String
    public var gatewayID: String
    public var startedAt: Date
    public var bluetooth: DeviceSupervisor.AdapterStatus
    public var queue: Queue
    public var activeAlerts: Int
    public var unacknowledgedRedAlerts: Int
    public var devices: Int
    public var readingsStored: Int
    /// The database's size and quota (`storage: max-database-size`).
    public var storage: StorageUsage
    public var technicalAlerts: [TechnicalAlerts.Alert]
    /// Devices that sent readings over their profile's rate limit since the daemon started.
    public var rateLimited: [RateLimitedDevice]
    /// The hub's latest check-in at the centre (nil before the first).
    public var checkIn: CheckInStatus? = nil
    /// The hub's care-plan version in force.
    public var carePlanVersion: Int? = nil
}

/// A device's frames over its rate limit (not stored), and whether it is flooding now.
public struct RateLimitedDevice: Sendable, Codable, Equatable {
    public var address: String
    public var droppedByRateLimit: Int
    public var flooding: Bool
}

public struct DeviceResult: Sendable, Codable, Equatable {
    public var address: String
    public var profile: String
    public var name: String?
    public var userIndex: Int?
    public var manufacturer: String?
    public var model: String?
    public var serial: String?
    public var firmware: String?
    public var battery: Int?
    public var clockOffsetSeconds: Double?
    public var lastSeen: Date?
    public var lastVisit: Date?
    public var lastVisitResult: String?
    public var provisionedBy: String
    public var provisionedAt: Date
    public var visiting: Bool
    public var stored: Int
    public var malformed: Int
    /// Frames over the profile's rate limit, not stored, since the daemon started.
    public var droppedByRateLimit: Int
    /// What the device last said about itself in its advertisements (an Omron cuff: "pairing mode, …").
    public var advertised: String? = nil
    /// An Omron cuff handed the patient's records to another phone or app: what to do (`OmronRecordWatch`).
    public var recordsTakenElsewhere: String? = nil
}

public struct ScanResult: Sendable, Codable, Equatable {
    public var address: String
    public var name: String?
    public var rssi: Int?
    public var services: [String]
    public var profile: String?
    public var paired: Bool
    public var provisioned: Bool
}

public struct PairResult: Sendable, Codable, Equatable {
    public var address: String
    public var profile: String
    public var name: String?
    /// bluetoothd reports the device paired (read back after Pair(), not taken from its reply).
    public var bonded: Bool
    /// A stale bond was replaced (`--renew`); the device's provisioning was kept.
    public var renewed: Bool?

    public init(address: String, profile: String, name: String?, bonded: Bool, renewed: Bool? = nil) {
        self.address = address
        self.profile = profile
        self.name = name
        self.bonded = bonded
        self.renewed = renewed
    }
}

public struct ReadingResult: Sendable, Codable, Equatable {
    public var id: String
    public var device: String
    public var kind: String
    public var measuredAt: Date
    public var receivedAt: Date
    public var values: [String]
    public var flags: [String]
    public var triage: String?
    public var delivery: String
}

public struct AlertResult: Sendable, Codable, Equatable {
    public var id: String
    public var kind: String
    public var vital: String?
    public var zone: String
    public var status: String
    public var raisedAt: Date
    public var summary: String
    public var afterHours: Bool
    public var acknowledgedBy: String?
    public var acknowledgedAt: Date?
}

public struct PlanVersionResult: Sendable, Codable, Equatable {
    public var version: Int
    public var status: String
    public var planName: String
    public var summary: String
    public var reason: String
    public var orderedBy: String
    public var proposedAt: Date
    public var verifiedBy: String?
    public var verifiedAt: Date?
    /// OS users who entered the order and the verification (the control connection's peer credentials).
    public var orderedByUID: UInt32?
    public var verifiedByUID: UInt32?
}

public struct ThresholdsResult: Sendable, Codable, Equatable {
    public var active: PlanVersionResult?
    public var activeYAML: String?
    public var history: [PlanVersionResult]
}
