import HealthProfiles

/// Typed, path-aware access to one YAML mapping; every failure becomes a `ConfigError`
/// naming the file that supplied the value, its line and the full key path.
public struct MappingView {
    public let node: ConfigNode
    public let path: String
    public let entries: [ConfigEntry]

    public init(_ node: ConfigNode, path: String) throws(ConfigError) {
        guard let entries = node.entries else {
            throw ConfigError(source: node.source, line: node.line, keyPath: path, message: "must be a mapping of keys")
        }
        self.node = node
        self.path = path
        self.entries = entries
    }

    public func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    public func error(_ message: String) -> ConfigError {
        ConfigError(source: node.source, line: node.line, keyPath: path, message: message)
    }

    /// An error about `relativePath` (e.g. "red.below"), located at the deepest node of it that exists.
    public func error(at relativePath: String, _ message: String) -> ConfigError {
        var current: ConfigNode = node
        for key in relativePath.split(separator: ".") {
            guard let next = current.entries?.first(where: { $0.key == key })?.value else { break }
            current = next
        }
        return ConfigError(source: current.source, line: current.line, keyPath: child(relativePath), message: message)
    }

    public func allowOnly(_ keys: Set<String>) throws(ConfigError) {
        for entry in entries where !keys.contains(entry.key) {
            throw ConfigError(
                source: entry.value.source, line: entry.value.line, keyPath: child(entry.key),
                message: "unknown key (allowed here: \(keys.sorted().joined(separator: ", ")))")
        }
    }

    public func optional(_ key: String) -> ConfigNode? {
        guard let value = entries.first(where: { $0.key == key })?.value, !value.isNull else { return nil }
        return value
    }

    public func required(_ key: String) throws(ConfigError) -> ConfigNode {
        guard let value = optional(key) else { throw error("missing required key \"\(key)\"") }
        return value
    }

    public func scalar(_ value: ConfigNode, _ key: String, _ expected: String) throws(ConfigError) -> String {
        guard let text = value.scalarText else {
            throw ConfigError(source: value.source, line: value.line, keyPath: child(key), message: "must be \(expected)")
        }
        return text
    }

    public func optionalString(_ key: String) throws(ConfigError) -> String? {
        guard let value = optional(key) else { return nil }
        return try scalar(value, key, "text")
    }

    public func requiredString(_ key: String) throws(ConfigError) -> String {
        try scalar(try required(key), key, "text")
    }

    /// A patient-facing text: required and not blank.
    public func requiredText(_ key: String) throws(ConfigError) -> String {
        let text = try requiredString(key)
        if text.allSatisfy(\.isWhitespace) { throw error(at: key, "must not be empty: the patient is shown this text") }
        return text
    }

    public func requiredBool(_ key: String) throws(ConfigError) -> Bool {
        let value = try required(key)
        switch try scalar(value, key, "true or false") {
        case "true": return true
        case "false": return false
        default:
            throw ConfigError(source: value.source, line: value.line, keyPath: child(key), message: "must be true or false")
        }
    }

    public func optionalNumber(_ key: String) throws(ConfigError) -> Double? {
        guard let value = optional(key) else { return nil }
        let text = try scalar(value, key, "a number")
        guard let number = DecimalNumber(text) else {
            throw ConfigError(source: value.source, line: value.line, keyPath: child(key),
                                message: "must be a decimal number, not \"\(text)\"")
        }
        return number.doubleValue
    }

    public func requiredNumber(_ key: String) throws(ConfigError) -> Double {
        _ = try required(key)
        return try optionalNumber(key) ?? 0
    }

    public func requiredInt(_ key: String) throws(ConfigError) -> Int {
        let value = try required(key)
        guard let int = Int(try scalar(value, key, "a whole number")) else {
            throw ConfigError(source: value.source, line: value.line, keyPath: child(key), message: "must be a whole number")
        }
        return int
    }

    public func optionalMapping(_ key: String) throws(ConfigError) -> MappingView? {
        guard let value = optional(key) else { return nil }
        return try MappingView(value, path: child(key))
    }

    public func requiredMapping(_ key: String) throws(ConfigError) -> MappingView {
        try MappingView(try required(key), path: child(key))
    }

    public func optionalSequence(_ key: String) throws(ConfigError) -> [ConfigNode]? {
        guard let value = optional(key) else { return nil }
        guard let elements = value.elements else {
            throw ConfigError(source: value.source, line: value.line, keyPath: child(key), message: "must be a list")
        }
        return elements
    }

    public func requiredSequence(_ key: String) throws(ConfigError) -> [ConfigNode] {
        _ = try required(key)
        return try optionalSequence(key) ?? []
    }
}
