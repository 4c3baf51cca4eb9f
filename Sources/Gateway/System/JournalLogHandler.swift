// A swift-log handler for a systemd service. Written by hand because swift-log's StreamLogHandler cannot
// prefix lines with the syslog priority ("<3>") that journald uses to file a line as an error, which is what
// makes `journalctl -p err` and alerting on critical technical problems work.
import Foundation
import Forwarding
public import Logging
import Synchronization

public struct JournalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    /// journald adds its own timestamps; elsewhere (a terminal, the demo) lines carry one.
    private let underJournald: Bool
    private static let output = Mutex<Void>(())

    public init(label: String, level: Logger.Level, environment: [String: String]? = nil) {
        self.label = label
        logLevel = level
        underJournald = (environment ?? ProcessInfo.processInfo.environment)["JOURNAL_STREAM"] != nil
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        // Messages and metadata carry device names, server answers and control-socket input: escaped here, once,
        // so that nothing logged can start a forged line (a "<2>" line is a critical entry to journald).
        let fields = merged.sorted { $0.key < $1.key }
            .map { "\(VisibleText.escaping($0.key))=\(VisibleText.escaping("\($0.value)"))" }.joined(separator: " ")
        let text = "\(VisibleText.escaping("\(event.message)"))\(fields.isEmpty ? "" : " [\(fields)]")"
        let line: String
        if underJournald {
            line = "<\(Self.priority(event.level))>\(text)\n"
        } else {
            line = "\(Self.timestamp()) \(event.level.rawValue.uppercased()) \(VisibleText.escaping(label)): \(text)\n"
        }
        Self.output.withLock { _ in FileHandle.standardError.write(Data(line.utf8)) }
    }

    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// "2026-12-06T07:30:00.123Z", written by hand (`Timestamp.logStamp`, the FHIR timestamps' writer). Not
    /// `ISO8601DateFormatter`: an ICU date formatter whose locale, currency and time-zone tables alone kept ~3 MB of
    /// ICU resident in a daemon that logs to a terminal or a file; and not FoundationEssentials' ISO 8601 style
    /// either: 0.7 % of the daemon's CPU under load, for a line per reading (issue 16).
    static func timestamp() -> String {
        Timestamp.logStamp(Date())
    }
}
