/// Why the daemon cannot start, naming the part to fix. systemd restarts the daemon; the message is what
/// the operator sees in the journal and `dhoctl doctor` repeats.
public struct StartupError: Error, Sendable, CustomStringConvertible {
    public var part: String
    public var reason: String
    /// The daemon's exit status: 78 (EX_CONFIG) for what the operator must fix in the installation (unsafe
    /// file ownership or modes), 1 otherwise.
    public var exitCode: Int32

    public init(_ part: String, _ reason: String, exitCode: Int32 = 1) {
        self.part = part
        self.reason = reason
        self.exitCode = exitCode
    }

    public var description: String { "\(part): \(reason)" }
}
