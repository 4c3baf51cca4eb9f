public import Foundation

/// An `alerts: hook` script for end-to-end tests that appends every JSON document the daemon hands it to a file,
/// one per line, so a test can wait for the alerts the patient would be told about and read their texts.
public struct AlertHookRecorder: Sendable {
    /// The executable script to name in the configuration's `alerts: hook`.
    public let script: String
    /// Where each run's standard input is appended.
    public let output: String

    /// Writes the script into `directory` (which must exist) and makes it executable.
    public init(in directory: URL) throws {
        output = directory.appendingPathComponent("hook.jsonl").path
        script = directory.appendingPathComponent("hook.sh").path
        try "#!/bin/sh\ncat >> '\(output)'\necho >> '\(output)'\n".write(toFile: script, atomically: true, encoding: .utf8)
        guard chmod(script, 0o755) == 0 else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: script])
        }
    }

    /// Everything the hook received so far ("" before its first run).
    public var text: String { (try? String(contentsOfFile: output, encoding: .utf8)) ?? "" }

    /// The non-empty lines received so far, one per run.
    public var lines: [Substring] { text.split(separator: "\n") }
}
