import GRDB

extension ReadingStore {
    /// Runs `body` in one write transaction committed with `durability` (see `CommitDurability`): every write of
    /// the store goes through here, so that no commit is less durable than it asked for.
    ///
    /// A durable commit syncs the write-ahead log before it returns; when that sync fails the transaction is
    /// committed but may not survive a power cut, and the call throws (a reading's device is then not acknowledged
    /// and sends it again, which the store recognises as a duplicate).
    func commit<T: Sendable>(
        _ durability: CommitDurability = .durable, _ body: @Sendable (Database) throws -> T
    ) async throws -> T {
        try await writer.writeWithoutTransaction { db in
            var result: T?
            try db.inTransaction(.immediate) {
                result = try body(db)
                return .commit
            }
            guard let result else { throw StoreError.database(code: -1, message: "transaction returned nothing") }
            if durability == .durable {
                try StorePragmas.syncWriteAheadLog(db)
                durableSyncs.add(1, ordering: .relaxed)
            }
            return result
        }
    }
}
