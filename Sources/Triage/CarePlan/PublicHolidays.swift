import Foundation
import Synchronization

/// Public holidays the follow-up centre is closed on, computed for any year so that a care plan does not go
/// stale on the first of January (a plan listing one year's dates would tell a patient with a red reading on
/// New Year's Day 2027 that the centre "has been notified and calls within the hour").
///
/// Written by hand: the rule set is small and fixed by law (lov om helligdager og helligdagsfred, and
/// 1 May / 17 May by lov 26. april 1947), and no maintained Swift package carries Norwegian holidays.
public enum PublicHolidays: String, Sendable, Hashable, CaseIterable {
    /// Norway's public holidays (offentlige høytidsdager): nyttårsdag, skjærtorsdag, langfredag, 1. og 2.
    /// påskedag, 1. mai, 17. mai, Kristi himmelfartsdag, 1. og 2. pinsedag, 1. og 2. juledag. Sundays are
    /// included for completeness (the centre's weekdays already exclude them).
    case norway

    /// The holidays of `year` (Gregorian calendar).
    public func dates(in year: Int) -> Set<LocalDate> {
        // Asked for every reading on the centre's weekdays (is it open now?): the last year's answer is kept.
        if let last = Self.lastComputed.withLock({ $0 }), last.holidays == self, last.year == year { return last.dates }
        let dates = computeDates(in: year)
        Self.lastComputed.withLock { $0 = (self, year, dates) }
        return dates
    }

    private static let lastComputed = Mutex<(holidays: PublicHolidays, year: Int, dates: Set<LocalDate>)?>(nil)

    private func computeDates(in year: Int) -> Set<LocalDate> {
        switch self {
        case .norway:
            let easter = Self.easterSunday(year)
            let movable = [-3, -2, 0, 1, 39, 49, 50].map { easter.adding(days: $0) }
            let fixed = [(1, 1), (5, 1), (5, 17), (12, 25), (12, 26)].map { LocalDate(year: year, month: $0.0, day: $0.1) }
            return Set(movable + fixed)
        }
    }

    /// Western (Gregorian) Easter Sunday: the anonymous Gregorian computus (Meeus/Jones/Butcher), valid for
    /// every Gregorian year.
    static func easterSunday(_ year: Int) -> LocalDate {
        let golden = year % 19
        let century = year / 100, yearOfCentury = year % 100
        let leapCenturies = century / 4, centuryRemainder = century % 4
        let lunarCorrection = (century + 8) / 25
        let solarCorrection = (century - lunarCorrection + 1) / 3
        let epact = (19 * golden + century - leapCenturies - solarCorrection + 15) % 30
        let quarters = yearOfCentury / 4, quarterRemainder = yearOfCentury % 4
        let weekdayOffset = (32 + 2 * centuryRemainder + 2 * quarters - epact - quarterRemainder) % 7
        let correction = (golden + 11 * epact + 22 * weekdayOffset) / 451
        let monthAndDay = epact + weekdayOffset - 7 * correction + 114
        return LocalDate(year: year, month: monthAndDay / 31, day: monthAndDay % 31 + 1)
    }
}

/// A day of the year without the year ("12-24"): a closing day that recurs every year.
public struct MonthDay: Sendable, Hashable, CustomStringConvertible {
    public var month: Int
    public var day: Int

    /// "MM-DD", checked as a day of 2024, a leap year, so that 02-29 is accepted (it applies in leap years).
    public init?(_ text: String) {
        guard let date = LocalDate("2024-" + text) else { return nil }
        self.init(month: date.month, day: date.day)
    }

    init(month: Int, day: Int) {
        self.month = month
        self.day = day
    }

    public var description: String { String(LocalDate(year: 2024, month: month, day: day).description.dropFirst(5)) }
}

extension LocalDate {
    /// The date `days` later (earlier when negative), counted in the Gregorian calendar at UTC, where every
    /// day has 24 hours.
    func adding(days: Int) -> LocalDate {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        guard let start = calendar.date(from: DateComponents(year: year, month: month, day: day)),
              let moved = calendar.date(byAdding: .day, value: days, to: start)
        else { return self }   // unreachable for dates LocalDate accepts
        let parts = calendar.dateComponents([.year, .month, .day], from: moved)
        return LocalDate(year: parts.year ?? year, month: parts.month ?? month, day: parts.day ?? day)
    }
}
