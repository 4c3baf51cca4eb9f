import GRDB
import ReadingStore

/// Triage's own tables in the reading store's file, reached through the store's unit of work: a write here is a
/// `ReadingStore.write` whose body touches only `triage_*` tables. The operations that must also change the
/// store's outbox (a reading's release, alert Flags) use `store.write { unit in ... }` directly, so that both
/// commit together.
struct TriageTables: Sendable {
    let store: ReadingStore

    func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws -> T {
        try await store.read(body)
    }

    func write<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws -> T {
        try await store.writeOwnTables(body)
    }
}
