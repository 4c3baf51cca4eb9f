public import Foundation
public import GRDB

/// One write transaction on the store, shared by the store and a module that keeps its own tables in the same
/// file (Triage, the gateway's device registry): everything done through it commits together or not at all.
///
/// The store's tables (readings, tombstones, sensors, outbox, store_meta) are reached only through the typed
/// operations below; `db` is the same connection, for the caller's *own* tables and record types. That is how
/// the promises that span modules hold without any module writing SQL against another's tables: a reading's
/// evaluation, its alerts, their Flags and the release of the reading's outbox item are one commit because
/// Triage runs its records and `enqueue`/`release` inside one `ReadingStore.write`.
public struct StoreUnitOfWork {
    /// The transaction's connection, for the caller's own tables only.
    public let db: Database

    /// The reading's outbox item in the reading's own commit, inserted at its final size at the end
    /// (`ReadingStore.ingest(_:thenInTheSameCommit:)`); inserted first by every operation here that touches the
    /// outbox, except its own release.
    let deferredItem: DeferredReadingItem?

    init(_ db: Database, deferredItem: DeferredReadingItem? = nil) {
        self.db = db
        self.deferredItem = deferredItem
    }

    /// Inserts the deferred reading item, if any, so that the outbox is what it would have been without it.
    func insertDeferredItem() throws {
        try deferredItem?.insertIfDeferred(db)
    }

    /// Queues an outbox item carrying its FHIR entries in `payload` (an alert Flag); an item with the same kind
    /// and key is left untouched (`.alreadyQueued`). See `Outbox.enqueue` for `sequenceKey` and `priority`.
    /// The outbox's bookkeeping runs on the real clock (the forwarder's), whatever clock the caller uses.
    @discardableResult
    public func enqueue(
        kind: OutboxKind, key: String, payload: [UInt8], sequenceKey: String? = nil, priority: OutboxPriority = .normal
    ) throws -> OutboxEnqueueOutcome {
        try insertDeferredItem()
        return try Outbox.enqueue(
            db, kind: kind, key: key, payload: payload, sequenceKey: sequenceKey, priority: priority, now: Date())
    }

    /// Makes the held outbox items of these readings claimable (the reading's triage is committed with this).
    /// `priority` only ever raises an item's priority; `annotation` is what the releaser attaches for the
    /// forwarder (Triage's evaluation, so that the Observation's interpretation needs no second look-up at
    /// send time); nil keeps what is attached. Unknown or already released readings are ignored for the state.
    @discardableResult
    public func release(
        _ readings: [ReadingID], priority: OutboxPriority = .normal, annotation: [UInt8]? = nil
    ) throws -> Int {
        if let deferredItem, deferredItem.isOnly(readings) {
            return deferredItem.release(priority: priority, annotation: annotation)
        }
        try insertDeferredItem()
        if let annotation { _ = try Outbox.annotate(db, readings: readings, with: annotation) }
        return try Outbox.release(db, readings: readings, priority: priority)
    }

    /// Raises the priority of every waiting (held, pending, in-flight or parked) item of `kind`, or only of
    /// those with the given keys (a migration learning what was urgent before priorities existed).
    @discardableResult
    public func raiseWaitingPriority(
        to priority: OutboxPriority, kind: OutboxKind, keys: [String]? = nil
    ) throws -> Int {
        try insertDeferredItem()
        return try Outbox.raiseWaitingPriority(db, to: priority, kind: kind, keys: keys)
    }

    /// Attaches `annotation` to the outbox items of these readings, whatever their state (a migration filling in
    /// what an older hub released without one). Returns how many items were changed.
    @discardableResult
    public func annotate(_ readings: [ReadingID], with annotation: [UInt8]) throws -> Int {
        try insertDeferredItem()
        return try Outbox.annotate(db, readings: readings, with: annotation)
    }

    /// Readings whose outbox item is waiting (not delivered) and carries no annotation.
    public func waitingUnannotatedReadings() throws -> [ReadingID] {
        try insertDeferredItem()
        return try Outbox.waitingUnannotatedReadings(db)
    }

    /// Runs `body` in a savepoint of this transaction: kept when it returns, undone when it throws, while the rest
    /// of the transaction goes on and commits (a reading stays stored when its triage fails). Returns what the
    /// body returned or threw. An error after which SQLite rolled the whole transaction back (it may on a full
    /// disk or an I/O error) is rethrown instead: nothing of the transaction would be committed, and the caller
    /// must know that.
    public func attempt<T>(_ body: (StoreUnitOfWork) throws -> T) throws -> Result<T, any Error> {
        var value: T?
        // The deferred item as it was: undone with the savepoint like the rows (an insert inside is undone too).
        let deferredBefore = deferredItem?.item
        do {
            try db.inSavepoint {
                value = try body(self)
                return .commit
            }
        } catch {
            guard db.isInsideTransaction else { throw error }
            deferredItem?.item = deferredBefore
            return .failure(error)
        }
        guard let value else { throw StoreError.database(code: -1, message: "savepoint returned nothing") }
        return .success(value)
    }

    /// Which of these readings (by identifier) the store still holds: a module that keeps its own rows about
    /// readings (Triage's evaluations) drops them once the store's retention has deleted the reading.
    public func storedReadings(among identifiers: [String]) throws -> Set<String> {
        var stored = Set<String>()
        // In chunks: SQLite limits the number of bound parameters of one statement.
        for start in stride(from: 0, to: identifiers.count, by: 500) {
            let chunk = Array(identifiers[start..<min(start + 500, identifiers.count)])
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            stored.formUnion(try String.fetchAll(
                db, sql: "SELECT identifier FROM readings WHERE identifier IN (\(marks))",
                arguments: StatementArguments(chunk)))
        }
        return stored
    }

    /// When the stored reading with this identifier was measured (the time it was ingested with, to the
    /// millisecond), nil when the store does not hold it: Triage finds a reading's evaluation by it.
    public func measurementTime(of reading: ReadingID) throws -> Date? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT measuredAt FROM readings WHERE identifier = ?"),
                           arguments: [reading.rawValue]).map(Date.init(unixMilliseconds:))
    }

    /// Deletes every outbox item of `kind`, whatever its state (Triage forgetting the previous patient's Flags).
    @discardableResult
    public func deleteOutboxItems(kind: OutboxKind) throws -> Int {
        try insertDeferredItem()
        return try Outbox.deleteItems(db, kind: kind)
    }
}

extension ReadingStore {
    /// Runs `body` in one write transaction (see `StoreUnitOfWork`): committed when it returns, rolled back when
    /// it throws. Errors are rethrown as they are (GRDB's for SQLite, the body's own).
    public func write<T: Sendable>(_ body: @Sendable (StoreUnitOfWork) throws -> T) async throws -> T {
        try await commit { db in try body(StoreUnitOfWork(db)) }
    }

    /// `write` for a body that changes only the caller's own tables; durable unless the caller's rows are
    /// bookkeeping whose loss on a power cut is harmless (`CommitDurability.bookkeeping`).
    public func writeOwnTables<T: Sendable>(
        durability: CommitDurability = .durable, _ body: @Sendable (Database) throws -> T
    ) async throws -> T {
        try await commit(durability, body)
    }

    /// Runs `body` on a read-only snapshot, for a module reading its own tables.
    public func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws -> T {
        try await writer.read(body)
    }
}
