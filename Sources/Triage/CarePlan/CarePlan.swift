public import HealthProfiles

/// A patient's care plan: the thresholds, schedules, opening hours and texts triage works with.
///
/// Every threshold is expressed in the vital's canonical unit (see `CanonicalUnits`); the YAML states the unit
/// explicitly and validation refuses any other, so a threshold can never be read in the wrong unit.
public struct CarePlan: Sendable, Hashable {
    public var name: String
    /// True while the plan is still an unindividualised standard set.
    public var isTemplate: Bool
    public var absoluteBounds: [VitalSign: AbsoluteBounds]
    public var baseline: BaselineSettings?
    public var windowChanges: [WindowChangeRule]
    public var schedules: [MeasurementSchedule]
    public var openingHours: OpeningHours
    public var texts: ZoneTexts

    /// The vitals that at least one measurement rule looks at; other vitals are stored but never alert.
    public var triagedVitals: Set<VitalSign> {
        var vitals = Set(absoluteBounds.keys)
        vitals.formUnion(baseline?.changes.keys ?? [:].keys)
        vitals.formUnion(windowChanges.map(\.vital))
        return vitals
    }
}

/// Open-ended thresholds: `below` and `above` are strict (SpO2 `below: 88` makes 87 red, 88 not).
public struct Bounds: Sendable, Hashable {
    public var below: Double?
    public var above: Double?

    public init(below: Double? = nil, above: Double? = nil) {
        self.below = below
        self.above = above
    }

    public var isEmpty: Bool { below == nil && above == nil }
}

/// Absolute yellow and red bounds for one vital.
public struct AbsoluteBounds: Sendable, Hashable {
    public var vital: VitalSign
    public var unit: UCUMUnit
    public var yellow: Bounds
    public var red: Bounds
}

public enum ChangeDirection: String, Sendable, Hashable, Codable {
    case rise
    case drop
}

/// Change thresholds (inclusive: `at-least`) in the vital's canonical unit.
public struct ChangeThresholds: Sendable, Hashable {
    public var yellow: Double?
    public var red: Double?
}

public enum BaselineStatistic: String, Sendable, Hashable, Codable {
    case median
    case mean
}

/// How the habitual value is built and which deviations from it count.
public struct BaselineSettings: Sendable, Hashable {
    /// Length of the collection period from the first reliable value of a vital.
    public var days: Int
    /// Fewest reliable values a baseline may be built from; the period runs on until there are this many.
    public var minimumReadings: Int
    public var statistic: BaselineStatistic
    public var changes: [VitalSign: BaselineChangeRule]
}

public struct BaselineChangeRule: Sendable, Hashable {
    public var vital: VitalSign
    public var direction: ChangeDirection
    public var unit: UCUMUnit
    public var thresholds: ChangeThresholds
}

/// "Weight gain of at least 2 kg in 3 days": the current value against the lowest (rise) or highest (drop)
/// reliable value measured in the preceding window.
public struct WindowChangeRule: Sendable, Hashable {
    public var id: String
    public var vital: VitalSign
    public var direction: ChangeDirection
    /// Window length in hours (the YAML says days, fractions allowed).
    public var windowHours: Double
    public var unit: UCUMUnit
    public var thresholds: ChangeThresholds
}

public enum Weekday: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case mon, tue, wed, thu, fri, sat, sun

    /// Foundation's Calendar weekday number (1 = Sunday).
    var calendarWeekday: Int {
        switch self {
        case .sun: return 1
        case .mon: return 2
        case .tue: return 3
        case .wed: return 4
        case .thu: return 5
        case .fri: return 6
        case .sat: return 7
        }
    }

    /// The inverse of `calendarWeekday`, written out: asked for every reading (is the centre open?).
    init?(calendarWeekday: Int) {
        switch calendarWeekday {
        case 1: self = .sun
        case 2: self = .mon
        case 3: self = .tue
        case 4: self = .wed
        case 5: self = .thu
        case 6: self = .fri
        case 7: self = .sat
        default: return nil
        }
    }

    public static func < (lhs: Weekday, rhs: Weekday) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }
}

/// A wall-clock time in the plan's time zone.
public struct TimeOfDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var hour: Int
    public var minute: Int

    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
              let hour = Int(parts[0]), let minute = Int(parts[1]),
              (0...23).contains(hour), (0...59).contains(minute)
        else { return nil }
        self.hour = hour
        self.minute = minute
    }

    /// For values known to be valid (literals and calendar arithmetic), never for input.
    init(hour: Int, minute: Int) {
        self.hour = hour
        self.minute = minute
    }

    var minutesSinceMidnight: Int { hour * 60 + minute }

    public var description: String {
        (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)"
    }

    public static func < (lhs: TimeOfDay, rhs: TimeOfDay) -> Bool { lhs.minutesSinceMidnight < rhs.minutesSinceMidnight }
}

/// A calendar date in the plan's time zone ("2026-12-24").
public struct LocalDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (try? DeviceDateTime(year: year, month: month, day: day, hours: 0, minutes: 0, seconds: 0)) != nil
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    public var description: String {
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }
}

/// "SpO2 every day before 12:00": at least one value of any listed vital measured between `from` and
/// `dueBy` (or later, before the check) on each listed weekday; otherwise a "not measured" alert of `zone`.
public struct MeasurementSchedule: Sendable, Hashable {
    public var id: String
    public var vitals: [VitalSign]
    public var weekdays: Set<Weekday>
    public var from: TimeOfDay
    public var dueBy: TimeOfDay
    public var zone: Zone
    /// `when: out-of-green`: the schedule applies only while the patient's latest assessed reading is yellow or
    /// red — after a yellow or red reading the patient measures (daily) until back in green.
    public var onlyOutOfGreen: Bool = false
}

/// When the follow-up centre answers; outside these hours a red reading tells the patient whom to call.
public struct OpeningHours: Sendable, Hashable {
    public var timeZoneIdentifier: String
    public var weekdays: Set<Weekday>
    public var open: TimeOfDay
    public var close: TimeOfDay
    /// One-off closing days ("2026-12-23").
    public var closedDates: Set<LocalDate>
    /// Closing days that recur every year ("12-24", "12-31": julaften, nyttårsaften).
    public var annualClosedDays: Set<MonthDay> = []
    /// Public holidays the centre is closed on, computed for every year.
    public var publicHolidays: PublicHolidays?
}

/// Patient-facing texts (Norwegian bokmål in the templates): the self-treatment plan per zone and the
/// fixed messages. Shown locally by the hook; never sent anywhere else.
public struct ZoneTexts: Sendable, Hashable {
    public var green: String
    public var yellow: String
    /// Added to `yellow` outside opening hours when present.
    public var yellowAfterHours: String?
    public var red: String
    /// Added to `red` in opening hours ("the centre has been notified...").
    public var redInHours: String
    /// Added to `red` outside opening hours ("call your GP, legevakt 116117 or 113").
    public var redAfterHours: String
    public var controlMeasurement: String
    public var notMeasured: String
    /// For a reading the plan has no rules for: it is stored and sent on, with no verdict.
    public var notAssessed: String = ZoneTexts.defaultNotAssessed

    public static let defaultNotAssessed = "Målingen er lagret og blir sendt til oppfølgingstjenesten."
}
