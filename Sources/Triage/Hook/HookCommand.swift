public import Foundation

/// A local command run for every alert event (e.g. to light a lamp, speak the patient message or notify a
/// relative's phone). It gets one JSON object on stdin and must finish within `timeout`; otherwise it and
/// every process it started are killed. Failures are logged and recorded, never retried in a loop and never
/// allowed to hold up triage: the alert itself is already committed and queued for the centre.
public struct HookCommand: Sendable, Hashable {
    public var executable: URL
    public var arguments: [String]
    public var timeout: Duration

    public init(executable: URL, arguments: [String] = [], timeout: Duration = .seconds(10)) {
        self.executable = executable
        self.arguments = arguments
        self.timeout = timeout
    }
}

/// How one hook run ended.
public enum HookOutcome: Sendable, Hashable {
    case delivered
    case failed(String)
    case timedOut
}
