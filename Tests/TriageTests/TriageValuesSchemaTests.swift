import Foundation
import GRDB
import HealthProfiles
import Testing
@testable import Triage

/// triage.v5-values-by-vital and triage.v7-values-by-time (issue 16, flash wear): triage_values is one b-tree keyed
/// by time (since v7 a rowid table whose row id is the time, then the order values of one time came in) instead of
/// a rowid table with two indexes, and a hub's values from before carry over.
@Suite struct TriageValuesSchemaTests {
    private let start = Oslo.date(2026, 3, 3, 8, 0)

    private func day(_ n: Double) -> Date { start.addingTimeInterval(n * 86_400) }

    @Test func aNewDatabaseKeepsTheValuesInOneBTree() async throws {
        let fixture = try await TriageFixture(start: start)
        try await fixture.install()
        try await fixture.evaluate(Readings.spo2("95", pulse: "70"), at: day(0))
        let (sql, indexes, values) = try await fixture.database.read { db in
            (try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'triage_values'") ?? "",
             try String.fetchAll(db, sql: "SELECT name FROM pragma_index_list('triage_values') WHERE origin <> 'pk'"),
             try Int.fetchOne(db, sql: "SELECT count(*) FROM triage_values") ?? 0)
        }
        #expect(sql.contains("slot INTEGER PRIMARY KEY") && !sql.contains("WITHOUT ROWID"))
        #expect(indexes.isEmpty)
        #expect(values == 2)
    }

    /// triage.v7-values-by-time: the values of readings measured at the same time go after each other in the order
    /// they came (the row id is the time and then the arrival: an append), not among each other by vital and reading;
    /// a replay adds none.
    @Test func valuesOfOneSecondAreKeptInArrivalOrder() async throws {
        let fixture = try await TriageFixture(start: start)
        try await fixture.install()
        for id in ["c", "a", "b"] { try await fixture.evaluate(Readings.spo2("95", pulse: "70"), at: day(0), id: id) }
        try await fixture.evaluate(Readings.spo2("95", pulse: "70"), at: day(0), id: "a")
        let (key, order) = try await fixture.database.read { db in
            (try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info('triage_values') WHERE pk > 0 ORDER BY pk"),
             try String.fetchAll(db, sql: "SELECT reading_id || ':' || vital FROM triage_values"))
        }
        #expect(key == ["slot"])
        #expect(order == ["c:spo2", "c:pulse", "a:spo2", "a:pulse", "b:spo2", "b:pulse"])
    }

    /// Values stored under triage.v5's key (measured_at, vital, reading_id) are all kept by triage.v7, in that order
    /// within a second, and still make the habitual value.
    @Test func valuesStoredUnderTheV5KeyAreKeptAndStillAnswered() async throws {
        var fixture = try await TriageFixture(start: start)
        try await fixture.install()
        _ = try await evaluateThirteenDays(fixture)
        try await fixture.evaluate(Readings.spo2("96"), at: day(12), id: "same-second")
        let before = try await Self.rows(fixture)
        try await fixture.database.write { db in try db.execute(sql: Self.rewindToV6) }
        try await fixture.reopen()

        #expect(try await Self.rows(fixture) == before)
        let lastSecond = try await fixture.database.read { db in
            try String.fetchAll(db, sql: "SELECT reading_id || ':' || vital FROM triage_values WHERE measured_at = ?",
                                arguments: [day(12).timeIntervalSince1970])
        }
        #expect(lastSecond == ["before-12:pulse", "same-second:pulse", "before-12:spo2", "same-second:spo2"])
        try await fixture.evaluate(Readings.spo2("96"), at: day(12), id: "same-second")
        #expect(try await Self.rows(fixture) == before)
        let yellow = try await fixture.evaluate(Readings.spo2("93"), at: day(14))
        #expect(yellow.assessments.first { $0.vital == .oxygenSaturation }?.baseline == 96)
        #expect(try await fixture.triage.baselines().first?.sampleCount == 14)
        #expect(try await fixture.store.integrityCheck() == ["ok"])
    }

    /// Thirteen days of values stored under the old schema, migrated at open: the baseline built on day 14 counts
    /// them (14 values, median 96), so not one was lost, and a replayed evaluation adds no second copy.
    @Test func valuesStoredBeforeTheMigrationStillMakeTheBaseline() async throws {
        var fixture = try await TriageFixture(start: start)
        try await fixture.install()
        let values = try await evaluateThirteenDays(fixture)
        let before = try await Self.rows(fixture)
        try await fixture.database.write { db in try db.execute(sql: Self.rewindToV4) }
        #expect(try await fixture.database.read { db in
            try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'triage_values'")
        }?.contains("WITHOUT ROWID") == false)
        try await fixture.reopen()

        #expect(try await Self.rows(fixture) == before)
        try await fixture.evaluate(Readings.spo2("96"), at: day(13), id: "after-13")
        // A replay of an evaluated reading (the daemon after a crash) stores nothing twice.
        try await fixture.evaluate(Readings.spo2("96"), at: day(13), id: "after-13")
        // Two values a reading (SpO2 and pulse).
        #expect(try await Self.rows(fixture).count == 2 * (values.count + 1))
        let yellow = try await fixture.evaluate(Readings.spo2("93"), at: day(14))
        #expect(yellow.assessments.first { $0.vital == .oxygenSaturation }?.baseline == 96)
        #expect(try await fixture.triage.baselines().first?.sampleCount == 14)
        #expect(try await fixture.store.integrityCheck() == ["ok"])
    }

    /// One SpO2 reading a day for thirteen days ("before-0"…"before-12"), median 96; returns the values.
    private func evaluateThirteenDays(_ fixture: TriageFixture) async throws -> [String] {
        let values = ["95", "96", "97", "96", "95", "96", "97", "96", "95", "96", "97", "96", "96"]
        for (index, value) in values.enumerated() {
            try await fixture.evaluate(Readings.spo2(value), at: day(Double(index)), id: "before-\(index)")
        }
        return values
    }

    /// Every stored value, in one order whatever the schema.
    static func rows(_ fixture: TriageFixture) async throws -> [String] {
        try await fixture.database.read { db in
            try String.fetchAll(db, sql: """
                SELECT reading_id || '|' || vital || '|' || value || '|' || measured_at || '|' || reliable
                FROM triage_values ORDER BY reading_id, vital
                """)
        }
    }

    /// triage_values as triage.v1 made it, with the same rows, before triage.v5-values-by-vital.
    static let rewindToV4 = """
        CREATE TABLE triage_values_v1 (
            reading_id TEXT NOT NULL,
            vital TEXT NOT NULL,
            value REAL NOT NULL,
            measured_at REAL NOT NULL,
            reliable INTEGER NOT NULL,
            PRIMARY KEY (reading_id, vital)
        );
        INSERT INTO triage_values_v1 SELECT reading_id, vital, value, measured_at, reliable FROM triage_values;
        DROP TABLE triage_values;
        ALTER TABLE triage_values_v1 RENAME TO triage_values;
        CREATE INDEX triage_values_by_vital_time ON triage_values(vital, measured_at);
        DELETE FROM grdb_migrations WHERE identifier IN ('triage.v5-values-by-vital', 'triage.v7-values-by-time');
        """

    /// triage_values as triage.v5-values-by-vital made it, with the same rows, before triage.v7-values-by-time.
    static let rewindToV6 = """
        CREATE TABLE triage_values_v5 (
            measured_at REAL NOT NULL,
            vital TEXT NOT NULL,
            reading_id TEXT NOT NULL,
            value REAL NOT NULL,
            reliable INTEGER NOT NULL,
            PRIMARY KEY (measured_at, vital, reading_id)
        ) WITHOUT ROWID;
        INSERT INTO triage_values_v5 SELECT measured_at, vital, reading_id, value, reliable FROM triage_values;
        DROP TABLE triage_values;
        ALTER TABLE triage_values_v5 RENAME TO triage_values;
        DELETE FROM grdb_migrations WHERE identifier = 'triage.v7-values-by-time';
        """
}
