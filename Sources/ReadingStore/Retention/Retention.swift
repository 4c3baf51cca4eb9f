public import Foundation
import GRDB

/// What one retention pass removed.
public struct RetentionReport: Sendable, Hashable {
    public var readingsDeleted: Int
    public var outboxItemsDeleted: Int
    /// Delivered data older than this went: the horizon other modules apply to their copies of it (Triage).
    public var horizon: Date
}

extension ReadingStore {
    /// Deletes readings received more than `configuration.retentionDays` before `now` whose every outbox
    /// item is delivered, and delivered outbox items of other kinds older than that.
    ///
    /// Never deleted, whatever their age: a reading with a held, pending, in-flight or parked item (undelivered
    /// data), parked items, and sensor rows. A deleted reading leaves a tombstone with its identifier so that
    /// the device re-sending that old record is still recognised as a duplicate.
    @discardableResult
    public func applyRetention(now: Date = Date()) async throws(StoreError) -> RetentionReport {
        guard configuration.retentionDays >= 1 else {
            throw .invalidArgument("retentionDays must be at least 1, is \(configuration.retentionDays)")
        }
        let horizon = now.addingTimeInterval(-Double(configuration.retentionDays) * 86_400)
        let cutoff = horizon.unixMilliseconds
        let nowMs = now.unixMilliseconds
        let report = try await mapStoreErrors {
            try await commit { db in
                let outboxBefore = try OutboxRecord.fetchCount(db)
                let readingsDeleted = try Self.deleteDeliveredReadings(
                    db, where: "r.receivedAt < ?", arguments: [cutoff], now: nowMs)
                try db.execute(sql: """
                    DELETE FROM outbox WHERE state = 'delivered' AND readingID IS NULL AND deliveredAt < ?1
                    """, arguments: [cutoff])
                let outboxAfter = try OutboxRecord.fetchCount(db)
                return RetentionReport(
                    readingsDeleted: readingsDeleted, outboxItemsDeleted: outboxBefore - outboxAfter, horizon: horizon)
            }
        }
        if report.readingsDeleted > 0 || report.outboxItemsDeleted > 0 {
            logger.info("retention removed delivered data", metadata: [
                "readings": "\(report.readingsDeleted)", "outboxItems": "\(report.outboxItemsDeleted)",
            ])
        }
        return report
    }

    /// Deletes the readings matching `condition` (on `readings r`, with `arguments`) whose every outbox item is
    /// delivered, oldest first, at most `limit`; each leaves a tombstone so that the device re-sending it is still
    /// recognised as a duplicate. Their outbox items go with them (ON DELETE CASCADE). Returns how many went.
    static func deleteDeliveredReadings(
        _ db: Database, where condition: String, arguments: StatementArguments = [], limit: Int? = nil, now: Int64
    ) throws -> Int {
        // A reading is deletable only when it has delivered outbox items and no other kind.
        let deletable = """
            SELECT r.id FROM readings r
            WHERE \(condition)
              AND EXISTS (SELECT 1 FROM outbox o WHERE o.readingID = r.id AND o.state = 'delivered')
              AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.readingID = r.id AND o.state != 'delivered')
            ORDER BY r.id\(limit.map { " LIMIT \($0)" } ?? "")
            """
        try db.execute(sql: "CREATE TEMP TABLE IF NOT EXISTS retention_ids (id INTEGER PRIMARY KEY)")
        try db.execute(sql: "DELETE FROM retention_ids")
        try db.execute(sql: "INSERT INTO retention_ids (id) \(deletable)", arguments: arguments)
        try db.execute(sql: """
            INSERT OR IGNORE INTO reading_tombstones (identifier, deletedAt)
            SELECT identifier, ? FROM readings WHERE id IN (SELECT id FROM retention_ids)
            """, arguments: [now])
        try db.execute(sql: "DELETE FROM readings WHERE id IN (SELECT id FROM retention_ids)")
        let deleted = db.changesCount
        try db.execute(sql: "DELETE FROM retention_ids")
        return deleted
    }
}
