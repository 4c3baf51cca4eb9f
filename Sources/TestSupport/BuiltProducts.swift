public import Foundation

/// Finds executables built by SwiftPM (e.g. `bluez-sim`) from inside a test run.
public enum BuiltProducts {
    public struct NotFound: Error, CustomStringConvertible {
        public let name: String
        public let searched: [String]
        public var description: String {
            "executable '\(name)' not found (looked in \(searched.joined(separator: ", "))); run `swift build` first "
                + "or set DHO_BIN_DIR"
        }
    }

    /// `DHO_BIN_DIR` if set, else the directory of the running test binary (SwiftPM puts test bundles
    /// and executables side by side in `.build/<triple>/<configuration>/`).
    public static func executable(named name: String) throws -> URL {
        var directories: [String] = []
        if let override = ProcessInfo.processInfo.environment["DHO_BIN_DIR"], !override.isEmpty {
            directories.append(override)
        }
        if let running = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            var directory = URL(fileURLWithPath: running).deletingLastPathComponent()
            // On macOS-style bundles the binary sits inside Foo.xctest/Contents/MacOS.
            while directory.path.contains(".xctest") { directory.deleteLastPathComponent() }
            directories.append(directory.path)
        }
        for directory in directories {
            let candidate = URL(fileURLWithPath: directory).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw NotFound(name: name, searched: directories)
    }
}
