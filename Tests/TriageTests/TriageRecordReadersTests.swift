import Foundation
import GRDB
import HealthProfiles
import Testing
@testable import Triage

/// Triage's per-reading look-ups read their columns by position and update a zone state in place (issue 16: cheaper
/// statements, the same answers). The oracles: GRDB's `Codable` decoding of the same rows, and the rows themselves.
@Suite struct TriageRecordReadersTests {
    private let start = Oslo.date(2026, 3, 2, 8, 0)
    private func day(_ offset: Double) -> Date { start.addingTimeInterval(offset * 86_400) }

    @Test func anEstablishedHabitualValueReadsAsItsRecordDecodes() async throws {
        let fixture = try await TriageFixture(start: start)
        try await fixture.install()
        for index in 0..<15 { try await fixture.evaluate(Readings.spo2(index % 2 == 0 ? "95" : "97"), at: day(Double(index))) }
        let (byPosition, decoded, missing) = try await fixture.database.read { db in
            (try BaselineRecords.fetch(db, vital: .oxygenSaturation),
             try BaselineRecord.fetchAll(db, sql: "SELECT * FROM triage_baselines").map { try $0.baseline() },
             try BaselineRecords.fetch(db, vital: .bodyTemperature))
        }
        #expect(decoded.count == 1)
        #expect(byPosition == decoded.first)
        #expect(byPosition?.value == 96 && byPosition?.sampleCount == 14 && byPosition?.statistic == .median)
        #expect(missing == nil)
    }

    @Test func zoneStatesReadAndUpdateInPlace() async throws {
        let fixture = try await TriageFixture(start: start)
        try await fixture.install()
        try await fixture.evaluate(Readings.spo2("96"), at: day(0))
        try await fixture.evaluate(Readings.spo2("90"), at: day(0.5))   // yellow: an alert, the row updated in place
        let key = Triage.vitalKey(.oxygenSaturation)
        let (state, zone, alertID, rows) = try await fixture.database.read { db in
            (try ZoneStateRecords.fetch(db, key: key),
             try String.fetchOne(db, sql: "SELECT zone FROM triage_zone_state WHERE alert_key = ?", arguments: [key]),
             try String.fetchOne(db, sql: "SELECT alert_id FROM triage_zone_state WHERE alert_key = ?", arguments: [key]),
             try Int.fetchOne(db, sql: "SELECT count(*) FROM triage_zone_state WHERE alert_key = ?", arguments: [key]))
        }
        #expect(state?.zone == .yellow)
        #expect(state?.alertID != nil && state?.alertID == alertID)
        #expect(state?.lastMeasuredAt == day(0.5))
        #expect(zone == "yellow" && rows == 1)
        #expect(try await fixture.database.read { db in try ZoneStateRecords.fetch(db, key: "vital:none") } == nil)

        // Told that the row exists when it does not (it never is, inside triage), the save still inserts it.
        try await fixture.database.write { db in
            try ZoneStateRecords.save(db, key: "vital:none", state: .init(zone: .red, alertID: nil, lastMeasuredAt: nil),
                                      now: day(1), existing: true)
        }
        #expect(try await fixture.database.read { db in try ZoneStateRecords.fetch(db, key: "vital:none") }?.zone == .red)
    }
}
