// sd_notify(3) written by hand: the protocol is one datagram of "KEY=VALUE" lines to $NOTIFY_SOCKET, and
// linking libsystemd (not otherwise needed, absent from some minimal images) for 30 lines is not worth it.
#if canImport(Glibc)
import Glibc
#endif

/// Tells systemd about the daemon's state (Type=notify) and feeds its watchdog.
public struct SystemdNotifier: Sendable {
    /// The notification socket path, nil when not started by systemd (then every call is a no-op).
    public let socketPath: String?
    /// The watchdog interval systemd expects pings within, if WatchdogSec= is set for this process.
    public let watchdogInterval: Duration?

    public init(environment: [String: String]) {
        socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        let watchdogPID = environment["WATCHDOG_PID"].flatMap { Int32($0) }
        if let micros = environment["WATCHDOG_USEC"].flatMap({ UInt64($0) }), micros > 0,
           watchdogPID == nil || watchdogPID == getpid() {
            watchdogInterval = .microseconds(Int64(clamping: micros))
        } else {
            watchdogInterval = nil
        }
    }

    public func ready(status: String? = nil) { send(["READY=1"] + (status.map { ["STATUS=\($0)"] } ?? [])) }
    public func stopping() { send(["STOPPING=1"]) }
    public func watchdogPing() { send(["WATCHDOG=1"]) }
    public func status(_ text: String) { send(["STATUS=\(text)"]) }

    /// Sends the assignments; failures are ignored on purpose: systemd notification is advisory and a
    /// daemon must never stop collecting readings because its supervisor's socket is unavailable.
    @discardableResult
    public func send(_ assignments: [String]) -> Bool {
        guard let socketPath, socketPath.utf8.count < 108 else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }

        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(socketPath.utf8)
        if pathBytes.first == UInt8(ascii: "@") { pathBytes[0] = 0 }  // abstract namespace
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in pathBytes.enumerated() { buffer[index] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + pathBytes.count)
        let message = Array(assignments.joined(separator: "\n").utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                message.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, socketAddress, length) }
            }
        }
        return sent == message.count
    }
}
