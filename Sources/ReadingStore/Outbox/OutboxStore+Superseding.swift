import Foundation
import GRDB

private typealias Columns = OutboxRecord.Columns

/// Items that only matter in their latest version (the hub's check-in): a new one replaces the one still
/// waiting instead of queueing behind it, so an offline hub sends one check-in when it is back, not hundreds.
extension ReadingStore {
    public struct SupersedingOutcome: Sendable, Equatable {
        public var itemID: Int64
        /// Waiting items of the kind that the new one replaced (deleted unsent).
        public var superseded: Int
    }

    /// Deletes the pending and parked items of `kind` (an item in flight is left alone: it may be arriving right
    /// now, and the new one, with the same `sequenceKey`, follows it) and queues the new one, in one transaction.
    public func enqueueSuperseding(
        kind: OutboxKind, key: String, payload: [UInt8], sequenceKey: String?, priority: OutboxPriority
    ) async throws(StoreError) -> SupersedingOutcome {
        try await mapStoreErrors {
            try await commit { db in
                let superseded = try OutboxRecord
                    .filter(Columns.kind == kind.rawValue
                        && [OutboxState.pending, .parked].map(\.rawValue).contains(Columns.state))
                    .deleteAll(db)
                let outcome = try Outbox.enqueue(
                    db, kind: kind, key: key, payload: payload, sequenceKey: sequenceKey, priority: priority, now: Date())
                return SupersedingOutcome(itemID: outcome.itemID, superseded: superseded)
            }
        }
    }

    /// The most recently queued item of `kind` in any of `states` (all states when nil).
    public func latestOutboxItem(kind: OutboxKind, in states: [OutboxState]? = nil) async throws(StoreError) -> OutboxItem? {
        try await mapStoreErrors {
            try await writer.read { db in
                var request = OutboxRecord.filter(Columns.kind == kind.rawValue)
                if let states { request = request.filter(states.map(\.rawValue).contains(Columns.state)) }
                return try request.order(Columns.id.desc).fetchOne(db).map(OutboxItem.init)
            }
        }
    }
}
