import Foundation
import GatewayTestSupport

/// Counts the daemon's fsync, fdatasync and sync_file_range calls (all its threads, including ones it starts
/// meanwhile) by attaching `strace -f -c` to the running process for a window.
///
/// Why strace and not an LD_PRELOAD counter: strace counts at the system-call boundary, so a call that does not
/// go through libc's symbol (a statically linked SQLite, a raw `syscall`) still counts, and it needs nothing
/// built or injected at the daemon's start. Its price is speed: every traced call stops the daemon twice, so
/// `ResourceBenchmark` counts in a load window of its own and takes CPU, latency and wake-ups from a separate,
/// untraced one. One bias to keep in mind: a slowed daemon may find more frames waiting at once, so if the store
/// ever commits several frames together (group commit), the traced window would show fewer syncs per reading
/// than an untraced one; a counter shim would then be the better tool.
final class SyncCallCounter: @unchecked Sendable {
    // @unchecked: used by one benchmark task, attach then detach.
    static let syscalls = ["fsync", "fdatasync", "sync_file_range"]

    static let execWithSignalsUnblocked = "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execvp(sys.argv[1], sys.argv[1:])"

    private let process: Process
    private let summaryPath: String
    private let errorPath: String

    /// Whether strace is installed (scripts/ensure-deps installs it).
    static var isAvailable: Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .contains { FileManager.default.isExecutableFile(atPath: "\($0)/strace") }
    }

    /// Starts strace on `pid` and returns once every thread of the process is traced.
    init(pid: Int32) async throws {
        let directory = try BenchSupport.temporaryDirectory()
        summaryPath = directory + "/strace-summary.txt"
        errorPath = directory + "/strace-stderr.txt"
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // strace ends (detaches and writes its summary) on SIGINT, but only if SIGINT is not blocked, and a child
        // of `Process` inherits the signal mask of the concurrency pool's thread, which blocks nearly all signals.
        // So a one-line python3 (a test dependency already) clears the mask and execs strace: the same process id.
        process.arguments = ["python3", "-c", Self.execWithSignalsUnblocked, "strace", "-f", "-c", "-q", "-e", "trace=" + Self.syscalls.joined(separator: ","),
                             "-o", summaryPath, "-p", String(pid)]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        try process.run()

        let deadline = ContinuousClock.now + .seconds(20)
        while !Self.allThreads(of: pid, tracedBy: process.processIdentifier) {
            guard process.isRunning else { throw HarnessError("strace could not attach to \(pid): \(errors)") }
            guard ContinuousClock.now < deadline else {
                process.interrupt()
                throw HarnessError("strace did not attach to every thread of \(pid) within 20 s: \(errors)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Detaches (SIGINT makes strace detach and write its summary) and returns the calls per system call.
    func detach() async throws -> [String: Int] {
        process.interrupt()
        let deadline = ContinuousClock.now + .seconds(20)
        while process.isRunning {
            guard ContinuousClock.now < deadline else { throw HarnessError("strace did not exit after SIGINT: \(errors)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        // No calls at all: strace leaves the file empty.
        guard let summary = try? String(contentsOfFile: summaryPath, encoding: .utf8), summary.isEmpty || summary.contains("syscall") else {
            throw HarnessError("strace wrote no summary: \(errors)")
        }
        return Self.calls(inSummary: summary)
    }

    /// Calls per system call from `strace -c`'s table ("% time  seconds  usecs/call  calls  errors  syscall"; the
    /// errors column is blank when there were none, so the count is the fourth field and the name the last).
    static func calls(inSummary summary: String) -> [String: Int] {
        var calls = Dictionary(uniqueKeysWithValues: syscalls.map { ($0, 0) })
        for line in summary.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 5, let name = fields.last.map(String.init), calls[name] != nil, let count = Int(fields[3])
            else { continue }
            calls[name] = count
        }
        return calls
    }

    private var errors: String {
        ((try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Whether every thread of `pid` has `tracer` as its TracerPid (/proc/PID/task/TID/status).
    private static func allThreads(of pid: Int32, tracedBy tracer: Int32) -> Bool {
        guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task"), !tasks.isEmpty else { return false }
        return tasks.allSatisfy { task in
            let status = (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/status", encoding: .utf8)) ?? ""
            return status.split(separator: "\n").contains { $0.hasPrefix("TracerPid:") && $0.hasSuffix("\t\(tracer)") }
        }
    }

    /// Sync calls in a window and the readings stored in it.
    struct Count: Sendable {
        let calls: [String: Int]
        let stored: Int

        var total: Int { calls.values.reduce(0, +) }
        var perReading: Double { stored > 0 ? Double(total) / Double(stored) : .nan }
        var summary: String {
            SyncCallCounter.syscalls.map { "\(calls[$0] ?? 0) \($0)" }.joined(separator: " + ") + " for \(stored) readings stored"
        }
    }
}
