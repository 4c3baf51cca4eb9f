import Foundation
import GRDB

private typealias Columns = OutboxRecord.Columns

/// The outbox table's operations inside a write transaction. Internal: other modules reach them through
/// `StoreUnitOfWork` (`store.write { unit in ... }`), so that only the store writes SQL against its tables.
enum Outbox {
    /// Longest `lastError` / `parkReason` kept, so a verbose server cannot bloat the database.
    static let maximumReasonLength = 4000

    /// Queues an item; an item with the same kind and key is left untouched (`.alreadyQueued`).
    /// Items other than readings must carry their FHIR entries in `payload`.
    /// - Parameters:
    ///   - sequenceKey: items with the same sequence key are delivered strictly in queue order (one is not
    ///     claimed while an older one with that key is held, pending or in flight). Give successive versions
    ///     of one resource (conditional updates of the same Flag) the same key; nil for independent items.
    ///   - held: queue the item held: it is not sent until `release` (a reading waiting for triage).
    ///   - priority: `.urgent` for what the centre must see soon (an alert Flag); see `OutboxPriority`.
    @discardableResult
    static func enqueue(
        _ db: Database, kind: OutboxKind, key: String, readingRowID: Int64? = nil, payload: [UInt8]?,
        sequenceKey: String? = nil, held: Bool = false, priority: OutboxPriority = .normal, annotation: Data? = nil,
        now: Date
    ) throws -> OutboxEnqueueOutcome {
        guard !kind.rawValue.isEmpty, !key.isEmpty else {
            throw StoreError.invalidArgument("outbox kind and key must not be empty")
        }
        guard readingRowID != nil || payload != nil else {
            throw StoreError.invalidArgument("outbox item \(kind)/\(key) has neither a reading nor a payload")
        }
        if let sequenceKey, sequenceKey.isEmpty {
            throw StoreError.invalidArgument("outbox item \(kind)/\(key): an empty sequence key (use nil for none)")
        }
        let state = held ? OutboxState.held : .pending
        // Above every id the outbox ever gave out (store.v6: no AUTOINCREMENT, see `Schema.createV6`). A conflict
        // on any unique index is an item already queued: (kind, itemKey) for keyed items, the reading row for a
        // reading's item (store.v7).
        try db.cachedStatement(sql: """
            INSERT INTO outbox (id, kind, itemKey, readingID, payload, state, enqueuedAt, nextAttemptAt, sequenceKey, priority,
                                annotation)
            SELECT MAX(COALESCE((SELECT MAX(id) FROM outbox), 0),
                       COALESCE((SELECT CAST(value AS INTEGER) FROM store_meta WHERE key = '\(StoreMetaRecord.outboxHighWater)'), 0)) + 1,
                   ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
            WHERE true
            ON CONFLICT DO NOTHING
            """).execute(arguments: [kind.rawValue, key, readingRowID, payload.map { Data($0) }, state.rawValue,
                                     now.unixMilliseconds, now.unixMilliseconds, sequenceKey, priority.rawValue, annotation])
        if db.changesCount > 0 { return .enqueued(db.lastInsertedRowID) }
        let existing = try readingRowID.map {
            try Int64.fetchOne(db, sql: "SELECT id FROM outbox WHERE readingID = ?", arguments: [$0])
        } ?? Int64.fetchOne(db, sql: "SELECT id FROM outbox WHERE kind = ? AND itemKey = ? AND \(keyedItem)",
                            arguments: [kind.rawValue, key])
        guard let existing else { throw StoreError.database(code: -1, message: "outbox insert vanished") }
        return .alreadyQueued(existing)
    }

    /// The items in the (kind, itemKey) unique index `outbox_by_key` (store.v7): every item but a reading's, which
    /// is unique by its reading row (`outbox_by_reading`) instead. A query by key must say this (or go through the
    /// reading) for SQLite to use the partial index.
    static let keyedItem = "readingID IS NULL"

    /// The condition for the items of `kind` with `count` keys (`keyedArguments` binds them), through an index:
    /// a reading's item by its reading row, found by the reading's identifier (which is its key); any other by
    /// `outbox_by_key`.
    static func keyed(kind: OutboxKind, count: Int) -> String {
        let marks = Array(repeating: "?", count: count).joined(separator: ",")
        return kind == .reading
            ? "readingID IN (SELECT id FROM readings WHERE identifier IN (\(marks)))"
            : "kind = ? AND itemKey IN (\(marks)) AND \(keyedItem)"
    }

    static func keyedArguments(kind: OutboxKind, keys: some Collection<String>) -> StatementArguments {
        kind == .reading ? StatementArguments(Array(keys)) : StatementArguments([kind.rawValue]) + StatementArguments(Array(keys))
    }

    /// Makes held items of `kind` with the given keys claimable, inside the caller's transaction (Triage
    /// releases a reading in the transaction that stores its evaluation). Keys that are unknown or not held
    /// are ignored, so releasing twice is harmless. Returns how many items were released.
    ///
    /// The items keep the `nextAttemptAt` they were queued with, so they are due at once. `priority` is what
    /// the releaser learnt (Triage: a red reading is urgent); it only ever raises an item's priority, also of an
    /// item already released (a replayed evaluation of a red reading that is waiting for a retry).
    @discardableResult
    static func release(
        _ db: Database, kind: OutboxKind, keys: [String], priority: OutboxPriority = .normal
    ) throws -> Int {
        var released = 0
        for chunk in keys.chunked(into: 500) {
            let items = keyed(kind: kind, count: chunk.count)
            let arguments = keyedArguments(kind: kind, keys: chunk)
            if priority > .normal {
                try db.execute(
                    sql: """
                        UPDATE outbox SET priority = MAX(priority, \(priority.rawValue))
                        WHERE \(items) AND state IN ('held', 'pending', 'in-flight', 'parked')
                        """,
                    arguments: arguments)
            }
            try keyedStatement(db, count: chunk.count, sql: """
                UPDATE outbox SET state = '\(OutboxState.pending.rawValue)'
                WHERE state = '\(OutboxState.held.rawValue)' AND \(items)
                """).execute(arguments: arguments)
            released += db.changesCount
        }
        return released
    }

    /// `release(_:kind:keys:priority:)` for stored readings (a reading's outbox key is its identifier).
    @discardableResult
    static func release(_ db: Database, readings: [ReadingID], priority: OutboxPriority = .normal) throws -> Int {
        try release(db, kind: .reading, keys: readings.map(\.rawValue), priority: priority)
    }

    /// Deletes every item of `kind`, whatever its state (Triage forgetting the previous patient's Flags when
    /// the hub is reissued). Returns how many were deleted.
    @discardableResult
    static func deleteItems(_ db: Database, kind: OutboxKind) throws -> Int {
        try OutboxRecord.filter(Columns.kind == kind.rawValue).deleteAll(db)
    }

    /// Raises the priority of the waiting items of `kind` (all, or those with `keys`) to at least `priority`.
    static func raiseWaitingPriority(
        _ db: Database, to priority: OutboxPriority, kind: OutboxKind, keys: [String]?
    ) throws -> Int {
        let waiting = "priority < ? AND state IN ('held', 'pending', 'in-flight', 'parked')"
        let arguments: StatementArguments = [priority.rawValue, priority.rawValue]
        guard let keys else {
            try db.execute(sql: "UPDATE outbox SET priority = ? WHERE \(waiting) AND kind = ?",
                           arguments: arguments + [kind.rawValue])
            return db.changesCount
        }
        var raised = 0
        for chunk in keys.chunked(into: 500) {
            try db.execute(sql: "UPDATE outbox SET priority = ? WHERE \(waiting) AND \(keyed(kind: kind, count: chunk.count))",
                           arguments: arguments + keyedArguments(kind: kind, keys: chunk))
            raised += db.changesCount
        }
        return raised
    }

    /// Attaches `annotation` to the outbox items of these readings (see `StoreUnitOfWork.release`).
    static func annotate(_ db: Database, readings: [ReadingID], with annotation: [UInt8]) throws -> Int {
        var changed = 0
        for chunk in readings.map(\.rawValue).chunked(into: 500) {
            try keyedStatement(db, count: chunk.count, sql: """
                UPDATE outbox SET annotation = ? WHERE \(keyed(kind: .reading, count: chunk.count))
                """).execute(arguments: StatementArguments([Data(annotation)]) + keyedArguments(kind: .reading, keys: chunk))
            changed += db.changesCount
        }
        return changed
    }

    /// The statement for `sql` with `count` item keys: the one-key form (triage releasing its reading, in every
    /// reading's commit) is cached per connection, rather than compiled for every reading; other counts (bulk
    /// releases, up to 500 keys) compile, so that the cache does not keep one statement per count.
    private static func keyedStatement(_ db: Database, count: Int, sql: String) throws -> Statement {
        count == 1 ? try db.cachedStatement(sql: sql) : try db.makeStatement(sql: sql)
    }

    /// Readings whose outbox item is not delivered yet and has no annotation.
    static func waitingUnannotatedReadings(_ db: Database) throws -> [ReadingID] {
        try OutboxRecord
            .filter(Columns.kind == OutboxKind.reading.rawValue && Columns.state != OutboxState.delivered.rawValue
                && Columns.annotation == nil)
            .order(Columns.id)
            .select(Columns.itemKey, as: String.self)
            .fetchAll(db).map(ReadingID.init(rawValue:))
    }

    /// Returns items a crashed forwarder left in flight to the queue. Safe because delivery is idempotent
    /// at the receiver (conditional create): an item that did arrive is simply found there again.
    static func recoverInFlight(_ db: Database) throws -> Int {
        try OutboxRecord.filter(Columns.state == OutboxState.inFlight.rawValue)
            .updateAll(db, Columns.state.set(to: OutboxState.pending.rawValue))
    }

    static func truncated(_ text: String) -> String {
        text.count <= maximumReasonLength ? text : String(text.prefix(maximumReasonLength)) + "…"
    }
}
