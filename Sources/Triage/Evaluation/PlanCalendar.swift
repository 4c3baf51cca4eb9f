public import Foundation

/// Wall-clock questions in the plan's time zone (Europe/Oslo from the system tzdata), with the instant
/// always supplied by the caller so that tests never depend on the real clock.
extension OpeningHours {
    var calendar: Calendar { PlanCalendars.gregorian(in: timeZoneIdentifier) }

    /// Whether the follow-up centre is staffed at `date`: a listed weekday, not a closing day, open <= t < close.
    /// Asked for every reading: the local time comes from `PlanCalendars.wallClock`, not `Calendar.dateComponents`.
    public func isOpen(at date: Date) -> Bool {
        guard let local = PlanCalendars.wallClock(at: date, in: timeZoneIdentifier),
              let weekday = Weekday(calendarWeekday: local.weekday)
        else { return false }
        if !weekdays.contains(weekday) || isClosingDay(LocalDate(year: local.year, month: local.month, day: local.day)) {
            return false
        }
        let time = TimeOfDay(hour: local.hour, minute: local.minute)
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
