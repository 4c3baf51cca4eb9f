public import Foundation
import Synchronization

/// Wall-clock questions in the plan's time zone (Europe/Oslo from the system tzdata), with the instant
/// always supplied by the caller so that tests never depend on the real clock.
extension OpeningHours {
    var calendar: Calendar { PlanCalendars.gregorian(in: timeZoneIdentifier) }

    /// Whether the follow-up centre is staffed at `date`: a listed weekday, not a closing day, open <= t < close.
    public func isOpen(at date: Date) -> Bool {
        let calendar = self.calendar
        let parts = calendar.dateComponents([.year, .month, .day, .weekday, .hour, .minute], from: date)
        guard let year = parts.year, let month = parts.month, let day = parts.day, let weekdayNumber = parts.weekday,
              let hour = parts.hour, let minute = parts.minute, let weekday = Weekday(calendarWeekday: weekdayNumber)
        else { return false }
        if !weekdays.contains(weekday) || isClosingDay(LocalDate(year: year, month: month, day: day)) {
            return false
        }
        let time = TimeOfDay(hour: hour, minute: minute)
        return open <= time && time < close
    }

    /// A one-off closed date, a yearly closing day or a public holiday of the plan's calendar.
    public func isClosingDay(_ date: LocalDate) -> Bool {
        closedDates.contains(date)
            || annualClosedDays.contains(MonthDay(month: date.month, day: date.day))
            || (publicHolidays?.dates(in: date.year).contains(date) ?? false)
    }
}

extension MeasurementSchedule {
    /// The most recent occurrence whose due time has passed at `now`: the measurement window starts at
    /// `from` on that day and counts as met by any value measured from then until `now`.
    func latestOccurrence(atOrBefore now: Date, calendar: Calendar) -> (windowStart: Date, due: Date)? {
        let today = calendar.startOfDay(for: now)
        for daysBack in 0...8 {
            guard let day = calendar.date(byAdding: .day, value: -daysBack, to: today) else { continue }
            let weekdayNumber = calendar.component(.weekday, from: day)
            guard let weekday = Weekday(calendarWeekday: weekdayNumber), weekdays.contains(weekday),
                  let due = calendar.date(bySettingHour: dueBy.hour, minute: dueBy.minute, second: 0, of: day),
                  let start = calendar.date(bySettingHour: from.hour, minute: from.minute, second: 0, of: day),
                  due <= now
            else { continue }
            return (start, due)
        }
        return nil
    }
}

/// The Gregorian calendar of each time zone a plan has named, built once. Triage asks whether the centre is open for
/// every reading, and building the calendar with `TimeZone(identifier:)` (an ICU look-up of the tzdata) each time was
/// most of that question's cost (issue 16). A tzdata update is seen after a restart.
private enum PlanCalendars {
    private static let byTimeZone = Mutex<[String: Calendar]>([:])

    static func gregorian(in identifier: String) -> Calendar {
        if let known = byTimeZone.withLock({ $0[identifier] }) { return known }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: identifier) ?? TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        byTimeZone.withLock { $0[identifier] = calendar }
        return calendar
    }
}
