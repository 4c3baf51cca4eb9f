import Foundation
import GRDB
import HealthProfiles
import Testing
@testable import Triage

@Suite struct AlertLifecycleTests {
    @Test func raiseNoRepeatEscalateDeescalateClear() async throws {
        let fixture = try await TriageFixture()
        try await fixture.install()

        let yellow = try await fixture.evaluate(Readings.spo2("90"))
        let raised = try #require(yellow.alertEvents.first)
        #expect(yellow.alertEvents.count == 1)
        #expect(raised.change == .raised && raised.alert.zone == .yellow && raised.alert.previousZone == .green)
        #expect(raised.alert.key == "vital:spo2")

        // Further yellow readings: no new alert.
        fixture.clock.advance(hours: 1)
        #expect(try await fixture.evaluate(Readings.spo2("91")).alertEvents.isEmpty)
        #expect(try await fixture.triage.activeAlerts().map(\.id) == [raised.alert.id])

        // Yellow → red: the yellow alert is superseded and a red one raised.
        fixture.clock.advance(hours: 1)
        let red = try await fixture.evaluate(Readings.spo2("86"))
        #expect(red.alertEvents.map(\.change) == [.superseded, .raised])
        #expect(red.alertEvents.last?.alert.previousZone == .yellow)
        let redID = try #require(red.alertEvents.last?.alert.id)
        #expect(try await fixture.triage.activeAlerts().map(\.zone) == [.red])

        // Red → yellow is a change too: new yellow alert, red superseded.
        fixture.clock.advance(hours: 1)
        let back = try await fixture.evaluate(Readings.spo2("90"))
        #expect(back.alertEvents.map(\.change) == [.superseded, .raised])
        #expect(back.alertEvents.first?.alert.id == redID)
        #expect(back.alertEvents.last?.alert.zone == .yellow && back.alertEvents.last?.alert.previousZone == .red)

        // Green clears.
        fixture.clock.advance(hours: 1)
        let green = try await fixture.evaluate(Readings.spo2("97"))
        #expect(green.alertEvents.map(\.change) == [.cleared])
        #expect(try await fixture.triage.activeAlerts().isEmpty)
        let history = try await fixture.triage.alertHistory(limit: 10)
        #expect(history.map(\.status) == [.cleared, .superseded, .superseded])
        #expect(history.first?.endedReason == "back to green")

        // Flags in the outbox: active for each raised alert, inactive for each ended one.
        let items = try await fixture.queuedFlags()
        #expect(items.filter { $0.status == "active" }.count == 3)
        #expect(items.filter { $0.status == "inactive" }.count == 3)
    }

    @Test func acknowledgeIsRecordedOnceAndDoesNotClear() async throws {
        let fixture = try await TriageFixture()
        try await fixture.install()
        let alert = try #require(try await fixture.evaluate(Readings.spo2("85")).alertEvents.first?.alert)
        fixture.clock.advance(hours: 0.5)
        let acknowledged = try await fixture.triage.acknowledge(alertID: alert.id, by: "nurse-berg")
        #expect(acknowledged.acknowledgedBy == "nurse-berg")
        #expect(acknowledged.acknowledgedAt == fixture.clock.now)
        #expect(try await fixture.triage.activeAlerts().first?.acknowledgedBy == "nurse-berg")

        await #expect(throws: TriageError.alreadyAcknowledged(alertID: alert.id, by: "nurse-berg", at: fixture.clock.now)) {
            try await fixture.triage.acknowledge(alertID: alert.id, by: "nurse-lie")
        }
        await #expect(throws: TriageError.unknownAlert("nope")) {
            try await fixture.triage.acknowledge(alertID: "nope", by: "nurse-lie")
        }
        await #expect(throws: TriageError.missingPerson(role: "acknowledging person")) {
            try await fixture.triage.acknowledge(alertID: alert.id, by: "  ")
        }
        let events = try await fixture.database.read { db in
            try String.fetchAll(db, sql: "SELECT event FROM triage_alert_events WHERE alert_id = ? ORDER BY seq",
                                arguments: [alert.id])
        }
        #expect(events == ["raised", "acknowledged"])
    }

    @Test func stateSurvivesReopeningTheDatabase() async throws {
        var fixture = try await TriageFixture()
        try await fixture.install()
        let alert = try #require(try await fixture.evaluate(Readings.spo2("90")).alertEvents.first?.alert)
        try await fixture.triage.acknowledge(alertID: alert.id, by: "nurse-berg")

        try await fixture.reopen()
        let active = try await fixture.triage.activeAlerts()
        #expect(active.map(\.id) == [alert.id])
        #expect(active.first?.acknowledgedBy == "nurse-berg")
        // Same zone after restart: still no repeat. Green after restart clears the alert from before it.
        fixture.clock.advance(hours: 1)
        #expect(try await fixture.evaluate(Readings.spo2("91")).alertEvents.isEmpty)
        fixture.clock.advance(hours: 1)
        #expect(try await fixture.evaluate(Readings.spo2("97")).alertEvents.map(\.change) == [.cleared])
    }

    @Test func replayedReadingChangesNothing() async throws {
        let fixture = try await TriageFixture()
        try await fixture.install()
        let first = try await fixture.evaluate(Readings.spo2("85"), id: "r-1")
        let again = try await fixture.evaluate(Readings.spo2("85"), id: "r-1")
        #expect(!first.wasAlreadyEvaluated && again.wasAlreadyEvaluated)
        #expect(again.zone == .red && again.alertEvents.map(\.alert.id) == first.alertEvents.map(\.alert.id))
        #expect(try await fixture.triage.alertHistory(limit: 10).count == 1)
        #expect(try await fixture.queuedFlags().count == 1)
    }

    @Test func lateUploadedOlderReadingMayEscalateButNeverClear() async throws {
        let fixture = try await TriageFixture()
        try await fixture.install()
        let now = fixture.clock.now
        try await fixture.evaluate(Readings.spo2("90"), at: now)                       // yellow
        // A green reading measured yesterday, uploaded now: says nothing about the patient now.
        #expect(try await fixture.evaluate(Readings.spo2("97"), at: now.addingTimeInterval(-86_400)).alertEvents.isEmpty)
        #expect(try await fixture.triage.activeAlerts().first?.zone == .yellow)
        // A red one measured earlier does escalate.
        let red = try await fixture.evaluate(Readings.spo2("85"), at: now.addingTimeInterval(-3600))
        #expect(red.alertEvents.map(\.change) == [.superseded, .raised])
    }

    @Test func transitionRules() {
        let t = Date(timeIntervalSince1970: 1000)
        #expect(AlertTransition.decide(current: .green, lastMeasuredAt: nil, newZone: .yellow, measuredAt: t) == .raise)
        #expect(AlertTransition.decide(current: .yellow, lastMeasuredAt: nil, newZone: .yellow, measuredAt: t) == .none)
        #expect(AlertTransition.decide(current: .yellow, lastMeasuredAt: nil, newZone: .red, measuredAt: t) == .replace)
        #expect(AlertTransition.decide(current: .red, lastMeasuredAt: nil, newZone: .yellow, measuredAt: t) == .replace)
        #expect(AlertTransition.decide(current: .red, lastMeasuredAt: nil, newZone: .green, measuredAt: t) == .clear)
        #expect(AlertTransition.decide(current: .green, lastMeasuredAt: nil, newZone: .green, measuredAt: t) == .none)
        let later = t.addingTimeInterval(10)
        #expect(AlertTransition.decide(current: .red, lastMeasuredAt: later, newZone: .green, measuredAt: t) == .none)
        #expect(AlertTransition.decide(current: .yellow, lastMeasuredAt: later, newZone: .red, measuredAt: t) == .replace)
    }
}
