import Foundation
import GatewayTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The harness must never signal a number that is no longer its process's. PIDs wrap at 32,768 on this machine
/// and every thread takes one too, so during the suite a number freed by a daemon that ended by itself is soon
/// another test's: `gateway.stop()` once sent SIGTERM to it, stopping another test's daemon (the flood test's
/// prlimit then failed with "No such process"). Here the reuse is forced through `ns_last_pid`.
@Suite struct HarnessProcessNumberTests {
    static let lastPID = "/proc/sys/kernel/ns_last_pid"

    @Test(.enabled(if: FileManager.default.isWritableFile(atPath: lastPID), "needs to set ns_last_pid (root)"))
    func stoppingAGatewayWhoseDaemonHadEndedSignalsNoProcessThatNowHasItsNumber() async throws {
        let gateway = try await GatewayHarness.start()
        let pid = try #require(gateway.daemonPID)
        // The daemon ends by itself as far as the harness knows; wait until it has been reaped (number free).
        kill(pid, SIGKILL)
        try await gateway.waitUntil("the daemon reaped") { kill(pid, 0) != 0 && errno == ESRCH }

        let squatter = try Self.spawnSleep(takingNumber: pid)
        await gateway.stop()
        // A SIGTERM either ended the squatter or, blocked (children of Swift threads may inherit the mask), waits.
        let pending = try Self.hasPendingSignal(squatter, SIGTERM)
        var status: Int32 = 0
        let ended = waitpid(squatter, &status, WNOHANG) == squatter
        if !ended {
            kill(squatter, SIGKILL)
            waitpid(squatter, &status, 0)
        }
        #expect(!ended && !pending, "the process that took the dead daemon's number got SIGTERM")
    }

    /// Starts `sleep 60` as process number `pid`: the kernel gives the number after `ns_last_pid` next, unless a
    /// thread or process elsewhere takes it first (then it tries again). posix_spawn right after the write, not
    /// Foundation's Process, whose run() may start a thread of its own that takes the number (it did in the suite).
    static func spawnSleep(takingNumber pid: Int32) throws -> pid_t {
        let words: [String] = ["/bin/sleep", "60"]
        let arguments: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { arguments.forEach { free($0) } }
        let lastPID = open(Self.lastPID, O_WRONLY | O_CLOEXEC)
        guard lastPID >= 0 else { throw HarnessError("cannot open \(Self.lastPID)") }
        defer { close(lastPID) }
        let number = Array("\(pid - 1)".utf8)
        for _ in 0..<1000 {
            guard pwrite(lastPID, number, number.count, 0) == number.count else { throw HarnessError("cannot write \(Self.lastPID)") }
            var child: pid_t = 0
            guard posix_spawn(&child, "/bin/sleep", nil, nil, arguments, environ) == 0 else { throw HarnessError("posix_spawn failed") }
            if child == pid { return child }
            kill(child, SIGKILL)
            var status: Int32 = 0
            waitpid(child, &status, 0)
        }
        throw HarnessError("no process could be given number \(pid)")
    }

    /// Whether `signal` is pending for process `pid`, blocked or not (/proc/PID/status: ShdPnd and SigPnd).
    static func hasPendingSignal(_ pid: Int32, _ signal: Int32) throws -> Bool {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        return status.split(separator: "\n").contains { line in
            guard line.hasPrefix("ShdPnd:") || line.hasPrefix("SigPnd:") else { return false }
            let mask = UInt64(line.split(separator: "\t").last ?? "", radix: 16) ?? 0
            return mask & (1 << UInt64(signal - 1)) != 0
        }
    }

    /// Starts `sleep 60` with process number `pid` (the kernel gives the number after `ns_last_pid` next, unless
    /// a thread or process elsewhere takes it first: then it tries again).
    static func launchSleep(takingNumber pid: Int32) throws -> Process {
        for _ in 0..<50 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sleep")
            process.arguments = ["60"]
            try "\(pid - 1)".write(toFile: lastPID, atomically: false, encoding: .utf8)
            try process.run()
            if process.processIdentifier == pid { return process }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        throw HarnessError("no process could be given number \(pid)")
    }
}
