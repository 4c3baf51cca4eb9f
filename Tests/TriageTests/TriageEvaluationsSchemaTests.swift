import Foundation
import GRDB
import HealthProfiles
import ReadingStore
import Testing
@testable import Triage

/// triage.v6-evaluations-by-time (issue 16, flash wear): an evaluation is indexed by its reading's measurement
/// time, not by the reading's identifier (a hash: a random leaf in every reading's commit), and is still found
/// again, so that triaging a reading twice changes nothing.
@Suite struct TriageEvaluationsSchemaTests {
    private let start = Oslo.date(2026, 3, 3, 8, 0)

    @Test func anEvaluationIsIndexedByTimeOnly() async throws {
        let fixture = try await TriageFixture(start: start)
        try await fixture.install()
        try await fixture.evaluate(Readings.spo2("95", pulse: "70"))
        let indexes = try await fixture.database.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM pragma_index_list('triage_evaluations')")
        }
        #expect(indexes == ["triage_evaluations_by_time"])
    }

    /// A record the device sends again on a later visit is a duplicate in the store, but its time is corrected by
    /// that visit's clock offset: triage still finds its evaluation and stores nothing twice.
    @Test func aReSentRecordWithAnotherClockOffsetIsNotTriagedTwice() async throws {
        let fixture = try await TriageFixture(start: start)
        try await fixture.install()
        let reading = Readings.spo2("85", pulse: "72")
        let id = try await fixture.store.ingestHeld(reading, sensor: Sensors.oximeter, at: fixture.clock.now)
        let stored = try #require(try await fixture.store.storedReading(id))
        let first = try await fixture.triage.evaluate(stored)
        #expect(first.zone == .red && !first.wasAlreadyEvaluated)

        let again = try await fixture.triage.evaluate(
            readingID: id.rawValue, measuredAt: stored.measuredAt.addingTimeInterval(90), reading: reading)
        #expect(again.wasAlreadyEvaluated && again.zone == .red)
        #expect(try await Self.count("triage_evaluations", fixture) == 1)
        #expect(try await Self.count("triage_values", fixture) == 2)
        #expect(try await fixture.triage.storedResult(readingID: id.rawValue)?.zone == .red)
    }

    /// Evaluations stored under triage.v1's table (keyed by reading) are kept at the migration and found after it.
    @Test func evaluationsStoredBeforeTheMigrationAreFoundAfterIt() async throws {
        var fixture = try await TriageFixture(start: start)
        try await fixture.install()
        for day in 0..<3 {
            try await fixture.evaluate(Readings.spo2("9\(day + 4)"), at: start.addingTimeInterval(Double(day) * 86_400),
                                       id: "before-\(day)")
        }
        let id = try await fixture.store.ingestHeld(Readings.spo2("85"), sensor: Sensors.oximeter, at: fixture.clock.now)
        let stored = try #require(try await fixture.store.storedReading(id))
        try await fixture.triage.evaluate(stored)
        let before = try await Self.rows(fixture)
        try await fixture.database.write { db in try db.execute(sql: Self.rewindToV5) }
        try await fixture.reopen()

        #expect(try await Self.rows(fixture) == before)
        let replayed = try await fixture.evaluate(Readings.spo2("95"), at: start.addingTimeInterval(86_400), id: "before-1")
        #expect(replayed.wasAlreadyEvaluated)
        #expect(try await fixture.triage.storedResult(readingID: id.rawValue)?.zone == .red)
        #expect(try await fixture.triage.storedResult(readingID: "before-2")?.readingID == "before-2")
        #expect(try await Self.rows(fixture) == before)
        #expect(try await fixture.store.integrityCheck() == ["ok"])
    }

    static func count(_ table: String, _ fixture: TriageFixture) async throws -> Int {
        try await fixture.database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? -1 }
    }

    /// Every stored evaluation, in one order whatever the schema.
    static func rows(_ fixture: TriageFixture) async throws -> [String] {
        try await fixture.database.read { db in
            try String.fetchAll(db, sql: """
                SELECT reading_id || '|' || measured_at || '|' || evaluated_at || '|' || plan_version || '|' || outcome
                    || '|' || result_json
                FROM triage_evaluations ORDER BY reading_id
                """)
        }
    }

    /// triage_evaluations as triage.v1 made it, with the same rows, before triage.v6-evaluations-by-time.
    static let rewindToV5 = """
        CREATE TABLE triage_evaluations_v1 (
            reading_id TEXT PRIMARY KEY,
            measured_at REAL NOT NULL,
            evaluated_at REAL NOT NULL,
            plan_version INTEGER NOT NULL,
            outcome TEXT NOT NULL,
            result_json TEXT NOT NULL
        );
        INSERT INTO triage_evaluations_v1
            SELECT reading_id, measured_at, evaluated_at, plan_version, outcome, result_json FROM triage_evaluations;
        DROP TABLE triage_evaluations;
        ALTER TABLE triage_evaluations_v1 RENAME TO triage_evaluations;
        DELETE FROM grdb_migrations WHERE identifier = 'triage.v6-evaluations-by-time';
        """
}
