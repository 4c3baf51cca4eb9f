import Foundation
import HealthProfiles
import Testing
@testable import Triage

@Suite struct AfterHoursAndControlTests {
    private let afterHoursText = "Ring fastlegen, legevakt 116117 eller 113 ved akutt fare"

    private func redMessage(at now: Date) async throws -> TriageResult {
        let fixture = try await TriageFixture(start: now)
        try await fixture.install()
        return try await fixture.evaluate(Readings.spo2("85"))
    }

    @Test func redOnAWeekdayEveningTellsWhomToCall() async throws {
        let result = try await redMessage(at: Oslo.date(2026, 3, 3, 18, 30))   // Tuesday evening
        #expect(result.afterHours)
        #expect(result.patientMessage == "RED-TEXT\n" + afterHoursText)
        #expect(result.alertEvents.first?.alert.afterHours == true)
    }

    @Test func redAtTheWeekendTellsWhomToCall() async throws {
        let result = try await redMessage(at: Oslo.date(2026, 3, 7, 11, 0))    // Saturday late morning
        #expect(result.afterHours && result.patientMessage.hasSuffix(afterHoursText))
    }

    @Test func redOnAClosedDateTellsWhomToCall() async throws {
        let result = try await redMessage(at: Oslo.date(2026, 5, 14, 10, 0))   // Ascension Day, a Thursday
        #expect(result.afterHours && result.patientMessage.hasSuffix(afterHoursText))
    }

    @Test func redInOpeningHoursSaysTheCentreIsNotified() async throws {
        let result = try await redMessage(at: Oslo.date(2026, 3, 3, 10, 0))
        #expect(!result.afterHours)
        #expect(result.patientMessage == "RED-TEXT\nRED-IN-HOURS")
    }

    @Test func openingHoursUseOsloTimeAcrossDaylightSaving() throws {
        let hours = try CarePlanDocument.parse(yaml: TestPlans.standard, source: "p").plan.openingHours
        // Summer (UTC+2): 07:30 UTC is 09:30 in Oslo, open; 13:00 UTC is 15:00, closed (close is exclusive).
        let summer = Oslo.date(2026, 7, 6, 9, 30)   // Monday
        #expect(TriageFHIR.dateTime(summer) == "2026-07-06T07:30:00Z")
        #expect(hours.isOpen(at: summer))
        #expect(!hours.isOpen(at: summer.addingTimeInterval(5.5 * 3600)))
        // Winter (UTC+1): 08:30 UTC is 09:30 in Oslo, open; 07:30 UTC is 08:30, closed.
        let winter = Oslo.date(2026, 3, 2, 9, 30)
        #expect(hours.isOpen(at: winter))
        #expect(!hours.isOpen(at: winter.addingTimeInterval(-3600)))
        #expect(TriageFHIR.dateTime(winter) == "2026-03-02T08:30:00Z")
    }

    @Test func yellowAfterHoursAddsItsText() async throws {
        let fixture = try await TriageFixture(start: Oslo.date(2026, 3, 3, 20, 0))
        try await fixture.install()
        #expect(try await fixture.evaluate(Readings.spo2("90")).patientMessage == "YELLOW-TEXT\nYELLOW-AFTER-HOURS")
    }

    @Test func unreliableReadingAsksForControlAndRaisesNothing() async throws {
        let fixture = try await TriageFixture()
        try await fixture.install()
        // Values that would be red, but the cuff was loose.
        let loose = try await fixture.evaluate(Readings.bloodPressure("200", "120", pulse: "130", flags: [.cuffTooLoose]))
        #expect(loose.outcome == .controlMeasurementNeeded(reasons: ["cuff-too-loose"]))
        #expect(loose.zone == nil)
        #expect(loose.patientMessage == "CONTROL-TEXT")
        #expect(loose.alertEvents.isEmpty)
        // Movement and a displaced sensor likewise; NaN values too.
        let moved = try await fixture.evaluate(Readings.spo2("80", flags: [.bodyMovement, .sensorDisplaced]))
        #expect(moved.outcome == .controlMeasurementNeeded(reasons: ["body-movement", "sensor-displaced"]))
        let nan = try await fixture.evaluate(Readings.spo2NaN())
        #expect(nan.outcome == .controlMeasurementNeeded(reasons: ["spo2-not-a-number", "pulse-not-a-number"]))
        #expect(try await fixture.triage.activeAlerts().isEmpty)
        #expect(try await fixture.queuedFlags().isEmpty)
        // Recorded: the result is stored for the reading.
        #expect(try await fixture.triage.storedResult(readingID: loose.readingID)?.outcome == loose.outcome)
        // Clinical flags are not unreliability: irregular pulse with a red value is red.
        #expect(try await fixture.evaluate(Readings.bloodPressure("190", "90", flags: [.irregularPulse])).zone == .red)
    }
}
