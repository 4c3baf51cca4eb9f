public import Logging
import Synchronization

/// Keeps log lines in memory so that a test can check what a component logged: a typed warning about bad
/// data from outside, or that no secret ever reached the log.
public final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    public init() {}

    /// A logger writing here ("level: message key=value ...").
    public func logger(label: String = "test", level: Logger.Level = .trace) -> Logger {
        Logger(label: label) { _ in Handler(capture: self, logLevel: level) }
    }

    public var text: String { lines.withLock { $0.joined(separator: "\n") } }

    public func contains(_ fragment: String) -> Bool { lines.withLock { $0.contains { $0.contains(fragment) } } }

    fileprivate func append(_ line: String) { lines.withLock { $0.append(line) } }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var logLevel: Logger.Level
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { _, new in new }
            let fields = all.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
            capture.append("\(event.level): \(event.message)\(fields)")
        }
    }
}
