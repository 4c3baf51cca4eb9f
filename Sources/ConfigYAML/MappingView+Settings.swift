/// Readers for the kinds of settings service configuration files have: optional numbers with defaults,
/// durations, absolute paths and URLs.
extension MappingView {
    public func optionalInt(_ key: String, in range: ClosedRange<Int>) throws(ConfigError) -> Int? {
        guard optional(key) != nil else { return nil }
        let value = try requiredInt(key)
        guard range.contains(value) else {
            throw error(at: key, "must be between \(range.lowerBound) and \(range.upperBound) (got \(value))")
        }
        return value
    }

    public func optionalBool(_ key: String) throws(ConfigError) -> Bool? {
        guard optional(key) != nil else { return nil }
        return try requiredBool(key)
    }

    /// A duration written as seconds ("30") or with a unit ("500ms", "30s", "5m", "2h", "3d").
    public func optionalDuration(_ key: String, in range: ClosedRange<Double>? = nil) throws(ConfigError) -> Duration? {
        guard let text = try optionalString(key) else { return nil }
        guard let seconds = Self.seconds(in: text) else {
            throw error(at: key, "must be a duration such as 30s, 5m, 2h or 3d (got \"\(text)\")")
        }
        if let range, !range.contains(seconds) {
            throw error(at: key, "must be between \(Self.describe(range.lowerBound)) and \(Self.describe(range.upperBound))")
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    /// An absolute file system path (relative paths in a service's configuration depend on the working
    /// directory systemd happens to use, so they are refused).
    public func optionalAbsolutePath(_ key: String) throws(ConfigError) -> String? {
        guard let text = try optionalString(key) else { return nil }
        guard text.hasPrefix("/") else { throw error(at: key, "must be an absolute path (got \"\(text)\")") }
        return text
    }

    static func seconds(in text: String) -> Double? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count).trimmingSpaces
            if let value = Double(number), value >= 0, value.isFinite { return value * factor }
            if suffix == "s" { continue }  // "5ms" also ends in "s": try the next unit
            return nil
        }
        if let value = Double(text.trimmingSpaces), value >= 0, value.isFinite { return value }
        return nil
    }

    static func describe(_ seconds: Double) -> String {
        if seconds >= 86_400, seconds.truncatingRemainder(dividingBy: 86_400) == 0 { return "\(Int(seconds / 86_400))d" }
        if seconds >= 3600, seconds.truncatingRemainder(dividingBy: 3600) == 0 { return "\(Int(seconds / 3600))h" }
        if seconds >= 60, seconds.truncatingRemainder(dividingBy: 60) == 0 { return "\(Int(seconds / 60))m" }
        return seconds == seconds.rounded() ? "\(Int(seconds))s" : "\(seconds)s"
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
