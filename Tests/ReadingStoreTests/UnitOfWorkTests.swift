import Foundation
import GRDB
import HealthProfiles
import ReadingStore
import Testing

/// The store's unit of work: a module with its own tables changes them and the store's (through typed operations)
/// in one commit, and a reading is committed with what follows it, or alone when that fails.
@Suite struct UnitOfWorkTests {
    /// A module's own table, as Triage registers its tables.
    static let moduleTable = StoreMigration("module.v1") { db in
        try db.execute(sql: "CREATE TABLE module_rows (readingID TEXT PRIMARY KEY NOT NULL)")
    }

    static func request(_ sequence: UInt16) -> IngestRequest {
        IngestRequest(
            reading: Samples.glucose(sequence: sequence), rawFrame: Samples.frame, sensor: Samples.cuff,
            receivedAt: Samples.t0, measuredAt: Samples.t0, held: true)
    }

    static func moduleRows(_ store: ReadingStore) async throws -> [String] {
        try await store.read { db in try String.fetchAll(db, sql: "SELECT readingID FROM module_rows ORDER BY readingID") }
    }

    struct Refused: Error {}

    @Test func aModulesRowsAndTheReleaseOfAReadingRollBackTogether() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore(migrations: [Self.moduleTable])
        let id = try await store.ingest(Self.request(1).reading, rawFrame: Samples.frame, sensor: Samples.cuff,
                                        receivedAt: Samples.t0, measuredAt: Samples.t0, held: true).readingID
        await #expect(throws: Refused.self) {
            try await store.write { unit in
                try unit.db.execute(sql: "INSERT INTO module_rows (readingID) VALUES (?)", arguments: [id.rawValue])
                try unit.release([id], priority: .urgent, annotation: Array("evaluation".utf8))
                throw Refused()
            }
        }
        #expect(try await Self.moduleRows(store).isEmpty)
        let held = try #require(try await store.outboxItem(kind: .reading, key: id.rawValue))
        #expect(held.state == .held && held.priority == .normal && held.annotation == nil)

        try await store.write { unit in
            try unit.db.execute(sql: "INSERT INTO module_rows (readingID) VALUES (?)", arguments: [id.rawValue])
            try unit.release([id], priority: .urgent, annotation: Array("evaluation".utf8))
        }
        #expect(try await Self.moduleRows(store) == [id.rawValue])
        let released = try #require(try await store.outboxItem(kind: .reading, key: id.rawValue))
        #expect(released.state == .pending && released.priority == .urgent)
        #expect(released.annotation == Array("evaluation".utf8))
        try store.close()
    }

    @Test func aReadingIsCommittedEvenWhenWhatFollowsItInTheSameCommitFails() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore(migrations: [Self.moduleTable])
        let (outcome, followed) = try await store.ingest(Self.request(1)) { unit, outcome in
            try unit.db.execute(sql: "INSERT INTO module_rows (readingID) VALUES (?)", arguments: [outcome.readingID.rawValue])
            try unit.release([outcome.readingID], annotation: Array("evaluation".utf8))
            throw Refused()
        }
        #expect(throws: Refused.self) { try followed.get() }
        // The reading is stored and still held (for triage to run again); nothing of the failed step is.
        #expect(try await store.heldReadings().map(\.id) == [outcome.readingID])
        #expect(try await Self.moduleRows(store).isEmpty)
        #expect(try await store.outboxItem(kind: .reading, key: outcome.readingID.rawValue)?.annotation == nil)
        try store.close()
    }

    @Test func whatFollowsAReadingCommitsWithItAndTheForwarderClaimsAllItNeedsAtOnce() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore(migrations: [Self.moduleTable])
        let (outcome, followed) = try await store.ingest(Self.request(1)) { unit, outcome in
            try unit.db.execute(sql: "INSERT INTO module_rows (readingID) VALUES (?)", arguments: [outcome.readingID.rawValue])
            return try unit.release([outcome.readingID], annotation: Array("evaluation".utf8))
        }
        #expect(try followed.get() == 1)
        #expect(try await Self.moduleRows(store) == [outcome.readingID.rawValue])
        #expect(try await store.heldReadings().isEmpty)

        // A duplicate is followed too (triage is idempotent), and stores nothing new.
        let (again, _) = try await store.ingest(Self.request(1)) { _, _ in }
        #expect(again == .duplicate(outcome.readingID))

        let batch = try await store.claimDelivery(limit: 10)
        let item = try #require(batch.items.first)
        #expect(batch.items.count == 1 && item.state == .inFlight)
        #expect(item.annotation == Array("evaluation".utf8))
        let rowID = try #require(item.readingRowID)
        #expect(batch.readings[rowID]?.id == outcome.readingID)
        #expect(batch.sensors[Samples.cuff]?.key == Samples.cuff)
        try store.close()
    }
}
