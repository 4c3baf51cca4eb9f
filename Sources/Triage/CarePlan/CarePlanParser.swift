import ConfigYAML
import Foundation
import HealthProfiles

/// Turns a (merged) care-plan tree into a `CarePlan`, refusing anything doubtful with an error that names
/// the file, line and key path: unknown keys, missing texts, units other than the canonical one, yellow
/// bounds that are not milder than red ones, and windows or periods that are not positive.
enum CarePlanParser {
    static func parse(_ root: ConfigNode) throws(CarePlanError) -> CarePlan {
        let doc = try MappingView(root, path: "")
        try doc.allowOnly(["name", "template", "description", "vitals", "baseline", "window-changes", "schedules",
                           "opening-hours", "texts"])
        let name = try doc.requiredString("name")
        let isTemplate = try doc.requiredBool("template")
        _ = try doc.optionalString("description")

        var bounds: [VitalSign: AbsoluteBounds] = [:]
        if let vitals = try doc.optionalMapping("vitals") {
            for entry in vitals.entries {
                let vital = try vitals.vital(forKey: entry)
                bounds[vital] = try parseBounds(try MappingView(entry.value, path: vitals.child(entry.key)), vital)
            }
        }
        let baseline = try doc.optionalMapping("baseline").map { view throws(CarePlanError) in try parseBaseline(view) }

        var windowRules: [WindowChangeRule] = []
        if let windows = try doc.optionalMapping("window-changes") {
            for entry in windows.entries {
                try windows.checkIdentifier(entry)
                windowRules.append(try parseWindow(try MappingView(entry.value, path: windows.child(entry.key)),
                                                   id: entry.key))
            }
        }

        var schedules: [MeasurementSchedule] = []
        if let scheduleMap = try doc.optionalMapping("schedules") {
            for entry in scheduleMap.entries {
                try scheduleMap.checkIdentifier(entry)
                schedules.append(try parseSchedule(try MappingView(entry.value, path: scheduleMap.child(entry.key)),
                                                   id: entry.key))
            }
        }

        let plan = CarePlan(
            name: name, isTemplate: isTemplate, absoluteBounds: bounds, baseline: baseline,
            windowChanges: windowRules, schedules: schedules,
            openingHours: try parseOpeningHours(try doc.requiredMapping("opening-hours")),
            texts: try parseTexts(try doc.requiredMapping("texts")))
        return plan
    }

    // MARK: Rules

    private static func parseBounds(_ view: MappingView, _ vital: VitalSign) throws(CarePlanError) -> AbsoluteBounds {
        try view.allowOnly(["unit", "yellow", "red"])
        let unit = try view.canonicalUnit(for: vital)
        let yellow = try view.optionalMapping("yellow").map { v throws(CarePlanError) in try parseBoundPair(v) } ?? Bounds()
        let red = try view.optionalMapping("red").map { v throws(CarePlanError) in try parseBoundPair(v) } ?? Bounds()
        if yellow.isEmpty && red.isEmpty {
            throw view.error("needs a yellow or red bound (below/above)")
        }
        if let y = yellow.below, let r = red.below, !(r < y) {
            throw view.error(at: "red.below", "must be lower than yellow.below (\(format(y))): red is the more severe zone")
        }
        if let y = yellow.above, let r = red.above, !(r > y) {
            throw view.error(at: "red.above", "must be higher than yellow.above (\(format(y))): red is the more severe zone")
        }
        for (name, pair) in [("yellow", yellow), ("red", red)] {
            if let low = pair.below, let high = pair.above, !(low < high) {
                throw view.error(at: "\(name).below", "must be lower than \(name).above (\(format(high)))")
            }
        }
        return AbsoluteBounds(vital: vital, unit: unit, yellow: yellow, red: red)
    }

    private static func parseBoundPair(_ view: MappingView) throws(CarePlanError) -> Bounds {
        try view.allowOnly(["below", "above"])
        let bounds = Bounds(below: try view.optionalNumber("below"), above: try view.optionalNumber("above"))
        if bounds.isEmpty { throw view.error("needs below and/or above") }
        return bounds
    }

    private static func parseChangeThresholds(_ view: MappingView) throws(CarePlanError) -> ChangeThresholds {
        func amount(_ key: String) throws(CarePlanError) -> Double? {
            guard let zone = try view.optionalMapping(key) else { return nil }
            try zone.allowOnly(["at-least"])
            let value = try zone.requiredNumber("at-least")
            if value <= 0 { throw zone.error(at: "at-least", "must be a positive change (the direction says which way)") }
            return value
        }
        let thresholds = ChangeThresholds(yellow: try amount("yellow"), red: try amount("red"))
        if thresholds.yellow == nil && thresholds.red == nil { throw view.error("needs yellow and/or red: {at-least: N}") }
        if let y = thresholds.yellow, let r = thresholds.red, !(r > y) {
            throw view.error(at: "red.at-least", "must be larger than yellow.at-least (\(format(y))): red is the more severe zone")
        }
        return thresholds
    }

    private static func parseBaseline(_ view: MappingView) throws(CarePlanError) -> BaselineSettings {
        try view.allowOnly(["days", "minimum-readings", "statistic", "changes"])
        let days = try view.requiredInt("days")
        if days <= 0 { throw view.error(at: "days", "must be a positive number of days") }
        let minimum = try view.requiredInt("minimum-readings")
        if minimum <= 0 { throw view.error(at: "minimum-readings", "must be at least 1") }
        let statisticText = try view.optionalString("statistic") ?? BaselineStatistic.median.rawValue
        guard let statistic = BaselineStatistic(rawValue: statisticText) else {
            throw view.error(at: "statistic", "must be median or mean, not \"\(statisticText)\"")
        }
        var changes: [VitalSign: BaselineChangeRule] = [:]
        if let changeMap = try view.optionalMapping("changes") {
            for entry in changeMap.entries {
                let vital = try changeMap.vital(forKey: entry)
                let rule = try MappingView(entry.value, path: changeMap.child(entry.key))
                try rule.allowOnly(["direction", "unit", "yellow", "red"])
                changes[vital] = BaselineChangeRule(
                    vital: vital, direction: try rule.direction(), unit: try rule.canonicalUnit(for: vital),
                    thresholds: try parseChangeThresholds(rule))
            }
        }
        return BaselineSettings(days: days, minimumReadings: minimum, statistic: statistic, changes: changes)
    }

    private static func parseWindow(_ view: MappingView, id: String) throws(CarePlanError) -> WindowChangeRule {
        try view.allowOnly(["vital", "direction", "days", "unit", "yellow", "red"])
        let vitalNode = try view.required("vital")
        guard let vitalText = vitalNode.scalarText, let vital = VitalSign(rawValue: vitalText),
              CanonicalUnits.unit(for: vital) != nil
        else { throw view.error(at: "vital", "must be one of \(triageableVitalNames)") }
        let days = try view.requiredNumber("days")
        if days <= 0 { throw view.error(at: "days", "must be a positive window (got \(format(days)))") }
        return WindowChangeRule(
            id: id, vital: vital, direction: try view.direction(), windowHours: days * 24,
            unit: try view.canonicalUnit(for: vital), thresholds: try parseChangeThresholds(view))
    }

    private static func parseSchedule(_ view: MappingView, id: String) throws(CarePlanError) -> MeasurementSchedule {
        try view.allowOnly(["vitals", "days", "from", "due-by", "zone", "when"])
        let vitalNodes = try view.requiredSequence("vitals")
        var vitals: [VitalSign] = []
        for (index, node) in vitalNodes.enumerated() {
            guard let text = node.scalarText, let vital = VitalSign(rawValue: text) else {
                throw CarePlanError(source: node.source, line: node.line, keyPath: view.child("vitals[\(index)]"),
                                    message: "must be a vital name (\(triageableVitalNames))")
            }
            vitals.append(vital)
        }
        if vitals.isEmpty { throw view.error(at: "vitals", "must name at least one vital") }
        let weekdays = try view.optionalWeekdays("days") ?? Set(Weekday.allCases)
        let from = try view.optionalTime("from") ?? TimeOfDay(hour: 0, minute: 0)
        let due = try view.requiredTime("due-by")
        if !(from < due) { throw view.error(at: "from", "must be earlier than due-by (\(due))") }
        let zoneText = try view.optionalString("zone") ?? Zone.yellow.rawValue
        guard let zone = Zone(rawValue: zoneText), zone != .green else {
            throw view.error(at: "zone", "must be yellow or red, not \"\(zoneText)\"")
        }
        let when = try view.optionalString("when") ?? "always"
        guard ["always", "out-of-green"].contains(when) else {
            throw view.error(at: "when", "must be always or out-of-green, not \"\(when)\"")
        }
        return MeasurementSchedule(
            id: id, vitals: vitals, weekdays: weekdays, from: from, dueBy: due, zone: zone, onlyOutOfGreen: when == "out-of-green")
    }

    private static func parseOpeningHours(_ view: MappingView) throws(CarePlanError) -> OpeningHours {
        try view.allowOnly(["time-zone", "days", "open", "close", "closed-dates", "public-holidays"])
        let zone = try view.requiredString("time-zone")
        if TimeZone(identifier: zone) == nil {
            throw view.error(at: "time-zone", "\"\(zone)\" is not a time zone known to this system's tzdata")
        }
        let open = try view.requiredTime("open")
        let close = try view.requiredTime("close")
        if !(open < close) { throw view.error(at: "open", "must be earlier than close (\(close))") }
        var closed = Set<LocalDate>()
        var annual = Set<MonthDay>()
        if let dates = try view.optionalSequence("closed-dates") {
            for (index, node) in dates.enumerated() {
                if let text = node.scalarText, let date = LocalDate(text) {
                    closed.insert(date)
                } else if let text = node.scalarText, let day = MonthDay(text) {
                    annual.insert(day)
                } else {
                    throw CarePlanError(source: node.source, line: node.line,
                                        keyPath: view.child("closed-dates[\(index)]"),
                                        message: "must be a date written YYYY-MM-DD (once) or MM-DD (every year)")
                }
            }
        }
        var holidays: PublicHolidays?
        if let name = try view.optionalString("public-holidays"), name != "none" {
            guard let calendar = PublicHolidays(rawValue: name) else {
                let known = (PublicHolidays.allCases.map(\.rawValue) + ["none"]).joined(separator: ", ")
                throw view.error(at: "public-holidays", "\"\(name)\" is not a holiday calendar this gateway knows (\(known))")
            }
            holidays = calendar
        }
        return OpeningHours(
            timeZoneIdentifier: zone, weekdays: try view.optionalWeekdays("days") ?? [.mon, .tue, .wed, .thu, .fri],
            open: open, close: close, closedDates: closed, annualClosedDays: annual, publicHolidays: holidays)
    }

    private static func parseTexts(_ view: MappingView) throws(CarePlanError) -> ZoneTexts {
        try view.allowOnly(["green", "yellow", "yellow-after-hours", "red", "red-in-hours", "red-after-hours",
                            "control-measurement", "not-measured", "not-assessed"])
        return ZoneTexts(
            green: try view.requiredText("green"), yellow: try view.requiredText("yellow"),
            yellowAfterHours: try view.optionalString("yellow-after-hours"),
            red: try view.requiredText("red"), redInHours: try view.requiredText("red-in-hours"),
            redAfterHours: try view.requiredText("red-after-hours"),
            controlMeasurement: try view.requiredText("control-measurement"),
            notMeasured: try view.requiredText("not-measured"),
            notAssessed: try view.optionalString("not-assessed") == nil
                ? ZoneTexts.defaultNotAssessed : try view.requiredText("not-assessed"))
    }

    static var triageableVitalNames: String {
        VitalSign.allCases.filter { CanonicalUnits.unit(for: $0) != nil }.map(\.rawValue).joined(separator: ", ")
    }

    /// Exact (a threshold of 1e300 must neither trap in `Int(_:)` nor lose its exponent).
    static func format(_ value: Double) -> String { NumberText.format(value, decimals: nil) }
}
