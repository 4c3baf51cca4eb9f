import GRDB

extension ReadingStore {
    /// Deletes every reading, tombstone, sensor and outbox item: the hub is being reissued to another patient.
    ///
    /// Refuses (`.invalidArgument`) while anything is undelivered unless `discardUndelivered` is true, so that
    /// a technician cannot lose readings the centre has not received by accident. `additional` runs in the
    /// same transaction (other modules' tables: triage, the device registry): the reset is one commit, so a
    /// crash or a kill leaves either the previous patient whole or nothing of them.
    public func erasePatientData(
        discardUndelivered: Bool, additional: @escaping @Sendable (StoreUnitOfWork) throws -> Void = { _ in }
    ) async throws(StoreError) {
        try await mapStoreErrors {
            try await commit { db in
                let state = OutboxRecord.Columns.state
                let undelivered = try OutboxRecord.filter(state != OutboxState.delivered.rawValue).fetchCount(db)
                if undelivered > 0, !discardUndelivered {
                    let parked = try OutboxRecord.filter(state == OutboxState.parked.rawValue).fetchCount(db)
                    // Parked items never leave by waiting: say how to send them again.
                    let hint = parked > 0 ? " (\(parked) parked: the centre refused them; see `dhoctl parked` and resend once it is fixed)" : ""
                    throw StoreError.invalidArgument(
                        "\(undelivered) item(s) have not reached the follow-up centre yet\(hint); wait for delivery or discard them explicitly")
                }
                // Deleted content is overwritten with zeros by this same commit, so the previous patient's data
                // is gone from the pages even if the VACUUM below never runs (a crash right after the commit).
                let secureDelete = try Int.fetchOne(db, sql: "PRAGMA secure_delete") ?? 0
                try db.execute(sql: "PRAGMA secure_delete = ON")
                defer { try? db.execute(sql: "PRAGMA secure_delete = \(secureDelete)") }
                // Outbox items before the readings they refer to, readings before their sensors.
                try OutboxRecord.deleteAll(db)
                try ReadingRecord.deleteAll(db)
                try ReadingTombstoneRecord.deleteAll(db)
                try SensorTableRecord.deleteAll(db)
                try additional(StoreUnitOfWork(db))
            }
        }
        // Compacts the file (the freed pages are already zeroed). On GRDB's queue, awaited: a large file takes a
        // while, and the daemon's tasks (the watchdog's ping among them) share one thread (`JobThread`).
        // Synced like a durable commit: a VACUUM lost in a power cut would leave the freed pages in the file.
        try await mapStoreErrors {
            try await writer.writeWithoutTransaction { db in
                try db.execute(sql: "VACUUM")
                try StorePragmas.syncWriteAheadLog(db)
            }
        }
        logger.notice("patient data erased")
    }
}
