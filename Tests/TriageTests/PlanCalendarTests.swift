import Foundation
import SeededRandom
import Testing
@testable import Triage

/// `OpeningHours.isOpen(at:)` reads the plan's local time by arithmetic on a kept UTC offset instead of
/// `Calendar.dateComponents` (issue 16: the question is asked for every reading). These tests hold the plain
/// `Calendar` computation — a calendar built afresh, the code `isOpen` had before — as the oracle.
@Suite struct PlanCalendarTests {
    static func calendar(_ identifier: String) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: identifier) ?? TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        return calendar
    }

    /// The local fields as a fresh `Calendar` gives them.
    static func expectedFields(_ date: Date, _ calendar: Calendar) -> WallClockFields? {
        let parts = calendar.dateComponents([.year, .month, .day, .weekday, .hour, .minute], from: date)
        guard let year = parts.year, let month = parts.month, let day = parts.day, let weekday = parts.weekday,
              let hour = parts.hour, let minute = parts.minute
        else { return nil }
        return WallClockFields(year: year, month: month, day: day, weekday: weekday, hour: hour, minute: minute)
    }

    /// `isOpen(at:)` as it was before the fast path, verbatim but for the fresh calendar.
    static func expectedIsOpen(_ hours: OpeningHours, _ date: Date, _ calendar: Calendar) -> Bool {
        let parts = calendar.dateComponents([.year, .month, .day, .weekday, .hour, .minute], from: date)
        guard let year = parts.year, let month = parts.month, let day = parts.day, let weekdayNumber = parts.weekday,
              let hour = parts.hour, let minute = parts.minute, let weekday = Weekday(calendarWeekday: weekdayNumber)
        else { return false }
        if !hours.weekdays.contains(weekday) || hours.isClosingDay(LocalDate(year: year, month: month, day: day)) {
            return false
        }
        let time = TimeOfDay(hour: hour, minute: minute)
        return hours.open <= time && time < hours.close
    }

    static var shippedHours: OpeningHours {
        get throws {
            try CarePlanDocument.load(template: TestPlans.careDirectory.appendingPathComponent("copd.yaml")).plan.openingHours
        }
    }

    /// Every 7 minutes of 2026 and into 2027 in Europe/Oslo, both DST changes included (29 March, 25 October),
    /// for the shipped plan's hours (weekdays 09–15, public holidays, 24 and 31 December) and for hours that open
    /// at midnight and close at 23:59 every day but on one-off and yearly closing days, with a step 7 s off the
    /// minute so that seconds vary too.
    @Test func isOpenAgreesWithTheCalendarOverAYearOfOslo() throws {
        let shipped = try Self.shippedHours
        let allDay = OpeningHours(
            timeZoneIdentifier: "Europe/Oslo", weekdays: Set(Weekday.allCases), open: TimeOfDay(hour: 0, minute: 0),
            close: TimeOfDay(hour: 23, minute: 59), closedDates: [LocalDate(year: 2026, month: 10, day: 25)],
            annualClosedDays: [MonthDay(month: 3, day: 29)], publicHolidays: .norway)
        let calendar = Self.calendar("Europe/Oslo")
        let start = Oslo.date(2026, 1, 1, 0, 0)
        let end = Oslo.date(2027, 1, 3, 0, 0)
        var checked = 0, open = 0, differences: [String] = []
        for (step, offset) in [(420.0, 0.0), (427.0, 0.25)] {
            var date = start.addingTimeInterval(offset)
            while date < end {
                for hours in [shipped, allDay] {
                    let answer = hours.isOpen(at: date)
                    if answer != Self.expectedIsOpen(hours, date, calendar) { differences.append("\(date) \(hours.open)") }
                    if answer { open += 1 }
                }
                if PlanCalendars.wallClock(at: date, in: "Europe/Oslo") != Self.expectedFields(date, calendar) {
                    differences.append("fields \(date)")
                }
                checked += 1
                date += step
            }
        }
        #expect(differences.isEmpty, "\(differences.prefix(10))")
        #expect(checked > 140_000)
        #expect(open > 20_000)   // both answers were given many times
    }

    /// Every second of the two hours around each of 2026's DST changes, and instants a hair before and after
    /// each whole minute there.
    @Test func theFieldsAgreeAroundTheDSTChanges() {
        let calendar = Self.calendar("Europe/Oslo")
        var differences: [String] = []
        for change in [Date(timeIntervalSince1970: 1_774_746_000), Date(timeIntervalSince1970: 1_792_890_000)] {
            #expect(calendar.timeZone.secondsFromGMT(for: change) != calendar.timeZone.secondsFromGMT(for: change - 1))
            for second in -3600...3600 {
                for nudge in [0, -0.000_001, 0.000_001, 0.5, 0.999] {
                    let date = change + Double(second) + nudge
                    if PlanCalendars.wallClock(at: date, in: "Europe/Oslo") != Self.expectedFields(date, calendar) {
                        differences.append("\(date.timeIntervalSince1970)")
                    }
                }
            }
        }
        #expect(differences.isEmpty, "\(differences.prefix(10))")
    }

    /// Zones whose offsets changed for other reasons than DST (Moscow 2011 and 2014, Samoa skipping
    /// 30 December 2011, São Paulo ending DST in 2019), half-hour and quarter-hour offsets, UTC and an unknown
    /// name (UTC too), hour by hour (17 minutes and 23 s off) over the years of those changes; then instants
    /// from 1850 to about 10100 in random order, so that the kept offset is mostly not the one that holds.
    @Test func theFieldsAgreeInOtherZonesAndInAnyOrder() {
        let zones = ["Europe/Moscow", "Pacific/Apia", "America/Sao_Paulo", "Asia/Kolkata", "Australia/Lord_Howe",
                     "Asia/Kathmandu", "America/St_Johns", "UTC", "Nowhere/Unknown"]
        var differences: [String] = []
        for zone in zones {
            let calendar = Self.calendar(zone)
            var date = Date(timeIntervalSince1970: 1_262_304_000 + 17 * 60 + 23)   // 2010-01-01
            while date < Date(timeIntervalSince1970: 1_609_459_200) {                // 2021-01-01
                if PlanCalendars.wallClock(at: date, in: zone) != Self.expectedFields(date, calendar) {
                    differences.append("\(zone) \(date)")
                }
                date += 3600
            }
        }
        var generator = SeededGenerator(seed: 16)
        for _ in 0..<20_000 {
            let zone = zones.randomElement(using: &generator) ?? "UTC"
            // 1850-01-01 ... about 10100, with fractions of a second.
            let date = Date(timeIntervalSince1970: Double.random(in: -3_786_825_600 ... 256_522_176_000, using: &generator))
            if PlanCalendars.wallClock(at: date, in: zone) != Self.expectedFields(date, Self.calendar(zone)) {
                differences.append("\(zone) \(date.timeIntervalSince1970)")
            }
        }
        #expect(differences.isEmpty, "\(differences.prefix(10))")
    }

    /// The arithmetic alone against the calendar, at midnights and leap days of the Gregorian cycle (1900 and
    /// 2100 are not leap years, 2000 is), with a fixed offset.
    @Test func theArithmeticFollowsTheGregorianCalendar() {
        let calendar = Self.calendar("UTC")
        var differences: [String] = []
        for year in [1900, 1901, 1970, 1999, 2000, 2001, 2024, 2100, 2400, 9999] {
            for (month, day) in [(1, 1), (2, 28), (2, 29), (3, 1), (12, 31)] {
                guard let midnight = calendar.date(from: DateComponents(year: year, month: month, day: day)) else { continue }
                for nudge in [-1.0, -0.000_001, 0, 0.000_001, 59.999, 60] {
                    let date = midnight + nudge
                    let fields = PlanCalendars.fields(at: date, offsetSeconds: 0)
                    // Only the instants before 1900-01-01 are left to the calendar.
                    if fields != Self.expectedFields(date, calendar), fields != nil || date >= Self.year1900 {
                        differences.append("\(year)-\(month)-\(day) \(nudge)")
                    }
                }
            }
        }
        #expect(differences.isEmpty, "\(differences)")
        // Outside 1900–9999 the arithmetic declines and the calendar answers.
        #expect(PlanCalendars.fields(at: Self.year1900 - 0.5, offsetSeconds: 0) == nil)
        #expect(PlanCalendars.fields(at: Self.year1900, offsetSeconds: 0) != nil)
    }

    static let year1900 = Date(timeIntervalSince1970: -2_208_988_800)
}
