public import Foundation

/// A device a technician has paired with this hub. Only provisioned devices are ever connected to, and
/// only their frames are accepted: a neighbour's cuff advertising the same service is ignored.
public struct ProvisionedDevice: Sendable, Hashable, Codable {
    /// Bluetooth identity address, "AA:BB:CC:DD:EE:FF".
    public var address: String
    /// The device profile (profiles/devices/<id>.yaml) the device is served with.
    public var profile: String
    /// The name the device advertised when it was paired (model names, never a person's name).
    public var name: String?
    /// The patient's user slot on a multi-user device; readings of other users and of "unknown user" are kept apart
    /// (`ReadingOwner`). nil: a single-user device, whose readings are the patient's unless they say "unknown user".
    public var userIndex: Int?
    public var provisionedBy: String
    public var provisionedAt: Date
    /// Highest glucose record sequence number stored so far (the RACP cursor), if any.
    public var lastSequenceNumber: Int?
    public var lastVisitAt: Date?
    /// "ok", or the reason the last visit failed.
    public var lastVisitResult: String?
    /// Consecutive failed visits, for the back-off.
    public var consecutiveFailures: Int
    /// The device is the patient's own: the readings it stored before provisioning are theirs too
    /// (`dhoctl pair --memory-is-patients`). Otherwise those are a lent device's previous user's, kept apart.
    public var memoryIsPatients = false
    /// How many times the glucometer's record numbering restarted (0: never): part of each record's identity, so
    /// that the new sequence 1 is not taken for the old one (`DeviceRegistry.restartRecordNumbering`).
    public var recordSeries = 0
    /// A lent glucometer's last record when it was provisioned: records up to it (in the current series) are the
    /// previous user's, kept apart. nil: none (the patient's own device, an empty memory, not a glucometer).
    public var memoryBoundary: Int?
    /// Provisioned, but the memory boundary not found yet: the first visit asks the meter for its last record.
    public var memoryBoundaryPending = false
    /// The patient's User Data Service consent code on this device (0–9999), given on every visit; nil: none.
    public var consentCode: Int?
    /// The patient is still to be registered as a new user of the device (with `consentCode`) on the next visit;
    /// until then no reading of the device is theirs for sure.
    public var userRegistrationPending = false

    /// The store's stable key for this device's readings.
    public var sensorKey: String { "bt:" + address.uppercased() }
}
