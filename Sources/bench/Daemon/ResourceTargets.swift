/// Issue 16's targets for the daemon's resources, beside the figures of the same run. Targets are read off a
/// bench run on a quiet machine (`scripts/bench`), never asserted in tests.
enum ResourceTargets {
    static let idleResidentMB = 30.0
    static let cpuMillisecondsPerReading = 2.5
    static let threads = 8
    static let kilobytesWrittenPerReading = 24.0
    static let syncsPerReading = 2.0
    static let wakeupsPerSecond = 1.0

    static func rows(idle: ProcessSeries, load: ResourceBenchmark.LoadWindow, syncs: SyncCallCounter.Count?,
                     end: ProcessSeries, after: ProcessSeries, soakSlope: Double?) -> [BenchRow] {
        let mostThreads = max(idle.maximumThreads, load.series.maximumThreads, end.maximumThreads, after.maximumThreads)
        let wakeups = max(idle.maximumWakeupRate, after.maximumWakeupRate)
        var rows = [
            row("Idle RSS, one paired device", idle.window.residentMB, "MB", atMost: idleResidentMB),
            row("CPU per reading under load", load.cpuMillisecondsPerReading, "ms", atMost: cpuMillisecondsPerReading, digits: 2),
            row("Threads, most seen idle, under load and after", Double(mostThreads), "", atMost: Double(threads), digits: 0),
            row("Disk bytes written per reading (/proc/PID/io write_bytes)", load.kilobytesWrittenPerReading, "KB", atMost: kilobytesWrittenPerReading),
            syncs.map { row("fsync + fdatasync + sync_file_range per reading (strace)", $0.perReading, "", atMost: syncsPerReading, digits: 2) }
                ?? BenchRow("Target (issue 16)", "fsync calls per reading", "not counted (no strace)", "≤ \(Fmt.fixed(syncsPerReading, 0))"),
            // The load's end (its visit's hang-up and record) is the load's own work, not idle: its own row above.
            row("Wake-ups/s, worst second idle and in the minute after the load's end", wakeups, "/s", atMost: wakeupsPerSecond, digits: 0),
        ]
        if let soakSlope {
            rows.append(BenchRow("Target (issue 16)", "RSS slope over the soak", "\(Fmt.fixed(soakSlope)) KB/min",
                                 "no growth beyond the database page cache"))
        }
        return rows
    }

    private static func row(_ measure: String, _ value: Double, _ unit: String, atMost target: Double, digits: Int = 1) -> BenchRow {
        let verdict = value.isFinite ? (value <= target ? "met" : "**not met**") : "n/a"
        let suffix = unit.isEmpty ? "" : (unit.hasPrefix("/") ? unit : " " + unit)
        return BenchRow("Target (issue 16)", measure, Fmt.fixed(value, digits) + suffix,
                        "≤ \(Fmt.fixed(target, target == target.rounded() ? 0 : 1))\(suffix): \(verdict)")
    }
}
