import Foundation
import Synchronization

/// The fields of a plan's local time that `OpeningHours.isOpen(at:)` asks for, as the plan's Gregorian
/// `Calendar.dateComponents` gives them (`weekday` numbered as Foundation does: 1 = Sunday).
struct WallClockFields: Sendable, Hashable {
    var year: Int
    var month: Int
    var day: Int
    var weekday: Int
    var hour: Int
    var minute: Int
}

/// The Gregorian calendar of each time zone a plan has named, built once, and the local time of an instant in it.
///
/// Triage asks whether the centre is open for every reading. Building the calendar with `TimeZone(identifier:)`
/// (an ICU look-up of the tzdata) each time was most of that question's cost (issue 16); with the calendar kept,
/// `Calendar.dateComponents` was still 0.7 % of the daemon's samples under `bench resources`' load, and the
/// question 1.5 % in all. Now the zone's UTC offset is kept together with the span in which it holds — from the
/// instant it was asked for up to the zone's next transition (DST or any other change of offset, as ICU lists
/// them) — and the local fields are integer arithmetic on the instant plus that offset, the same arithmetic
/// Foundation's Gregorian calendar does (seconds rounded down, proleptic Gregorian days). Instants outside the
/// span ask the zone again; years outside 1900–9999 go to `Calendar` (`PlanCalendarTests` compares the two
/// over a year of Europe/Oslo minutes and across other zones' offset changes). A tzdata update is seen after a
/// restart.
enum PlanCalendars {
    private struct Zone {
        let calendar: Calendar
        /// The offset from UTC (seconds) that holds in `from..<until`.
        var offset: (from: Date, until: Date, seconds: Int)?
    }

    private static let zones = Mutex<[String: Zone]>([:])

    static func gregorian(in identifier: String) -> Calendar {
        zone(identifier).calendar
    }

    /// The local date and time of `date` in the zone `identifier`; nil where `Calendar` gives no such fields.
    static func wallClock(at date: Date, in identifier: String) -> WallClockFields? {
        let known = zones.withLock { $0[identifier] }
        if let offset = known?.offset, offset.from <= date, date < offset.until,
           let fields = fields(at: date, offsetSeconds: offset.seconds) {
            return fields
        }
        let calendar = known?.calendar ?? zone(identifier).calendar
        let seconds = calendar.timeZone.secondsFromGMT(for: date)
        let until = calendar.timeZone.nextDaylightSavingTimeTransition(after: date) ?? .distantFuture
        zones.withLock { $0[identifier]?.offset = (date, until, seconds) }
        return fields(at: date, offsetSeconds: seconds) ?? calendarFields(at: date, calendar: calendar)
    }

    /// What `Calendar.dateComponents` answers: the general path, and the one for years the arithmetic leaves out.
    static func calendarFields(at date: Date, calendar: Calendar) -> WallClockFields? {
        let parts = calendar.dateComponents([.year, .month, .day, .weekday, .hour, .minute], from: date)
        guard let year = parts.year, let month = parts.month, let day = parts.day, let weekday = parts.weekday,
              let hour = parts.hour, let minute = parts.minute
        else { return nil }
        return WallClockFields(year: year, month: month, day: day, weekday: weekday, hour: hour, minute: minute)
    }

    /// 1900-01-01 and 10000-01-01 at midnight, local seconds since 2001-01-01: beyond them, `Calendar` decides.
    private static let arithmeticRange: Range<Double> = -3_187_296_000 ..< 252_423_993_600

    /// The local fields as Foundation's Gregorian calendar computes them: the instant plus the offset, rounded
    /// down to the second; days counted from 2001-01-01 (a Monday), the civil date by Hinnant's days-to-civil.
    static func fields(at date: Date, offsetSeconds: Int) -> WallClockFields? {
        let local = (date + Double(offsetSeconds)).timeIntervalSinceReferenceDate.rounded(.down)
        guard arithmeticRange.contains(local) else { return nil }
        let seconds = Int(local)
        let (days, secondsInDay) = floorDivision(seconds, 86_400)
        let (hour, secondsInHour) = secondsInDay.quotientAndRemainder(dividingBy: 3600)
        // 2001-01-01 is day 11 323 after 1970-01-01; Hinnant counts eras of 400 years from 0000-03-01.
        let daysFromCivilEpoch = days + 11_323 + 719_468
        let (era, dayOfEra) = floorDivision(daysFromCivilEpoch, 146_097)
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153   // 0 = March
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return WallClockFields(year: year, month: month, day: day, weekday: floorDivision(days + 1, 7).remainder + 1,
                               hour: hour, minute: secondsInHour / 60)
    }

    private static func floorDivision(_ value: Int, _ divisor: Int) -> (quotient: Int, remainder: Int) {
        let (quotient, remainder) = value.quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }

    private static func zone(_ identifier: String) -> Zone {
        if let known = zones.withLock({ $0[identifier] }) { return known }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: identifier) ?? TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        let zone = Zone(calendar: calendar)
        zones.withLock { $0[identifier] = $0[identifier] ?? zone }
        return zone
    }
}
