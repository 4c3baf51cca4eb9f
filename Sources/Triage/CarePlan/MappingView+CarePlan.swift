import ConfigYAML
import HealthProfiles

/// Care-plan specific readers on top of the generic YAML mapping view.
extension MappingView {
    func optionalTime(_ key: String) throws(CarePlanError) -> TimeOfDay? {
        guard let value = optional(key) else { return nil }
        guard let text = value.scalarText, let time = TimeOfDay(text) else {
            throw CarePlanError(source: value.source, line: value.line, keyPath: child(key),
                                message: "must be a time written \"HH:MM\" (quote it in YAML)")
        }
        return time
    }

    func requiredTime(_ key: String) throws(CarePlanError) -> TimeOfDay {
        _ = try required(key)
        return try optionalTime(key) ?? TimeOfDay(hour: 0, minute: 0)
    }

    func optionalWeekdays(_ key: String) throws(CarePlanError) -> Set<Weekday>? {
        guard let elements = try optionalSequence(key) else { return nil }
        var days = Set<Weekday>()
        for (index, node) in elements.enumerated() {
            guard let text = node.scalarText, let day = Weekday(rawValue: text) else {
                throw CarePlanError(source: node.source, line: node.line, keyPath: child("\(key)[\(index)]"),
                                    message: "must be one of mon, tue, wed, thu, fri, sat, sun")
            }
            days.insert(day)
        }
        if days.isEmpty { throw error(at: key, "must list at least one day") }
        return days
    }

    func direction() throws(CarePlanError) -> ChangeDirection {
        let text = try requiredString("direction")
        guard let direction = ChangeDirection(rawValue: text) else {
            throw error(at: "direction", "must be rise or drop, not \"\(text)\"")
        }
        return direction
    }

    /// The `unit` key, which must be the canonical unit of `vital`: thresholds are never converted.
    func canonicalUnit(for vital: VitalSign) throws(CarePlanError) -> UCUMUnit {
        guard let canonical = CanonicalUnits.unit(for: vital) else {
            throw error("\(vital.rawValue) is not a vital triage has rules for")
        }
        let text = try requiredString("unit")
        guard text == canonical.rawValue else {
            throw error(at: "unit", "must be \"\(canonical.rawValue)\" for \(vital.rawValue) (got \"\(text)\"): " +
                        "thresholds are written in the canonical unit")
        }
        return canonical
    }

    /// The vital named by a mapping key such as `spo2:`.
    func vital(forKey entry: ConfigEntry) throws(CarePlanError) -> VitalSign {
        guard let vital = VitalSign(rawValue: entry.key), CanonicalUnits.unit(for: vital) != nil else {
            throw CarePlanError(source: entry.value.source, line: entry.value.line, keyPath: child(entry.key),
                                message: "unknown vital (allowed: \(CarePlanParser.triageableVitalNames))")
        }
        return vital
    }

    /// Rule identifiers become alert keys and FHIR codes: lower-case letters, digits and dashes only.
    func checkIdentifier(_ entry: ConfigEntry) throws(CarePlanError) {
        let allowed = entry.key.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }
        if entry.key.isEmpty || !allowed {
            throw CarePlanError(source: entry.value.source, line: entry.value.line, keyPath: child(entry.key),
                                message: "rule names may use a-z, 0-9 and '-' only")
        }
    }
}
