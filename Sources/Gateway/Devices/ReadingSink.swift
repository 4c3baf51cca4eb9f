public import Foundation

/// Where a device's complete readings go: the durable pipeline (store, then triage, then forwarding).
///
/// `accept` returns only once the reading is committed to SQLite (or found already stored): the caller
/// may then advance the device's record cursor, and only then.
public protocol ReadingSink: Sendable {
    func accept(_ reading: FramedReading, from device: ProvisionedDevice, receivedAt: Date, clockOffset: TimeInterval?)
        async throws -> ReadingAcceptance

    /// The device started sending more readings than its profile's rate limit allows (`flooding`, with what to
    /// tell the technician), or has been calm for the profile's calm period since.
    func floodChanged(_ device: ProvisionedDevice, flooding: Bool, detail: String)

    /// The device refuses the bond the hub holds for it (`lost`, with what to tell the technician), or talks to
    /// the hub again (renewed with `dhoctl pair --renew`, or it recovered).
    func bondChanged(_ device: ProvisionedDevice, lost: Bool, detail: String)

    /// The device handed the patient's records to another central (`taken`, with what to tell the technician), or
    /// the hub has again received every record (`OmronRecordWatch`).
    func recordsTakenElsewhereChanged(_ device: ProvisionedDevice, taken: Bool, detail: String)
}

extension ReadingSink {
    public func floodChanged(_ device: ProvisionedDevice, flooding: Bool, detail: String) {}
    public func bondChanged(_ device: ProvisionedDevice, lost: Bool, detail: String) {}
    public func recordsTakenElsewhereChanged(_ device: ProvisionedDevice, taken: Bool, detail: String) {}
}

public enum ReadingAcceptance: Sendable, Equatable {
    case stored
    case duplicate
    /// Deliberately not stored (e.g. a multi-user cuff's other user); the reason goes to the log.
    case refused(String)

    /// The record is the hub's now (stored, or stored before): the device may forget it.
    public var tookTheRecord: Bool {
        if case .refused = self { return false }
        return true
    }
}
