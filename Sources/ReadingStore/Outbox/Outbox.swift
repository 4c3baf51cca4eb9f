public import Foundation
public import GRDB

/// Database-level outbox operations, usable inside any write transaction.
///
/// Another module enqueues atomically with its own rows:
/// ```swift
/// try await store.writer.write { db in
///     try db.execute(sql: "INSERT INTO triage_alerts ...")
///     try Outbox.enqueue(db, kind: .alert, key: alertID, payload: entriesJSON, now: Date())
/// }
/// ```
public enum Outbox {
    /// Longest `lastError` / `parkReason` kept, so a verbose server cannot bloat the database.
    static let maximumReasonLength = 4000

    /// Queues an item; an item with the same kind and key is left untouched (`.alreadyQueued`).
    /// Items other than readings must carry their FHIR entries in `payload`.
    @discardableResult
    public static func enqueue(
        _ db: Database, kind: OutboxKind, key: String, readingRowID: Int64? = nil, payload: [UInt8]?,
        now: Date
    ) throws -> OutboxEnqueueOutcome {
        guard !kind.rawValue.isEmpty, !key.isEmpty else {
            throw StoreError.invalidArgument("outbox kind and key must not be empty")
        }
        guard readingRowID != nil || payload != nil else {
            throw StoreError.invalidArgument("outbox item \(kind)/\(key) has neither a reading nor a payload")
        }
        try db.cachedStatement(sql: """
            INSERT INTO outbox (kind, itemKey, readingID, payload, state, enqueuedAt, nextAttemptAt)
            VALUES (?, ?, ?, ?, 'pending', ?, ?)
            ON CONFLICT(kind, itemKey) DO NOTHING
            """).execute(arguments: [kind.rawValue, key, readingRowID, payload.map { Data($0) },
                                     now.unixMilliseconds, now.unixMilliseconds])
        if db.changesCount > 0 { return .enqueued(db.lastInsertedRowID) }
        let existing = try Int64.fetchOne(
            db, sql: "SELECT id FROM outbox WHERE kind = ? AND itemKey = ?", arguments: [kind.rawValue, key])
        guard let existing else { throw StoreError.database(code: -1, message: "outbox insert vanished") }
        return .alreadyQueued(existing)
    }

    /// Returns items a crashed forwarder left in flight to the queue. Safe because delivery is idempotent
    /// at the receiver (conditional create): an item that did arrive is simply found there again.
    static func recoverInFlight(_ db: Database) throws -> Int {
        try db.execute(sql: "UPDATE outbox SET state = 'pending' WHERE state = 'in-flight'")
        return db.changesCount
    }

    static func truncated(_ text: String) -> String {
        text.count <= maximumReasonLength ? text : String(text.prefix(maximumReasonLength)) + "…"
    }
}
