public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Waiting for a child process to end without trusting Foundation alone: on Linux, `Process.waitUntilExit()`
/// has been seen to spin for ever on a child that had long exited (the termination was never delivered while
/// dozens of tests started and stopped processes at once), and it blocks one of the concurrency pool's few
/// threads while it waits — with two cores, two such waits stall every test. This looks at the kernel's view
/// (`/proc/<pid>`: gone, or a zombie) as well, and gives up after `timeout`.
public enum ProcessExit {
    /// True when the process ended within `timeout`.
    @discardableResult
    public static func wait(for process: Process, timeout: Duration = .seconds(10)) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if hasEnded(process) { return true }
            usleep(20_000)
        }
        return hasEnded(process)
    }

    /// The exit status once the process has ended, or nil when it does not end within `timeout`.
    public static func status(of process: Process, timeout: Duration = .seconds(10)) -> Int32? {
        guard wait(for: process, timeout: timeout) else { return nil }
        // The kernel may show the exit (a zombie) long before Foundation has reaped it — more than 15 s in a full
        // run on two cores, when an `openssl pkey` that had exited was reported as not exiting — and
        // `terminationStatus` traps until it has. The status is then read from the kernel without reaping the
        // child, which Foundation still does in its own time.
        if process.isRunning, let status = unreapedStatus(pid: process.processIdentifier) { return status }
        let settle = ContinuousClock.now + .seconds(15)
        while process.isRunning, ContinuousClock.now < settle { usleep(10_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// The exit status (or the signal that ended it) of a child that has ended and not been reaped, left for its
    /// owner to reap (`WNOWAIT`); nil when it has not ended or is reaped already.
    public static func unreapedStatus(pid: pid_t) -> Int32? {
        var info = siginfo_t()
        guard pid > 0, waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0,
              info._sifields._sigchld.si_pid == pid
        else { return nil }
        return info._sifields._sigchld.si_status
    }

    public static func hasEnded(_ process: Process) -> Bool {
        guard process.isRunning else { return true }
        let pid = process.processIdentifier
        guard pid > 0, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
        // "pid (comm) S ...": the state follows the last ')'.
        guard let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return state == "Z" || state == "X"
    }
}
