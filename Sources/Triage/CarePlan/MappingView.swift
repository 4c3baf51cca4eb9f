import HealthProfiles

/// Typed, path-aware access to one YAML mapping of a care plan; every failure becomes a `CarePlanError`
/// naming the file that supplied the value, its line and the full key path.
struct MappingView {
    let node: ConfigNode
    let path: String
    let entries: [ConfigEntry]

    init(_ node: ConfigNode, path: String) throws(CarePlanError) {
        guard let entries = node.entries else {
            throw CarePlanError(source: node.source, line: node.line, keyPath: path, message: "must be a mapping of keys")
        }
        self.node = node
        self.path = path
        self.entries = entries
    }

    func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func error(_ message: String) -> CarePlanError {
        CarePlanError(source: node.source, line: node.line, keyPath: path, message: message)
    }

    /// An error about `relativePath` (e.g. "red.below"), located at the deepest node of it that exists.
    func error(at relativePath: String, _ message: String) -> CarePlanError {
        var current: ConfigNode = node
        for key in relativePath.split(separator: ".") {
            guard let next = current.entries?.first(where: { $0.key == key })?.value else { break }
            current = next
        }
        return CarePlanError(source: current.source, line: current.line, keyPath: child(relativePath), message: message)
    }

    func allowOnly(_ keys: Set<String>) throws(CarePlanError) {
        for entry in entries where !keys.contains(entry.key) {
            throw CarePlanError(
                source: entry.value.source, line: entry.value.line, keyPath: child(entry.key),
                message: "unknown key (allowed here: \(keys.sorted().joined(separator: ", ")))")
        }
    }

    func optional(_ key: String) -> ConfigNode? {
        guard let value = entries.first(where: { $0.key == key })?.value, !value.isNull else { return nil }
        return value
    }

    func required(_ key: String) throws(CarePlanError) -> ConfigNode {
        guard let value = optional(key) else { throw error("missing required key \"\(key)\"") }
        return value
    }

    private func scalar(_ value: ConfigNode, _ key: String, _ expected: String) throws(CarePlanError) -> String {
        guard let text = value.scalarText else {
            throw CarePlanError(source: value.source, line: value.line, keyPath: child(key), message: "must be \(expected)")
        }
        return text
    }

    func optionalString(_ key: String) throws(CarePlanError) -> String? {
        guard let value = optional(key) else { return nil }
        return try scalar(value, key, "text")
    }

    func requiredString(_ key: String) throws(CarePlanError) -> String {
        try scalar(try required(key), key, "text")
    }

    /// A patient-facing text: required and not blank.
    func requiredText(_ key: String) throws(CarePlanError) -> String {
        let text = try requiredString(key)
        if text.allSatisfy(\.isWhitespace) { throw error(at: key, "must not be empty: the patient is shown this text") }
        return text
    }

    func requiredBool(_ key: String) throws(CarePlanError) -> Bool {
        let value = try required(key)
        switch try scalar(value, key, "true or false") {
        case "true": return true
        case "false": return false
        default:
            throw CarePlanError(source: value.source, line: value.line, keyPath: child(key), message: "must be true or false")
        }
    }

    func optionalNumber(_ key: String) throws(CarePlanError) -> Double? {
        guard let value = optional(key) else { return nil }
        let text = try scalar(value, key, "a number")
        guard let number = DecimalNumber(text) else {
            throw CarePlanError(source: value.source, line: value.line, keyPath: child(key),
                                message: "must be a decimal number, not \"\(text)\"")
        }
        return number.doubleValue
    }

    func requiredNumber(_ key: String) throws(CarePlanError) -> Double {
        _ = try required(key)
        return try optionalNumber(key) ?? 0
    }

    func requiredInt(_ key: String) throws(CarePlanError) -> Int {
        let value = try required(key)
        guard let int = Int(try scalar(value, key, "a whole number")) else {
            throw CarePlanError(source: value.source, line: value.line, keyPath: child(key), message: "must be a whole number")
        }
        return int
    }

    func optionalMapping(_ key: String) throws(CarePlanError) -> MappingView? {
        guard let value = optional(key) else { return nil }
        return try MappingView(value, path: child(key))
    }

    func requiredMapping(_ key: String) throws(CarePlanError) -> MappingView {
        try MappingView(try required(key), path: child(key))
    }

    func optionalSequence(_ key: String) throws(CarePlanError) -> [ConfigNode]? {
        guard let value = optional(key) else { return nil }
        guard let elements = value.elements else {
            throw CarePlanError(source: value.source, line: value.line, keyPath: child(key), message: "must be a list")
        }
        return elements
    }

    func requiredSequence(_ key: String) throws(CarePlanError) -> [ConfigNode] {
        _ = try required(key)
        return try optionalSequence(key) ?? []
    }

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
