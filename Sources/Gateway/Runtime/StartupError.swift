/// Why the daemon cannot start, naming the part to fix. systemd restarts the daemon; the message is what
/// the operator sees in the journal and `dhoctl doctor` repeats.
public struct StartupError: Error, Sendable, CustomStringConvertible {
    public var part: String
    public var reason: String

    public init(_ part: String, _ reason: String) {
        self.part = part
        self.reason = reason
    }

    public var description: String { "\(part): \(reason)" }
}
