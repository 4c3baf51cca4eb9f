import Foundation
import HealthProfiles
import Testing
@testable import Triage

/// Missing measurement: `checkSchedules(now:)` with an injected time; nothing sleeps.
@Suite struct ScheduleTests {
    @Test func missingMeasurementRaisesOnceAndClearsWhenMeasured() async throws {
        let fixture = try await TriageFixture(start: Oslo.date(2026, 3, 2, 8, 0))   // Monday morning install
        try await fixture.install()

        // Before the due time: nothing to say.
        #expect(try await fixture.triage.checkSchedules(now: Oslo.date(2026, 3, 2, 11, 59)).isEmpty)
        // Monday 12:05, no SpO2 today: "not measured", with the oximeter's last-seen time.
        let lastSeen = Oslo.date(2026, 2, 28, 9, 0)
        let check = Oslo.date(2026, 3, 2, 12, 5)
        fixture.clock.now = check
        let events = try await fixture.triage.checkSchedules(now: check, deviceLastSeen: [.oxygenSaturation: lastSeen])
        let alert = try #require(events.first?.alert)
        #expect(events.count == 1 && events.first?.change == .raised)
        #expect(alert.kind == .missingMeasurement && alert.zone == .yellow && alert.key == "schedule:spo2-daily")
        #expect(alert.deviceLastSeen == lastSeen)
        #expect(alert.summary.contains("device last seen 2026-02-28T08:00:00Z"))
        #expect(alert.patientMessage == "NOT-MEASURED")
        let flag = try #require(try await fixture.queuedFlags().first)
        #expect(flag.code == "missing-measurement")
        #expect(flag.extension("gateway-checked-at")?["valueDateTime"]?.stringValue == "2026-03-02T11:05:00Z")
        #expect(flag.extension("device-last-seen")?["valueDateTime"]?.stringValue == "2026-02-28T08:00:00Z")

        // Checked again later and the next day: still one alert (no repeat).
        #expect(try await fixture.triage.checkSchedules(now: Oslo.date(2026, 3, 2, 14, 0)).isEmpty)
        #expect(try await fixture.triage.checkSchedules(now: Oslo.date(2026, 3, 3, 12, 30)).isEmpty)
        #expect(try await fixture.triage.activeAlerts().count == 1)

        // The patient measures at 13:00 on Tuesday: the reading clears it.
        fixture.clock.now = Oslo.date(2026, 3, 3, 13, 0)
        let reading = try await fixture.evaluate(Readings.spo2("96"))
        #expect(reading.alertEvents.map(\.change) == [.cleared])
        #expect(try await fixture.triage.activeAlerts().isEmpty)
        // A later check agrees that the day's measurement exists.
        #expect(try await fixture.triage.checkSchedules(now: Oslo.date(2026, 3, 3, 14, 0)).isEmpty)
    }

    @Test func measuredInTimeRaisesNothing() async throws {
        let fixture = try await TriageFixture(start: Oslo.date(2026, 3, 2, 8, 0))
        try await fixture.install()
        try await fixture.evaluate(Readings.spo2("96"), at: Oslo.date(2026, 3, 3, 7, 30))
        #expect(try await fixture.triage.checkSchedules(now: Oslo.date(2026, 3, 3, 12, 1)).isEmpty)
        // Yesterday's measurement does not count for today.
        #expect(try await fixture.triage.checkSchedules(now: Oslo.date(2026, 3, 4, 12, 1)).count == 1)
    }

    @Test func lateUploadedReadingFromTheMissedWindowClears() async throws {
        let fixture = try await TriageFixture(start: Oslo.date(2026, 3, 2, 8, 0))
        try await fixture.install()
        #expect(try await fixture.triage.checkSchedules(now: Oslo.date(2026, 3, 2, 12, 30)).count == 1)
        // A reading measured at 11:00 arrives late from the device's memory, measured before the alert's window end.
        try await fixture.evaluate(Readings.spo2("96"), at: Oslo.date(2026, 3, 2, 11, 0))
        #expect(try await fixture.triage.activeAlerts().isEmpty)
    }

    @Test func occurrencesBeforeInstallationNeverAlert() async throws {
        let fixture = try await TriageFixture(start: Oslo.date(2026, 3, 2, 13, 0))   // installed after Monday's due time
        try await fixture.install()
        #expect(try await fixture.triage.checkSchedules(now: Oslo.date(2026, 3, 2, 18, 0)).isEmpty)
        #expect(try await fixture.triage.checkSchedules(now: Oslo.date(2026, 3, 3, 12, 0)).count == 1)
    }

    @Test func schedulesOnlyOnTheirDays() async throws {
        let yaml = TestPlans.standard(
            replacing: "spo2-daily: {vitals: [spo2], due-by: \"12:00\", zone: yellow}",
            with: "spo2-daily: {vitals: [spo2], days: [mon, wed], from: \"06:00\", due-by: \"12:00\", zone: red}")
        let fixture = try await TriageFixture(start: Oslo.date(2026, 3, 2, 7, 0))
        try await fixture.install(yaml)
        // Monday: measured at 05:00, before the window opens at 06:00 → missing, and red as configured.
        try await fixture.evaluate(Readings.spo2("96"), at: Oslo.date(2026, 3, 2, 5, 0))
        let events = try await fixture.triage.checkSchedules(now: Oslo.date(2026, 3, 2, 16, 0))
        #expect(events.first?.alert.zone == .red)
        #expect(events.first?.alert.patientMessage == "NOT-MEASURED\n" + "Ring fastlegen, legevakt 116117 eller 113 ved akutt fare")
        // Tuesday has no occurrence; the latest is still Monday's → nothing new.
        #expect(try await fixture.triage.checkSchedules(now: Oslo.date(2026, 3, 3, 13, 0)).isEmpty)
    }

    /// The seeds: after a yellow or red reading the patient measures daily until back in green.
    @Test func aScheduleOutOfGreenAsksOnlyUntilThePatientIsBackInGreen() async throws {
        let yaml = TestPlans.standard(
            replacing: "spo2-daily: {vitals: [spo2], due-by: \"12:00\", zone: yellow}",
            with: "temperature-until-green: {vitals: [temperature], due-by: \"12:00\", zone: yellow, when: out-of-green}")
        let fixture = try await TriageFixture(start: Oslo.date(2026, 3, 2, 8, 0))   // Monday
        try await fixture.install(yaml)
        // Green so far (no assessed reading): nobody is asked to measure temperature.
        #expect(try await fixture.triage.checkSchedules(now: Oslo.date(2026, 3, 2, 12, 5)).isEmpty)
        fixture.clock.now = Oslo.date(2026, 3, 3, 9, 0)
        #expect(try await fixture.evaluate(Readings.spo2("96"), at: Oslo.date(2026, 3, 3, 9, 0)).outcome == .zone(.green))
        #expect(try await fixture.triage.checkSchedules(now: Oslo.date(2026, 3, 3, 12, 5)).isEmpty)

        // Wednesday 08:00 SpO2 90 %: yellow. No temperature by noon: "not measured".
        fixture.clock.now = Oslo.date(2026, 3, 4, 8, 0)
        #expect(try await fixture.evaluate(Readings.spo2("90"), at: Oslo.date(2026, 3, 4, 8, 0)).outcome == .zone(.yellow))
        fixture.clock.now = Oslo.date(2026, 3, 4, 12, 5)
        let raised = try await fixture.triage.checkSchedules(now: Oslo.date(2026, 3, 4, 12, 5))
        #expect(raised.count == 1 && raised.first?.alert.key == "schedule:temperature-until-green" && raised.first?.change == .raised)

        // Thursday 09:00 SpO2 96 %: back in green. The schedule stops asking and its alert ends with that reason.
        fixture.clock.now = Oslo.date(2026, 3, 5, 9, 0)
        _ = try await fixture.evaluate(Readings.spo2("96"), at: Oslo.date(2026, 3, 5, 9, 0))
        fixture.clock.now = Oslo.date(2026, 3, 5, 12, 5)
        let cleared = try await fixture.triage.checkSchedules(now: Oslo.date(2026, 3, 5, 12, 5))
        #expect(cleared.map(\.change) == [.cleared], "\(cleared)")
        #expect(try await fixture.triage.activeAlerts().isEmpty)
        // A reading needing a control measurement says nothing about the zone: still green, still not asked.
        fixture.clock.now = Oslo.date(2026, 3, 6, 8, 0)
        _ = try await fixture.evaluate(Readings.spo2NaN(), at: Oslo.date(2026, 3, 6, 8, 0))
        #expect(try await fixture.triage.checkSchedules(now: Oslo.date(2026, 3, 6, 12, 5)).isEmpty)
    }

    @Test func theShippedTemplatesAskDailyUntilGreen() throws {
        for (template, id) in [("copd", "temperature-daily-until-green"), ("heart-failure", "bp-daily-until-green")] {
            let plan = try CarePlanDocument.load(template: TestPlans.careDirectory.appendingPathComponent("\(template).yaml")).plan
            #expect(plan.schedules.first { $0.id == id }?.onlyOutOfGreen == true, "\(template)")
        }
        do {
            _ = try CarePlanDocument.parse(
                yaml: TestPlans.standard(replacing: "zone: yellow}", with: "zone: yellow, when: sometimes}"), source: "plan.yaml")
            Issue.record("accepted when: sometimes")
        } catch {
            #expect("\(error)".contains("schedules.spo2-daily.when: must be always or out-of-green"), "\(error)")
        }
    }
}
