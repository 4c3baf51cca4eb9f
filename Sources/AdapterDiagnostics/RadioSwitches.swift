import Foundation

/// A Bluetooth rfkill switch (`/sys/class/rfkill/rfkillN` with `type` = `bluetooth`): a soft block is set by
/// software (`rfkill block`, airplane mode), a hard block by a physical switch or the firmware.
public struct RadioSwitch: Sendable, Codable, Equatable {
    public var name: String
    public var softBlocked: Bool
    public var hardBlocked: Bool

    public init(name: String, softBlocked: Bool, hardBlocked: Bool) {
        self.name = name
        self.softBlocked = softBlocked
        self.hardBlocked = hardBlocked
    }

    /// The Bluetooth switches under `sysfs` (normally `/sys`; tests pass a tree of their own).
    public static func read(sysfs: String = "/sys") -> [RadioSwitch] {
        let directory = sysfs + "/class/rfkill"
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return entries.sorted().compactMap { entry in
            let path = directory + "/" + entry
            func value(_ file: String) -> String? {
                (try? String(contentsOfFile: path + "/" + file, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            guard value("type") == "bluetooth" else { return nil }
            return RadioSwitch(name: value("name") ?? entry, softBlocked: value("soft") == "1", hardBlocked: value("hard") == "1")
        }
    }
}
