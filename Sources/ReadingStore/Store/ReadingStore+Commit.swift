import GRDB

extension ReadingStore {
    /// Runs `body` in one write transaction committed with `durability` (see `CommitDurability`): every write of
    /// the store goes through here, so that no commit runs with a level it did not ask for.
    ///
    /// The level is set on the writer connection before the transaction only when it differs from what the
    /// connection has (a durable commit after a bookkeeping one pays one pragma, a run of readings none), and
    /// a durable commit whose level cannot be set throws instead of committing with a weaker one.
    func commit<T: Sendable>(
        _ durability: CommitDurability = .durable, _ body: @Sendable (Database) throws -> T
    ) async throws -> T {
        try await writer.writeWithoutTransaction { db in
            try self.setWriterDurability(durability, db)
            var result: T?
            try db.inTransaction(.immediate) {
                result = try body(db)
                return .commit
            }
            guard let result else { throw StoreError.database(code: -1, message: "transaction returned nothing") }
            return result
        }
    }

    /// The writer connection at `durability`. Called on the writer's queue only, outside a transaction.
    private func setWriterDurability(_ durability: CommitDurability, _ db: Database) throws {
        guard writerDurability.withLock({ $0 }) != durability else { return }
        do {
            try StorePragmas.setSynchronous(durability, db)
        } catch {
            // Unknown state: ask again next time rather than trust it.
            writerDurability.withLock { $0 = .bookkeeping }
            throw error
        }
        writerDurability.withLock { $0 = durability }
    }
}
