/// A calendar date and wall-clock time as a device reports it (Bluetooth "Date Time", 0x2A08).
///
/// Devices keep local time without a zone, and any of year, month and day may be "not known" (0 on the
/// wire, nil here). Turning this into an absolute instant is the gateway's job: it knows the device's clock
/// offset and the home's time zone. This type only guarantees that what it holds is a possible date.
public struct DeviceDateTime: Sendable, Hashable, Codable, CustomStringConvertible, Comparable {
    public var year: Int?
    public var month: Int?
    public var day: Int?
    public var hours: Int
    public var minutes: Int
    public var seconds: Int

    /// Validates every field; `field` names are those of the Bluetooth specification, prefixed by `field`
    /// (e.g. "Time Stamp") and reported against `characteristic` so that a bad date says where it came from.
    public init(
        year: Int?, month: Int?, day: Int?, hours: Int, minutes: Int, seconds: Int,
        characteristic: String = "Date Time", field: String = "Date Time"
    ) throws(DecodeError) {
        func bad(_ name: String, _ value: Int) -> DecodeError {
            .invalidDate(characteristic: characteristic, field: "\(field).\(name)", value: value)
        }
        if let year, !(1582...9999).contains(year) { throw bad("Year", year) }
        if let month, !(1...12).contains(month) { throw bad("Month", month) }
        if let day {
            let limit = month.map { Self.daysIn(month: $0, year: year) } ?? 31
            guard (1...limit).contains(day) else { throw bad("Day", day) }
        }
        guard (0...23).contains(hours) else { throw bad("Hours", hours) }
        guard (0...59).contains(minutes) else { throw bad("Minutes", minutes) }
        guard (0...59).contains(seconds) else { throw bad("Seconds", seconds) }
        self.year = year
        self.month = month
        self.day = day
        self.hours = hours
        self.minutes = minutes
        self.seconds = seconds
    }

    /// True when year, month and day are all known, so the value names one instant (given a zone).
    public var isComplete: Bool { year != nil && month != nil && day != nil }

    static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    /// Days in `month`; with the year unknown, February is allowed 29 days.
    static func daysIn(month: Int, year: Int?) -> Int {
        switch month {
        case 2: return year.map { isLeap($0) ? 29 : 28 } ?? 29
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Seconds since 0001-01-01 00:00 in the device's own (zone-less) calendar; nil unless complete.
    /// Used to apply the glucose Time Offset and to order records without involving time zones.
    public var secondsSinceEpochOfCalendar: Int64? {
        guard let year, let month, let day else { return nil }
        // Days from civil (proleptic Gregorian), Howard Hinnant's algorithm.
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe
        return days * 86_400 + Int64(hours) * 3600 + Int64(minutes) * 60 + Int64(seconds)
    }

    /// Inverse of `secondsSinceEpochOfCalendar`.
    public init?(secondsSinceEpochOfCalendar total: Int64) {
        let days = total >= 0 ? total / 86_400 : (total - 86_399) / 86_400
        let secondsOfDay = total - days * 86_400
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let doe = days - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        guard let value = try? DeviceDateTime(
            year: Int(year), month: Int(month), day: Int(day),
            hours: Int(secondsOfDay / 3600), minutes: Int(secondsOfDay % 3600 / 60), seconds: Int(secondsOfDay % 60))
        else { return nil }
        self = value
    }

    /// The same wall-clock value shifted by `minutes`; nil when the date is incomplete or leaves 1582...9999.
    public func adding(minutes delta: Int) -> DeviceDateTime? {
        guard let base = secondsSinceEpochOfCalendar else { return nil }
        return DeviceDateTime(secondsSinceEpochOfCalendar: base + Int64(delta) * 60)
    }

    /// ISO-8601-like text without zone; unknown parts shown as "????", "??".
    public var description: String {
        func pad(_ value: Int?, _ width: Int) -> String {
            guard let value else { return String(repeating: "?", count: width) }
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hours, 2)):\(pad(minutes, 2)):\(pad(seconds, 2))"
    }

    public static func < (lhs: DeviceDateTime, rhs: DeviceDateTime) -> Bool {
        let l = [lhs.year ?? 0, lhs.month ?? 0, lhs.day ?? 0, lhs.hours, lhs.minutes, lhs.seconds]
        let r = [rhs.year ?? 0, rhs.month ?? 0, rhs.day ?? 0, rhs.hours, rhs.minutes, rhs.seconds]
        return l.lexicographicallyPrecedes(r)
    }
}

extension GATTCharacteristic {
    public static let dateTime = GATTCharacteristic(
        0x2A08, "Date Time", access: [.read, .write], services: [.bloodPressure, .weightScale, .bodyComposition, .healthThermometer])
}

extension DeviceDateTime: HealthCharacteristic {
    public static var characteristic: GATTCharacteristic { .dateTime }
}
