public import Foundation
import GRDB

private typealias OutboxColumns = OutboxRecord.Columns

extension ReadingStore {
    /// An item the forwarder may still settle (deliver, retry, park): one that is neither settled nor held.
    static var stillToSend: SQLExpression { [OutboxState.pending, .inFlight].map(\.rawValue).contains(OutboxColumns.state) }

    /// SQL condition on outbox row `o`: no older item with its sequence key is still waiting.
    static let notBehindItsSequence = """
        (o.sequenceKey IS NULL OR NOT EXISTS (
            SELECT 1 FROM outbox earlier
            WHERE earlier.sequenceKey = o.sequenceKey AND earlier.id < o.id
              AND earlier.state IN ('held', 'pending', 'in-flight')))
        """

    /// Queues an item in its own transaction. Use `StoreUnitOfWork.enqueue` to queue inside yours.
    @discardableResult
    public func enqueue(
        kind: OutboxKind, key: String, payload: [UInt8], sequenceKey: String? = nil
    ) async throws(StoreError) -> OutboxEnqueueOutcome {
        try await mapStoreErrors {
            try await commit { db in
                try Outbox.enqueue(db, kind: kind, key: key, payload: payload, sequenceKey: sequenceKey, now: Date())
            }
        }
    }

    /// Makes the held outbox items of these readings claimable (see `ingest(..., held:)`). Readings that are
    /// unknown or not held are ignored. Returns how many were released.
    @discardableResult
    public func release(_ readings: [ReadingID]) async throws(StoreError) -> Int {
        guard !readings.isEmpty else { return 0 }
        return try await mapStoreErrors {
            try await commit { db in try Outbox.release(db, readings: readings) }
        }
    }

    /// Claims up to `limit` items that are due, oldest first, and marks them in flight (with the attempt counted)
    /// so that a crash during the send is visible and recovered at the next open. Committed as bookkeeping
    /// (`CommitDurability`): a power cut may lose the claim, and the item, pending again, is simply sent again.
    ///
    /// Held items are never claimed. An item with a sequence key is not claimed while an older item with the
    /// same key is held, pending or in flight, so successive versions of a resource go out in order and never
    /// share a Bundle (a FHIR transaction must not touch one resource twice). A parked predecessor does not
    /// block: the newer version supersedes it.
    ///
    /// Background items (the hub's check-in) come after all others.
    ///
    /// With `urgentOnly`, only urgent items are claimed (the forwarder probing a receiver that asked it to
    /// back off).
    public func claimBatch(limit: Int, now: Date = Date(), urgentOnly: Bool = false) async throws(StoreError) -> [OutboxItem] {
        guard limit > 0 else { throw .invalidArgument("batch limit must be positive") }
        return try await mapStoreErrors {
            try await commit(.bookkeeping) { db in try Self.claim(db, limit: limit, now: now, urgentOnly: urgentOnly) }
        }
    }

    /// `claimBatch`, with the readings the items refer to and their sensors read in the same transaction: all the
    /// forwarder needs to build the Bundle, in one visit to the store.
    public func claimDelivery(limit: Int, now: Date = Date(), urgentOnly: Bool = false) async throws(StoreError) -> ClaimedBatch {
        guard limit > 0 else { throw .invalidArgument("batch limit must be positive") }
        return try await mapStoreErrors {
            try await commit(.bookkeeping) { db in try Self.claimBatch(db, limit: limit, now: now, urgentOnly: urgentOnly) }
        }
    }

    /// The claim with what the forwarder needs to build the Bundle, or, when nothing is due, what still waits.
    static func claimBatch(_ db: Database, limit: Int, now: Date, urgentOnly: Bool) throws -> ClaimedBatch {
        let items = try claim(db, limit: limit, now: now, urgentOnly: urgentOnly)
        guard !items.isEmpty else {
            return ClaimedBatch(items: [], readings: [:], sensors: [:], waiting: try waiting(db))
        }
        let readings = try storedReadings(db, rowIDs: items.compactMap(\.readingRowID))
        let sensors = try sensors(db, Set(readings.values.map(\.sensor)))
        return ClaimedBatch(items: items, readings: readings, sensors: sensors, waiting: nil)
    }

    /// The two figures of `outboxStatus` the forwarder's loop needs after an empty claim, in one cached statement
    /// (`outboxStatus` runs six, and the forwarder asked for it after every round: once or twice per reading under
    /// a steady load, 4.8 % of the daemon's CPU by perf, issue 16).
    static func waiting(_ db: Database) throws -> OutboxWaiting {
        let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT EXISTS (SELECT 1 FROM outbox WHERE state = 'pending') AS pending,
                   (SELECT MIN(o.nextAttemptAt) FROM outbox o
                    WHERE o.state = 'pending' AND \(Self.notBehindItsSequence)) AS next
            """))
        let next: Int64? = try row?.decode(Int64?.self, forColumn: "next") ?? nil
        return OutboxWaiting(
            pending: try row?.decode(Bool.self, forColumn: "pending") ?? false,
            nextAttemptAt: next.map(Date.init(unixMilliseconds:)))
    }

    /// The items due, oldest first within a priority band: urgent and normal ones (`priority >= 0`) before the
    /// background ones (`ClaimBand`), each band in `id` order. One query per band rather than one
    /// `ORDER BY priority < 0, id`: SQLite cannot walk the `outbox_by_state (state, id)` index in the order of that
    /// expression, so it read every pending item into a temporary b-tree, sorted them all and kept a hundred — per
    /// claim, so a backlog of n items cost n²/100 rows to drain (a 100 k backlog: three quarters of the drain's CPU
    /// in the claim, perf, issue 16). In `id` order it stops after the items it returns.
    private static func claimSQL(_ band: ClaimBand) -> String {
        """
        SELECT * FROM outbox o
        WHERE o.state = 'pending' AND o.nextAttemptAt <= ? AND \(band.condition) AND \(Self.notBehindItsSequence)
        ORDER BY o.id LIMIT ?
        """
    }

    enum ClaimBand: CaseIterable {
        case urgent, urgentAndNormal, background

        var condition: String {
            switch self {
            case .urgent: "o.priority > 0"
            case .urgentAndNormal: "o.priority >= 0"
            case .background: "o.priority < 0"
            }
        }

        /// The statement, built once (`db.cachedStatement` keys on it).
        var sql: String {
            switch self {
            case .urgent: ReadingStore.claimUrgentSQL
            case .urgentAndNormal: ReadingStore.claimNormalSQL
            case .background: ReadingStore.claimBackgroundSQL
            }
        }
    }

    private static let claimUrgentSQL = claimSQL(.urgent)
    private static let claimNormalSQL = claimSQL(.urgentAndNormal)
    private static let claimBackgroundSQL = claimSQL(.background)

    static func claim(_ db: Database, limit: Int, now: Date, urgentOnly: Bool) throws -> [OutboxItem] {
        let nowMs = now.unixMilliseconds
        // Cached statements (see `RowIDList`): the forwarder claims every round.
        var records: [OutboxRecord] = []
        for band in urgentOnly ? [ClaimBand.urgent] : [.urgentAndNormal, .background] where records.count < limit {
            records += try OutboxRecord.fetchAll(
                db.cachedStatement(sql: band.sql), arguments: [nowMs, limit - records.count])
        }
        var items = try records.map(OutboxItem.init)
        guard !items.isEmpty else { return [] }
        try RowIDList.execute(db, { condition in """
            UPDATE outbox SET state = '\(OutboxState.inFlight.rawValue)', attempts = attempts + 1, lastAttemptAt = ?
            WHERE \(condition)
            """ }, leading: [nowMs], forEach: items.map(\.id))
        for index in items.indices {
            items[index].state = .inFlight
            items[index].attempts += 1
            items[index].lastAttemptAt = now
        }
        return items
    }

    /// Records that the receiver accepted these items. Committed as bookkeeping (`CommitDurability`): a power cut
    /// may lose the mark, and the items are then sent again, which the receiver absorbs (conditional create).
    public func markDelivered(_ ids: [Int64], at date: Date = Date()) async throws(StoreError) {
        guard !ids.isEmpty else { return }
        try await mapStoreErrors {
            try await commit(.bookkeeping) { db in try Self.recordDelivered(db, ids, at: date) }
        }
    }

    /// Puts items back in the queue, not to be sent before `notBefore`. `error` must not contain secrets
    /// or health data (the forwarder passes status lines and transport errors only). Committed as bookkeeping
    /// (`CommitDurability`): a power cut may lose it, and the items are then due earlier.
    public func scheduleRetry(_ ids: [Int64], notBefore: Date, error: String?) async throws(StoreError) {
        guard !ids.isEmpty else { return }
        let reason: String? = error.map { Outbox.truncated($0) }
        try await mapStoreErrors {
            try await commit(.bookkeeping) { db in
                var assignments = [
                    OutboxColumns.state.set(to: OutboxState.pending.rawValue),
                    OutboxColumns.nextAttemptAt.set(to: notBefore.unixMilliseconds),
                ]
                // Without a new error the previous one stays.
                if let reason { assignments.append(OutboxColumns.lastError.set(to: reason)) }
                for chunk in ids.chunked(into: 500) {
                    try OutboxRecord.filter(Array(chunk).contains(OutboxColumns.id) && Self.stillToSend)
                        .updateAll(db, assignments)
                }
            }
        }
    }

    /// Brings every pending item (of at least `priority`) due after `notAfter` forward to `notAfter`: their
    /// retry times were set by a clock that was ahead, or by a back-off that no longer holds (the receiver
    /// answered again, the technician asked to forward now). Returns how many were moved.
    @discardableResult
    public func capRetrySchedule(notAfter: Date, priority: OutboxPriority = .normal) async throws(StoreError) -> Int {
        try await mapStoreErrors {
            try await commit { db in
                try db.execute(
                    sql: "UPDATE outbox SET nextAttemptAt = ?1 WHERE state = 'pending' AND nextAttemptAt > ?1 AND priority >= ?2",
                    arguments: [notAfter.unixMilliseconds, priority.rawValue])
                return db.changesCount
            }
        }
    }

    /// The earliest time a waiting item of at least `priority` may be sent (see `OutboxStatus.nextAttemptAt`).
    public func nextAttemptAt(priority: OutboxPriority) async throws(StoreError) -> Date? {
        try await mapStoreErrors {
            try await writer.read { db in
                try Int64.fetchOne(db, sql: """
                    SELECT MIN(o.nextAttemptAt) FROM outbox o
                    WHERE o.state = 'pending' AND o.priority >= ? AND \(Self.notBehindItsSequence)
                    """, arguments: [priority.rawValue]).map(Date.init(unixMilliseconds:))
            }
        }
    }

    /// Parks an item the receiver rejected, keeping the server's explanation and `context` (the forwarder's
    /// receiver settings and software version, so that a change of either sends it again). Parked items do
    /// not block the queue and are never deleted by retention; they go back to the queue only through
    /// `requeueParked`.
    public func park(_ id: Int64, reason: String, context: String? = nil, at date: Date = Date()) async throws(StoreError) {
        let text = Outbox.truncated(reason)
        try await mapStoreErrors {
            try await commit { db in
                _ = try OutboxRecord.filter(OutboxColumns.id == id && Self.stillToSend).updateAll(
                    db,
                    OutboxColumns.state.set(to: OutboxState.parked.rawValue),
                    OutboxColumns.parkedAt.set(to: date.unixMilliseconds),
                    OutboxColumns.parkReason.set(to: text),
                    OutboxColumns.lastError.set(to: text),
                    OutboxColumns.parkContext.set(to: context))
            }
        }
    }

    /// Returns parked items (all, or the given ones) to the queue, e.g. after the receiver was fixed
    /// (`dhoctl parked resend`). Returns how many were requeued; ids that are not parked are ignored.
    @discardableResult
    public func requeueParked(_ ids: [Int64]? = nil, now: Date = Date()) async throws(StoreError) -> Int {
        if let ids {
            guard !ids.isEmpty else { return 0 }
            var requeued = 0
            for chunk in ids.chunked(into: 500) {
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                requeued += try await requeueParked(where: "id IN (\(marks))", StatementArguments(Array(chunk)), now: now)
            }
            return requeued
        }
        return try await requeueParked(where: "1", [], now: now)
    }

    /// The forwarder's automatic second chance: requeues the parked items parked before `parkedBefore` (a
    /// slow periodic retry) or under a context other than `context` (the receiver settings or the software
    /// changed since, so the rejection may not hold any more). Returns how many were requeued.
    @discardableResult
    public func requeueParked(
        parkedBefore: Date, orContextOtherThan context: String?, now: Date = Date()
    ) async throws(StoreError) -> Int {
        guard let context else {
            return try await requeueParked(where: "parkedAt < ?", [parkedBefore.unixMilliseconds], now: now)
        }
        return try await requeueParked(
            where: "(parkedAt < ? OR parkContext IS NOT ?)", [parkedBefore.unixMilliseconds, context], now: now)
    }

    private func requeueParked(where condition: String, _ arguments: StatementArguments, now: Date) async throws(StoreError) -> Int {
        try await mapStoreErrors {
            try await commit { db in
                // The park reason stays (as lastError) until a new answer replaces it: the technician sees why it
                // was parked while it waits again.
                try db.execute(
                    sql: """
                        UPDATE outbox SET state = 'pending', nextAttemptAt = ?, parkedAt = NULL, parkContext = NULL
                        WHERE state = 'parked' AND \(condition)
                        """,
                    arguments: StatementArguments([now.unixMilliseconds]) + arguments)
                return db.changesCount
            }
        }
    }

    /// Items in a given state, oldest first (for dhoctl and tests).
    public func outboxItems(in state: OutboxState, limit: Int = 1000) async throws(StoreError) -> [OutboxItem] {
        try await mapStoreErrors {
            try await writer.read { db in
                try OutboxRecord.items(
                    db, OutboxRecord.filter(OutboxColumns.state == state.rawValue).order(OutboxColumns.id).limit(limit))
            }
        }
    }

    /// Items of one kind in any state, oldest first (Triage's Flags for dhoctl and tests).
    public func outboxItems(kind: OutboxKind, limit: Int = 1000) async throws(StoreError) -> [OutboxItem] {
        try await mapStoreErrors {
            try await writer.read { db in
                try OutboxRecord.items(
                    db, OutboxRecord.filter(OutboxColumns.kind == kind.rawValue).order(OutboxColumns.id).limit(limit))
            }
        }
    }

    public func outboxItem(kind: OutboxKind, key: String) async throws(StoreError) -> OutboxItem? {
        try await mapStoreErrors {
            try await writer.read { db in
                try OutboxRecord
                    .filter(sql: Outbox.keyed(kind: kind, count: 1), arguments: Outbox.keyedArguments(kind: kind, keys: [key]))
                    .fetchOne(db).map(OutboxItem.init)
            }
        }
    }

    /// Queue depth, oldest undelivered, last successful forward, parked count.
    public func outboxStatus() async throws(StoreError) -> OutboxStatus {
        try await mapStoreErrors {
            try await writer.read { db in
                // Cached statements: the forwarder asks after every batch it sent, i.e. about once per reading
                // under a steady load, and compiling these six each time showed in the daemon's CPU profile.
                var counts: [String: Int] = [:]
                for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT state, COUNT(*) AS n FROM outbox GROUP BY state")) {
                    counts[try row.decode(String.self, forColumn: "state")] = try row.decode(Int.self, forColumn: "n")
                }
                let waiting = "state IN ('held', 'pending', 'in-flight')"
                let oldest = try Int64.fetchOne(db.cachedStatement(sql: "SELECT MIN(enqueuedAt) FROM outbox WHERE \(waiting)"))
                // Items waiting behind an earlier one with their sequence key are not due on their own.
                let next = try Int64.fetchOne(db.cachedStatement(sql: """
                    SELECT MIN(o.nextAttemptAt) FROM outbox o
                    WHERE o.state = 'pending' AND \(Self.notBehindItsSequence)
                    """))
                let lastError = try String.fetchOne(db.cachedStatement(sql: """
                    SELECT lastError FROM outbox WHERE \(waiting) AND lastError IS NOT NULL
                    ORDER BY lastAttemptAt DESC LIMIT 1
                    """))
                let parkedUrgent = try Int.fetchOne(
                    db.cachedStatement(sql: "SELECT COUNT(*) FROM outbox WHERE state = 'parked' AND priority > 0")) ?? 0
                let lastDelivered = try StoreMetaRecord.fetchOne(db, key: StoreMetaRecord.lastDeliveredAt)
                    .flatMap { Int64($0.value) }
                return OutboxStatus(
                    held: counts[OutboxState.held.rawValue] ?? 0,
                    pending: counts[OutboxState.pending.rawValue] ?? 0,
                    inFlight: counts[OutboxState.inFlight.rawValue] ?? 0,
                    parked: counts[OutboxState.parked.rawValue] ?? 0,
                    parkedUrgent: parkedUrgent,
                    delivered: counts[OutboxState.delivered.rawValue] ?? 0,
                    oldestUndeliveredEnqueuedAt: oldest.map(Date.init(unixMilliseconds:)),
                    lastDeliveredAt: lastDelivered.map(Date.init(unixMilliseconds:)),
                    lastError: lastError,
                    nextAttemptAt: next.map(Date.init(unixMilliseconds:)))
            }
        }
    }
}
