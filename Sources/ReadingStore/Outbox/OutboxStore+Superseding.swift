import Foundation
import GRDB

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
            try await writer.write { db in
                try db.execute(sql: "DELETE FROM outbox WHERE kind = ? AND state IN ('pending', 'parked')", arguments: [kind.rawValue])
                let superseded = db.changesCount
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
                var sql = "SELECT * FROM outbox WHERE kind = ?"
                var arguments: StatementArguments = [kind.rawValue]
                if let states {
                    sql += " AND state IN (\(Array(repeating: "?", count: states.count).joined(separator: ",")))"
                    arguments += StatementArguments(states.map(\.rawValue))
                }
                return try Row.fetchOne(db, sql: sql + " ORDER BY id DESC LIMIT 1", arguments: arguments).map(OutboxItem.init(row:))
            }
        }
    }
}
