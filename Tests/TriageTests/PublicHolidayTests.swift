import Foundation
import Testing
@testable import Triage

/// The centre's closing days come from a computed holiday calendar, so the shipped plans stay right in every
/// year; a red reading on a holiday tells the patient whom to call.
@Suite struct PublicHolidayTests {
    /// A date the test writes out; an impossible one is year 1, which no expectation here can match.
    private func date(_ text: String) -> LocalDate { LocalDate(text) ?? LocalDate(year: 1, month: 1, day: 1) }

    /// Easter Sundays from the Church of Norway's and Time and Date's published tables (2024–2027), plus the
    /// computus's well-known edge years: the earliest possible (2285-03-22) and latest possible (2038-04-25).
    @Test(arguments: [(2024, "2024-03-31"), (2025, "2025-04-20"), (2026, "2026-04-05"), (2027, "2027-03-28"),
                      (2038, "2038-04-25"), (2285, "2285-03-22"), (2000, "2000-04-23"), (1961, "1961-04-02")])
    func easterSunday(_ year: Int, _ expected: String) throws {
        #expect(PublicHolidays.easterSunday(year) == date(expected))
    }

    /// Norway's twelve public holidays of 2027 (helligdager.no), across month ends (Easter Monday 29 March,
    /// Whit Monday 17 May, coinciding with Constitution Day).
    @Test func norwegianHolidaysOf2027() throws {
        let expected = Set(["2027-01-01", "2027-03-25", "2027-03-26", "2027-03-28", "2027-03-29", "2027-05-01",
                                "2027-05-06", "2027-05-16", "2027-05-17", "2027-12-25", "2027-12-26"].map(date))
        // Whit Monday and 17 May fall on the same day in 2027, so the set has eleven dates.
        #expect(PublicHolidays.norway.dates(in: 2027) == expected)
    }

    @Test func shippedTemplatesCloseOnHolidaysOfAnyYear() throws {
        let hours = try CarePlanDocument.load(template: TestPlans.careDirectory.appendingPathComponent("copd.yaml"))
            .plan.openingHours
        #expect(hours.publicHolidays == .norway)
        #expect(!hours.isOpen(at: Oslo.date(2027, 1, 1, 10, 0)))     // New Year's Day, a Friday
        #expect(!hours.isOpen(at: Oslo.date(2027, 3, 25, 10, 0)))    // Maundy Thursday
        #expect(!hours.isOpen(at: Oslo.date(2027, 5, 6, 10, 0)))     // Ascension Day, a Thursday
        #expect(!hours.isOpen(at: Oslo.date(2027, 5, 17, 10, 0)))    // Constitution Day and Whit Monday
        #expect(!hours.isOpen(at: Oslo.date(2031, 12, 24, 10, 0)))   // Christmas Eve, every year ("12-24")
        #expect(!hours.isOpen(at: Oslo.date(2027, 12, 31, 10, 0)))   // New Year's Eve, every year ("12-31")
        #expect(hours.isOpen(at: Oslo.date(2027, 3, 24, 10, 0)))     // the Wednesday before Easter
        #expect(hours.isOpen(at: Oslo.date(2027, 5, 18, 10, 0)))     // the Tuesday after Whitsun
    }

    @Test func redOnNewYearsDay2027TellsWhomToCall() async throws {
        let yaml = TestPlans.standard(replacing: #"closed-dates: ["2026-05-14"]"#, with: "public-holidays: norway")
        let fixture = try await TriageFixture(start: Oslo.date(2027, 1, 1, 10, 0))
        try await fixture.install(yaml)
        let result = try await fixture.evaluate(Readings.spo2("85"))
        #expect(result.afterHours)
        #expect(result.patientMessage.hasSuffix("Ring fastlegen, legevakt 116117 eller 113 ved akutt fare"))
    }

    @Test func closedDatesTakeOneOffAndYearlyDays() throws {
        let yaml = TestPlans.standard(replacing: #"closed-dates: ["2026-05-14"]"#,
                                      with: #"closed-dates: ["2026-11-27", "12-24", "02-29"]"#)
        let hours = try CarePlanDocument.parse(yaml: yaml, source: "plan.yaml").plan.openingHours
        #expect(hours.publicHolidays == nil)
        #expect(hours.isClosingDay(date("2026-11-27")))
        #expect(hours.closedDates == [date("2026-11-27")])
        #expect(hours.isClosingDay(date("2028-12-24")) && hours.isClosingDay(date("2028-02-29")))
        #expect(!hours.isClosingDay(date("2027-11-27")))
    }

    @Test(arguments: [
        (#"closed-dates: ["13-01"]"#, "opening-hours.closed-dates[0]", "must be a date written YYYY-MM-DD (once) or MM-DD (every year)"),
        (#"closed-dates: ["2027-02-29"]"#, "opening-hours.closed-dates[0]", "must be a date written YYYY-MM-DD (once) or MM-DD (every year)"),
        ("public-holidays: sweden", "opening-hours.public-holidays", #""sweden" is not a holiday calendar this gateway knows (norway, none)"#),
    ])
    func badClosingDaysAreRefusedWithTheirPlace(_ line: String, _ keyPath: String, _ message: String) throws {
        let yaml = TestPlans.standard(replacing: #"closed-dates: ["2026-05-14"]"#, with: line)
        do {
            _ = try CarePlanDocument.parse(yaml: yaml, source: "plan.yaml")
            Issue.record("accepted: \(line)")
        } catch {
            #expect(error.keyPath == keyPath)
            #expect(error.message == message)
            #expect(error.line == 25)   // the line of "closed-dates"/"public-holidays" in TestPlans.standard
        }
    }
}
