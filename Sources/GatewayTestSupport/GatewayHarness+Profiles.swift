import Foundation

extension GatewayHarness {
    /// Copies the shipped profiles into this harness's directory, rewrites the device profile `file` (e.g.
    /// `thermometer.yaml`) with `edit`, and points the configuration at the copy, for the next `startDaemon`.
    /// For tests and benchmarks that need another rate limit than a real device's. Throws if `edit` changed nothing.
    public func editDeviceProfile(_ file: String, _ edit: (String) -> String) throws {
        let shipped = Self.repository.appendingPathComponent("profiles")
        let copy = directory.appendingPathComponent("profiles")
        if !FileManager.default.fileExists(atPath: copy.path) {
            try FileManager.default.copyItem(at: shipped, to: copy)
            try editConfiguration { $0.replacingOccurrences(of: "profiles: \(shipped.path)\n", with: "profiles: \(copy.path)\n") }
        }
        let profile = copy.appendingPathComponent("devices/\(file)")
        let text = try String(contentsOf: profile, encoding: .utf8)
        let edited = edit(text)
        guard edited != text else { throw HarnessError("editing \(file) changed nothing") }
        try edited.write(to: profile, atomically: true, encoding: .utf8)
    }
}
