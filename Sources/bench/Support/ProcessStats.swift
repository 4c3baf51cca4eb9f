import Foundation
#if canImport(Glibc)
import Glibc
import HealthProfiles
#endif

/// CPU time, memory, disk writes and wake-ups of another process, from Linux's /proc (the daemon under benchmark).
struct ProcessSample: Sendable {
    /// User + system CPU seconds since the process started.
    let cpuSeconds: Double
    /// Resident set size and its peak, in bytes.
    let residentBytes: Int
    let peakResidentBytes: Int
    let threads: Int
    /// Bytes the process caused to be written to storage so far (`write_bytes` of /proc/PID/io: counted when a
    /// page is dirtied, so a write that lands in the page cache counts now, not at writeback).
    let writeBytes: Int
    /// Voluntary + involuntary context switches per thread id: how often it woke up.
    let contextSwitches: [String: Int]
    let takenAt: ContinuousClock.Instant

    struct Unreadable: Error, CustomStringConvertible {
        let description: String
    }

    static func take(pid: Int32) throws -> ProcessSample {
        let takenAt = ContinuousClock.now
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let io = try? String(contentsOfFile: "/proc/\(pid)/io", encoding: .utf8)
        else { throw Unreadable(description: "process \(pid) is gone") }
        // Fields after the command name, which is in parentheses and may contain spaces: state is field 3,
        // utime and stime are fields 14 and 15 (proc(5)).
        guard let close = stat.lastIndex(of: ")") else { throw Unreadable(description: "unexpected /proc/\(pid)/stat") }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let utime = Double(fields[11]), let stime = Double(fields[12]) else {
            throw Unreadable(description: "unexpected /proc/\(pid)/stat")
        }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        var switches: [String: Int] = [:]
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        for task in tasks {
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/status", encoding: .utf8) else { continue }
            switches[task] = field("voluntary_ctxt_switches", in: text) + field("nonvoluntary_ctxt_switches", in: text)
        }
        return ProcessSample(
            cpuSeconds: (utime + stime) / ticks, residentBytes: field("VmRSS", in: status) * 1024,
            peakResidentBytes: field("VmHWM", in: status) * 1024, threads: field("Threads", in: status),
            writeBytes: field("write_bytes", in: io), contextSwitches: switches, takenAt: takenAt)
    }

    /// The number after "name:" in a /proc status file (kB for memory fields).
    private static func field(_ name: String, in text: String) -> Int {
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            return Int(line.dropFirst(name.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "") ?? 0
        }
        return 0
    }
}

/// What a process did between two samples.
struct ProcessWindow: Sendable {
    let start: ProcessSample
    let end: ProcessSample

    var seconds: Double { (end.takenAt - start.takenAt).inSeconds }
    /// CPU use in percent of one core.
    var cpuPercent: Double { (end.cpuSeconds - start.cpuSeconds) / seconds * 100 }
    /// Context switches per second of the threads alive at the end (a thread that exited meanwhile took its
    /// count with it; one that started meanwhile counts whole).
    var wakeups: Int { end.contextSwitches.reduce(0) { $0 + $1.value - (start.contextSwitches[$1.key] ?? 0) } }
    var wakeupsPerSecond: Double { Double(wakeups) / seconds }
    var writtenBytes: Int { end.writeBytes - start.writeBytes }
    var residentMB: Double { Double(end.residentBytes) / 1_048_576 }
    var peakResidentMB: Double { Double(end.peakResidentBytes) / 1_048_576 }

    var summary: String {
        "RSS \(Fmt.fixed(residentMB)) MB (peak \(Fmt.fixed(peakResidentMB)) MB), CPU \(Fmt.fixed(cpuPercent, 2)) % of one core, "
            + "\(Fmt.fixed(wakeupsPerSecond)) wake-ups/s, \(end.threads) threads over \(Fmt.fixed(seconds)) s"
    }
}
