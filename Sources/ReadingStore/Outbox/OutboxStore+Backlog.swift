public import Foundation
import GRDB

extension ReadingStore {
    public struct Backlog: Sendable, Equatable {
        /// Items held, pending or in flight.
        public var waiting: Int
        public var oldestEnqueuedAt: Date?
    }

    /// What is waiting for the centre, leaving out items of `kind` (the check-in reporting the backlog is not
    /// part of it).
    public func backlog(excluding kind: OutboxKind) async throws(StoreError) -> Backlog {
        try await mapStoreErrors {
            try await writer.read { db in
                let row = try Row.fetchOne(db, sql: """
                    SELECT COUNT(*) AS n, MIN(enqueuedAt) AS oldest FROM outbox
                    WHERE state IN ('held', 'pending', 'in-flight') AND kind <> ?
                    """, arguments: [kind.rawValue])
                let oldest: Int64? = row?["oldest"]
                return Backlog(waiting: row?["n"] ?? 0, oldestEnqueuedAt: oldest.map(Date.init(unixMilliseconds:)))
            }
        }
    }
}
