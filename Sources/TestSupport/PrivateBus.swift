public import Foundation
import Synchronization

/// A private `dbus-daemon` for one test: its own config and socket in a fresh temporary directory,
/// anyone may own any name (org.bluez included) and send or receive anything. Stopped by `stop()`
/// or, as a safety net, when the object is released.
public final class PrivateBus: Sendable {
    /// The address to connect to, as printed by the daemon (e.g. `unix:path=/tmp/dho-bus-…/bus,guid=…`).
    public let address: String
    /// The temporary directory holding the config and socket; tests may put their own files here.
    public let directory: URL
    private let process: Mutex<Process?>
    private let lifeline: FileHandle

    private init(address: String, directory: URL, process: Process, lifeline: FileHandle) {
        self.address = address
        self.directory = directory
        self.process = Mutex(process)
        self.lifeline = lifeline
    }

    deinit {
        stop()
    }

    public enum Failure: Error, CustomStringConvertible {
        case daemonNotFound
        case daemonFailed(String)

        public var description: String {
            switch self {
            case .daemonNotFound: "dbus-daemon not found (install the Debian package 'dbus')"
            case .daemonFailed(let why): "dbus-daemon failed to start: \(why)"
            }
        }
    }

    /// Starts a daemon and returns once it listens.
    public static func start() async throws -> PrivateBus {
        guard let daemon = ["/usr/bin/dbus-daemon", "/bin/dbus-daemon", "/usr/local/bin/dbus-daemon"]
            .first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        else { throw Failure.daemonNotFound }

        let directory = try TemporaryDirectory.make(prefix: "dho-bus")
        let config = directory.appendingPathComponent("bus.conf")
        try configuration(socket: directory.appendingPathComponent("bus").path)
            .write(to: config, atomically: true, encoding: .utf8)

        // The daemon runs under a small shell that kills it as soon as our end of its stdin pipe closes:
        // when `stop` closes it, and also when the test process dies without cleaning up, so no daemon
        // outlives its test. (A plain SIGTERM is not enough: children spawned from Swift threads inherit
        // a signal mask with SIGTERM blocked.)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", #""$0" "$@" & daemon=$!; read -r _; kill -9 "$daemon""#,
                             daemon, "--config-file=\(config.path)", "--nofork", "--nopidfile", "--nosyslog",
                             "--print-address=1"]
        let output = try ChildSocketPair()
        let lifeline = try ChildSocketPair()
        process.standardInput = lifeline.child
        process.standardOutput = output.child
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        output.closeChildEnd()
        lifeline.closeChildEnd()
        guard let line = await LineReader.firstLine(of: output.parent), !line.isEmpty else {
            try? lifeline.parent.close()
            ProcessExit.wait(for: process)
            throw Failure.daemonFailed("no address printed")
        }
        return PrivateBus(address: line, directory: directory, process: process, lifeline: lifeline.parent)
    }

    /// Kills the dbus-daemon as a crash would, keeping the directory (and the logs in it) until `stop()`.
    public func killBusDaemon() async {
        guard let running = process.withLock({ $0 }) else { return }
        try? lifeline.close()  // the wrapper shell then kills dbus-daemon with SIGKILL
        while !ProcessExit.hasEnded(running) { try? await Task.sleep(for: .milliseconds(20)) }
    }

    /// Stops the daemon (idempotent) and removes the temporary directory.
    public func stop() {
        let running = process.withLock { process in
            let current = process
            process = nil
            return current
        }
        guard let running else { return }
        try? lifeline.close()
        ProcessExit.wait(for: running)
        try? FileManager.default.removeItem(at: directory)
    }

    static func configuration(socket: String) -> String {
        """
        <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
         "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
        <busconfig>
          <type>session</type>
          <listen>unix:path=\(socket)</listen>
          <auth>EXTERNAL</auth>
          <policy context="default">
            <allow send_destination="*" eavesdrop="true"/>
            <allow eavesdrop="true"/>
            <allow own="*"/>
          </policy>
        </busconfig>
        """
    }
}

enum TemporaryDirectory {
    static func make(prefix: String) throws -> URL {
        let base = URL(fileURLWithPath: "/tmp", isDirectory: true)
        let name = "\(prefix)-\(UInt64.random(in: 0...UInt64.max).hex)"
        let directory = base.appendingPathComponent(name, isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        return directory
    }
}

extension UInt64 {
    fileprivate var hex: String { String(self, radix: 16) }
}

/// Reads lines from a pipe on a dedicated thread, so blocking reads never occupy the (small) pool of
/// Swift-concurrency threads that the tests themselves run on.
enum LineReader {
    /// The first line written to `handle`, nil on end of file before a newline.
    static func firstLine(of handle: FileHandle) async -> String? {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var buffer = Data()
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty {
                        continuation.resume(returning: buffer.isEmpty ? nil : String(decoding: buffer, as: UTF8.self))
                        return
                    }
                    buffer.append(chunk)
                    if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                        continuation.resume(returning: String(decoding: buffer[..<newline], as: UTF8.self))
                        return
                    }
                }
            }
        }
    }
}
