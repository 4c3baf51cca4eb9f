public import Foundation

/// Where a device's complete readings go: the durable pipeline (store, then triage, then forwarding).
///
/// `accept` returns only once the reading is committed to SQLite (or found already stored): the caller
/// may then advance the device's record cursor, and only then.
public protocol ReadingSink: Sendable {
    func accept(_ reading: FramedReading, from device: ProvisionedDevice, receivedAt: Date, clockOffset: TimeInterval?)
        async throws -> ReadingAcceptance
}

public enum ReadingAcceptance: Sendable, Equatable {
    case stored
    case duplicate
    /// Deliberately not stored (e.g. a multi-user cuff's other user); the reason goes to the log.
    case refused(String)
}
