import Foundation
import GRDB
import HealthProfiles
import ReadingStore
import Testing
@testable import Triage

/// Triage's copies of readings (values, evaluations, ended alerts) go at the store's retention horizon, except
/// what triage still needs.
@Suite struct TriageRetentionTests {
    private func count(_ fixture: TriageFixture, _ sql: String) async throws -> Int {
        try await fixture.database.read { db in try Int.fetchOne(db, sql: sql) ?? -1 }
    }

    @Test func oldCopiesGoAndWhatTriageStillNeedsStays() async throws {
        let fixture = try await TriageFixture()
        try await fixture.install()
        let start = fixture.clock.now
        try await fixture.evaluate(Readings.glucose("2.5", unit: .millimolePerLitre), id: "old-glucose")      // red
        fixture.clock.advance(hours: 1)
        try await fixture.evaluate(Readings.glucose("6.0", unit: .millimolePerLitre), id: "old-glucose-ok")   // clears it
        try await fixture.evaluate(Readings.temperature("39.5", unit: .celsius), id: "old-fever")             // red, stays
        try await fixture.evaluate(Readings.spo2("96"), id: "old-spo2")
        try await fixture.evaluate(Readings.weight("80"), id: "old-weight")
        // Still in the store (undelivered, say): its evaluation must survive, it makes re-triage a no-op.
        let kept = try await fixture.store.ingestHeld(Readings.glucose("5.5", unit: .millimolePerLitre),
                                                      sensor: Sensors.oximeter, at: fixture.clock.now)
        try await fixture.triage.evaluate(try #require(try await fixture.store.storedReading(kept)))

        fixture.clock.now = start.addingTimeInterval(100 * 86_400)
        try await fixture.evaluate(Readings.weight("80.5"), id: "new-weight")
        let report = try await fixture.triage.applyRetention(olderThan: fixture.clock.now.addingTimeInterval(-90 * 86_400))

        // Every value older than 90 days goes (the weight window is 3 days) except spo2's: the plan is still
        // collecting its habitual value (1 of 10 readings so far), and collection starts at the first value.
        let values = try await fixture.database.read { db in
            try String.fetchAll(db, sql: "SELECT reading_id || ':' || vital FROM triage_values ORDER BY 1")
        }
        #expect(values == ["new-weight:weight", "old-spo2:spo2"])
        #expect(report.values == 6)   // old glucose ×2, fever, spo2's pulse, old weight, the stored reading's glucose

        // Evaluations of deleted readings go; the stored reading's and the new one stay.
        let evaluations = try await fixture.database.read { db in
            try String.fetchAll(db, sql: "SELECT reading_id FROM triage_evaluations ORDER BY reading_id")
        }
        #expect(Set(evaluations) == [kept.rawValue, "new-weight"])

        // The cleared glucose alert and its events go; the fever alert is active and stays.
        let alerts = try await fixture.database.read { db in
            try Row.fetchAll(db, sql: "SELECT vital, status FROM triage_alerts").map { "\($0["vital"] as String? ?? "") \($0["status"] as String)" }
        }
        #expect(alerts == ["temperature active"])
        #expect(try await count(fixture, "SELECT COUNT(*) FROM triage_alert_events WHERE alert_id NOT IN (SELECT id FROM triage_alerts)") == 0)
        #expect(report.alerts == 1 && report.evaluations == 5)

        // Nothing left to do: a second pass removes nothing, and triage still works on what stayed.
        #expect(try await fixture.triage.applyRetention(olderThan: fixture.clock.now.addingTimeInterval(-90 * 86_400)).total == 0)
        #expect(try await fixture.evaluate(Readings.temperature("36.8", unit: .celsius)).zone == .green)
        #expect(try await count(fixture, "SELECT COUNT(*) FROM triage_alerts WHERE status = 'active'") == 0)
    }

    @Test func windowRulesKeepTheirValuesBeyondTheHorizon() async throws {
        let fixture = try await TriageFixture()
        try await fixture.install()
        try await fixture.evaluate(Readings.weight("80"), id: "day-0")
        fixture.clock.advance(hours: 48)
        // A one-day horizon is shorter than the 3-day weight window: the value from two days ago must stay,
        // and the 2.5 kg gain is still seen (yellow at 2 kg).
        try await fixture.triage.applyRetention(olderThan: fixture.clock.now.addingTimeInterval(-86_400))
        #expect(try await count(fixture, "SELECT COUNT(*) FROM triage_values WHERE reading_id = 'day-0'") == 1)
        #expect(try await fixture.evaluate(Readings.weight("82.5")).zone == .yellow)
    }
}
