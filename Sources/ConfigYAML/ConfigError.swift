/// A configuration file (care plan, device profile, gateway configuration, scenario) that cannot be used,
/// with the exact place to fix it.
///
/// `source` is the file (or named proposal) that supplied the offending value, so an error in a merged plan
/// points at the overriding file (e.g. per-patient overrides) when that is where the bad value is.
public struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    public var source: String
    public var line: Int?
    /// Dotted key path, e.g. "vitals.spo2.red.below"; empty for the document itself.
    public var keyPath: String
    public var message: String

    public init(source: String, line: Int?, keyPath: String, message: String) {
        self.source = source
        self.line = line
        self.keyPath = keyPath
        self.message = message
    }

    /// "copd.yaml:14: vitals.spo2.red.below: must be lower than yellow.below (92)".
    public var description: String {
        let place = line.map { "\(source):\($0)" } ?? source
        return keyPath.isEmpty ? "\(place): \(message)" : "\(place): \(keyPath): \(message)"
    }
}
