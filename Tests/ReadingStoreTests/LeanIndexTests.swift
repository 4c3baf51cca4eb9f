import Foundation
import GRDB
@testable import ReadingStore
import Testing

/// store.v5: the readings table keeps only the indexes a query of the gateway uses (each is a page every
/// reading's commit writes).
@Suite struct LeanIndexTests {
    static let dropped = ["readings_by_kind_time", "readings_by_received"]

    @Test func aNewStoreHasNeitherUnusedReadingIndex() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        #expect(try await Self.indexes(in: store).isDisjoint(with: Self.dropped))
        #expect(try await Self.indexes(in: store).contains("readings_by_sensor_time"))
    }

    /// A store.v4 database (both indexes, no v5) is migrated at open, and what it held is still there.
    @Test func aStoreV4DatabaseLosesThemAtOpenAndKeepsItsReadings() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        _ = try await store.ingest(Samples.glucose(sequence: 1))
        try await store.writer.writeWithoutTransaction { db in
            try db.execute(sql: """
                CREATE INDEX readings_by_kind_time ON readings(kind, measuredAt);
                CREATE INDEX readings_by_received ON readings(receivedAt);
                DELETE FROM grdb_migrations WHERE identifier = 'store.v5-lean-indexes';
                """)
        }
        #expect(try await Self.indexes(in: store).isSuperset(of: Self.dropped))
        try store.close()

        let reopened = try directory.openStore()
        #expect(try await Self.indexes(in: reopened).isDisjoint(with: Self.dropped))
        #expect(try await reopened.readingCount() == 1)
        #expect(try await reopened.integrityCheck() == ["ok"])
        try reopened.close()
    }

    static func indexes(in store: ReadingStore) async throws -> Set<String> {
        Set(try await store.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'readings'")
        })
    }
}
