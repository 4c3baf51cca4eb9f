/// Readers for the kinds of settings service configuration files have: optional numbers with defaults,
/// durations, sizes, absolute paths and URLs.
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

    /// A size in bytes written as a number of bytes ("1048576") or with a binary unit: "512KB", "200MB",
    /// "2GB" (KB = 1024 bytes, MB = 1024 KB, GB = 1024 MB; "KiB", "MiB", "GiB" are accepted too).
    public func optionalByteSize(_ key: String, in range: ClosedRange<Int64>? = nil) throws(ConfigError) -> Int64? {
        guard let text = try optionalString(key) else { return nil }
        guard let bytes = Self.bytes(in: text) else {
            throw error(at: key, "must be a size such as 512KB, 200MB or 2GB (got \"\(text)\")")
        }
        if let range, !range.contains(bytes) {
            throw error(at: key, "must be between \(Self.describeBytes(range.lowerBound)) and \(Self.describeBytes(range.upperBound))")
        }
        return bytes
    }

    /// An absolute file system path (relative paths in a service's configuration depend on the working
    /// directory systemd happens to use, so they are refused).
    public func optionalAbsolutePath(_ key: String) throws(ConfigError) -> String? {
        guard let text = try optionalString(key) else { return nil }
        guard text.hasPrefix("/") else { throw error(at: key, "must be an absolute path (got \"\(text)\")") }
        return text
    }

    public func requiredAbsolutePath(_ key: String) throws(ConfigError) -> String {
        _ = try required(key)
        return try optionalAbsolutePath(key) ?? ""
    }

    /// A list of strings (`[a, b]` or one item per line); a single string counts as a list of one.
    public func optionalStringList(_ key: String) throws(ConfigError) -> [String]? {
        guard let node = optional(key) else { return nil }
        if let text = node.scalarText, node.elements == nil { return [text] }
        guard let elements = try optionalSequence(key) else { return nil }
        var texts: [String] = []
        for (index, element) in elements.enumerated() {
            guard let text = element.scalarText else {
                throw ConfigError(source: element.source, line: element.line, keyPath: child("\(key)[\(index)]"),
                                  message: "must be a string")
            }
            texts.append(text)
        }
        return texts
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

    static func bytes(in text: String) -> Int64? {
        let units: [(String, Int64)] = [
            ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("KB", 1 << 10), ("MB", 1 << 20), ("GB", 1 << 30), ("B", 1),
        ]
        let trimmed = text.trimmingSpaces
        for (suffix, factor) in units where trimmed.uppercased().hasSuffix(suffix.uppercased()) {
            let number = trimmed.dropLast(suffix.count).trimmingSpaces
            guard let value = Double(number), value >= 0, value.isFinite, value * Double(factor) < 9e18 else { return nil }
            return Int64((value * Double(factor)).rounded())
        }
        guard let value = Int64(trimmed), value >= 0 else { return nil }
        return value
    }

    static func describeBytes(_ bytes: Int64) -> String {
        for (unit, factor) in [("GB", Int64(1) << 30), ("MB", 1 << 20), ("KB", 1 << 10)] where bytes >= factor && bytes % factor == 0 {
            return "\(bytes / factor)\(unit)"
        }
        return "\(bytes) bytes"
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
