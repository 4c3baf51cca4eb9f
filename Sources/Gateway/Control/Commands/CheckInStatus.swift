public import Foundation
import ReadingStore

/// The hub's latest check-in (`HubCheckIn`) as `dhoctl status` shows it: queued or delivered, and the last one
/// the centre has.
public struct CheckInStatus: Sendable, Codable, Equatable {
    /// When the latest check-in was made.
    public var at: Date
    /// Its outbox state: pending, in-flight, delivered or parked.
    public var state: String
    /// When the centre accepted the latest check-in the centre has.
    public var lastDelivered: Date?

    static func latest(in store: ReadingStore) async throws -> CheckInStatus? {
        let kind = OutboxKind(rawValue: HubCheckIn.outboxKind)
        guard let latest = try await store.latestOutboxItem(kind: kind) else { return nil }
        let delivered = latest.state == .delivered ? latest : try await store.latestOutboxItem(kind: kind, in: [.delivered])
        return CheckInStatus(at: latest.enqueuedAt, state: latest.state.rawValue, lastDelivered: delivered?.deliveredAt)
    }
}
