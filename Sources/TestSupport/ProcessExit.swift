public import Foundation

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

    /// The exit status once the process has ended and Foundation has noticed it (its `terminationStatus` traps
    /// before), or nil when either does not happen within `timeout`.
    public static func status(of process: Process, timeout: Duration = .seconds(10)) -> Int32? {
        guard wait(for: process, timeout: timeout) else { return nil }
        // The kernel may show the exit (a zombie) a moment before Foundation has reaped it — more than 2 s at the
        // start of a full suite, when every suite starts its peers at once (an `openssl pkey` that had exited was
        // reported as failed so): the process has ended, so waiting longer for Foundation costs nothing else.
        let settle = ContinuousClock.now + .seconds(15)
        while process.isRunning, ContinuousClock.now < settle { usleep(10_000) }
        return process.isRunning ? nil : process.terminationStatus
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
