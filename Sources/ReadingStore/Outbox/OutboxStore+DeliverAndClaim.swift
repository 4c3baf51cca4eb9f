public import Foundation
import GRDB


extension ReadingStore {
    /// Records that the receiver accepted `delivered` (as `markDelivered`) and claims the next batch (as
    /// `claimDelivery`) in one transaction: one commit, one fsync per Bundle instead of two while a backlog
    /// drains. The forwarder calls it while the Bundle after `delivered` is on the wire, so the commit costs
    /// the drain nothing. Either both happen or neither: a failed commit leaves `delivered` in flight (sent
    /// again after the next open, which the receiver's conditional create absorbs) and claims nothing.
    public func markDeliveredAndClaim(
        _ delivered: [Int64], at date: Date = Date(), limit: Int, now: Date = Date(), urgentOnly: Bool = false
    ) async throws(StoreError) -> ClaimedBatch {
        guard limit > 0 else { throw .invalidArgument("batch limit must be positive") }
        return try await mapStoreErrors {
            // Bookkeeping, like the claim and the delivery mark alone (`CommitDurability`): a power cut that loses
            // it makes the items go again, which the receiver absorbs.
            try await commit(.bookkeeping) { db in
                try Self.recordDelivered(db, delivered, at: date)
                return try Self.claimBatch(db, limit: limit, now: now, urgentOnly: urgentOnly)
            }
        }
    }

    /// How far the recorded time of the last delivery may lag behind the real one (see `recordDelivered`).
    static let lastDeliveredResolutionMs: Int64 = 1000

    /// What `markDelivered` writes, inside the caller's transaction.
    static func recordDelivered(_ db: Database, _ ids: [Int64], at date: Date) throws {
        guard !ids.isEmpty else { return }
        // Cached statements (see `RowIDList`): the forwarder records a delivery every round.
        try RowIDList.execute(db, { condition in """
            UPDATE outbox SET state = '\(OutboxState.delivered.rawValue)', deliveredAt = ?, lastError = NULL
            WHERE \(condition) AND state IN ('\(OutboxState.pending.rawValue)', '\(OutboxState.inFlight.rawValue)')
            """ }, leading: [date.unixMilliseconds], forEach: ids)
        // Not `upsert()`: GRDB's reads back the rowid, and store_meta has none (WITHOUT ROWID). Rewritten only when
        // it moves by `lastDeliveredResolutionMs` or more (either way: a clock set back is followed): a row left as it
        // was is a page the commit does not write, and under a steady flow of readings the mark came with every one
        // (issue 16, flash wear: half a page per delivery mark). What it is for, the technician's "last
        // delivery", does not need a finer clock.
        try db.cachedStatement(sql: """
            INSERT INTO \(StoreMetaRecord.databaseTableName) (key, value) VALUES (?, ?)
            ON CONFLICT(key) DO UPDATE SET value = excluded.value
            WHERE ABS(CAST(excluded.value AS INTEGER) - CAST(value AS INTEGER)) >= \(lastDeliveredResolutionMs)
            """).execute(arguments: [StoreMetaRecord.lastDeliveredAt, String(date.unixMilliseconds)])
    }
}
