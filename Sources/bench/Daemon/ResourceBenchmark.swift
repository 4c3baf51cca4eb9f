import ArgumentParser
import Foundation
import GatewayTestSupport
import HealthProfiles

/// The daemon's memory (VmRSS), CPU time (utime + stime, as a share of one core), threads, disk bytes written
/// (/proc/PID/io), fsync-type calls (strace, in a window of its own) and wake-ups (context switches of all its
/// threads: an idle daemon that polls busily shows here first), from /proc, idle, under load, second by second
/// through the load's end (its visit ending) and in the minute after it, and optionally over a soak (RSS slope).
/// Targets: `ResourceTargets`.
struct ResourceBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resources", abstract: "Daemon RSS, CPU, threads, disk writes, fsyncs and wake-ups, idle and under load.")

    @Option(help: "Seconds to let the daemon settle before the idle window.")
    var settle = 5

    @Option(help: "Seconds per measurement window (idle, the strace-counted load, the timed load).")
    var window = 20

    @Option(help: "Spot-check readings per second under load (each also with one continuous sample).")
    var rate = 20

    @Option(help: "Seconds of wake-up samples (one a second) after the timed load's end (its visit recorded).")
    var afterLoadSeconds = 60

    @Option(help: "Seconds of soak at --rate, RSS sampled every 10 s, for its slope (0: no soak; e.g. 1800).")
    var soakSeconds = 0

    func run() async throws {
        let report = try await DaemonFixture.with { try await Self.measure($0, settings) }
        ResultTable.print(report.rows)
        print("\n" + report.notes.joined(separator: "\n\n"))
    }

    var settings: Settings {
        Settings(settle: .seconds(settle), window: .seconds(window), rate: rate, afterLoad: .seconds(afterLoadSeconds),
                 soak: soakSeconds > 0 ? .seconds(soakSeconds) : nil)
    }

    struct Settings: Sendable {
        var settle: Duration
        var window: Duration
        var rate: Int
        var afterLoad: Duration
        var soak: Duration?
    }

    /// Table rows, and the Markdown lines that go under the table (the per-second series).
    struct Report: Sendable {
        var rows: [BenchRow]
        var notes: [String]
    }

    /// What one load window did.
    struct LoadWindow: Sendable {
        let series: ProcessSeries
        let stored: Int
        let forwarded: Int
        /// Where the load began: the newest reading before it, the receiver's Observations before it, and when.
        let firstID: Int64
        let observationsBefore: Int
        let startedAt: Date

        var cpuMillisecondsPerReading: Double { perReading((series.window.end.cpuSeconds - series.window.start.cpuSeconds) * 1000) }
        var kilobytesWrittenPerReading: Double { perReading(Double(series.window.writtenBytes) / 1024) }
        var wakeupsPerReading: Double { perReading(Double(series.window.wakeups)) }

        private func perReading(_ total: Double) -> Double { stored > 0 ? total / Double(stored) : .nan }
    }

    static func measure(_ fixture: DaemonFixture, _ settings: Settings) async throws -> Report {
        let pid = try fixture.pid
        // Idle: the pairing visit is over (the oximeter fell quiet), nothing to forward.
        try await fixture.waitUntilIdle()
        try await Task.sleep(for: settings.settle)
        let idle = try await ProcessSeries.record(pid: pid, every: .seconds(1), for: settings.window)
        print("idle: \(idle.window.summary), at most \(Fmt.fixed(idle.maximumWakeupRate)) wake-ups in a second")

        // fsyncs, counted in a load window of their own: strace slows the daemon.
        let syncs = try await countSyncs(fixture, pid: pid, settings)
        try await fixture.waitUntilIdle()
        try await Task.sleep(for: settings.settle)

        // Load: a visit, with notifications at `rate` per second for the whole window, untraced.
        let load = try await loadWindow(fixture, pid: pid, rate: settings.rate, for: settings.window)
        print("load: \(load.series.window.summary); stored \(load.stored), forwarded \(load.forwarded) within the window")
        // Straight after the last notification, until the load is over: its last readings forwarded, the visit
        // ended and recorded. Then the idle minute after it.
        let end = try await loadEnd(fixture, pid: pid, load: load)
        print("the load's end: \(end.window.summary); per second: \(end.wakeupSeries)")
        let after = try await ProcessSeries.record(pid: pid, every: .seconds(1), for: settings.afterLoad)
        print("after the load: \(after.window.summary); per second: \(after.wakeupSeries)")

        var soakSlope: Double?
        var rows = figures(idle: idle, load: load, syncs: syncs, end: end, after: after, settings)
        if let soak = settings.soak {
            let (row, slope) = try await RSSSoak.measure(fixture, pid: pid, rate: settings.rate, for: soak)
            rows.append(row)
            soakSlope = slope
        }
        let targets = ResourceTargets.rows(idle: idle, load: load, syncs: syncs, end: end, after: after, soakSlope: soakSlope)
        return Report(rows: rows + targets, notes: [
            "Wake-ups in each second of the idle window: \(idle.wakeupSeries).",
            "Wake-ups in each second of the load's end (from its last notification until its last reading is at the receiver "
                + "and its visit is recorded): \(end.wakeupSeries).",
            "Wake-ups in each second of the \(Fmt.fixed(settings.afterLoad.inSeconds, 0)) s after the load's end: \(after.wakeupSeries).",
        ])
    }

    static func figures(idle: ProcessSeries, load: LoadWindow, syncs: SyncCallCounter.Count?, end: ProcessSeries, after: ProcessSeries,
                        _ settings: Settings) -> [BenchRow] {
        let seconds = Fmt.fixed(settings.window.inSeconds, 0)
        let window = load.series.window
        var rows = [
            BenchRow("Daemon resources", "Idle: one paired oximeter, visit over, \(seconds) s window", resources(idle.window),
                     "\(Fmt.fixed(idle.window.wakeupsPerSecond)) wake-ups/s (most in a second \(Fmt.fixed(idle.maximumWakeupRate, 0))), "
                         + "\(idle.maximumThreads) threads"),
            BenchRow("Daemon resources",
                     "Under load: \(settings.rate) spot-check readings/s stored, triaged, forwarded + \(settings.rate) continuous samples/s, \(seconds) s",
                     resources(window),
                     "\(load.stored) stored, \(load.forwarded) forwarded in the window; \(Fmt.fixed(load.cpuMillisecondsPerReading, 2)) ms CPU/reading, "
                         + "\(Fmt.fixed(load.kilobytesWrittenPerReading)) KB written/reading (write_bytes), "
                         + "\(Fmt.fixed(load.wakeupsPerReading)) wake-ups/reading, up to \(load.series.maximumThreads) threads"),
        ]
        if let syncs {
            rows.append(BenchRow("Daemon resources", "Under the same load with strace -f -c attached (a separate \(seconds) s window)",
                                 syncs.summary, "\(Fmt.fixed(syncs.perReading, 2)) sync calls/reading"))
        }
        rows.append(BenchRow("Daemon resources",
                             "The load's end: its last readings forwarded, the 5 s quiet period, the hang-up, the visit recorded",
                             resources(end.window),
                             "\(end.intervals.count) s, \(end.window.wakeups) wake-ups in all (per second: \(end.wakeupSeries))"))
        rows.append(BenchRow("Daemon resources", "After the load's end, \(Fmt.fixed(settings.afterLoad.inSeconds, 0)) s sampled every second",
                             resources(after.window),
                             "wake-ups/s: median \(Fmt.fixed(after.medianWakeupRate)), max \(Fmt.fixed(after.maximumWakeupRate, 0)); "
                                 + "\(after.wakeupRates.filter { $0 > 1 }.count) of \(after.wakeupRates.count) s above 1/s"))
        return rows
    }

    static func resources(_ window: ProcessWindow) -> String {
        "RSS \(Fmt.fixed(window.residentMB)) MB (peak \(Fmt.fixed(window.peakResidentMB)) MB), CPU \(Fmt.fixed(window.cpuPercent, 2)) % of a core"
    }

    static func loadWindow(_ fixture: DaemonFixture, pid: Int32, rate: Int, for duration: Duration) async throws -> LoadWindow {
        try await fixture.waitUntilListening()
        let poller = try ReadingPoller(path: fixture.gateway.databasePath)
        let firstID = try poller.latestID()
        let observationsBefore = try await observations(fixture)
        let startedAt = Date()
        async let series = ProcessSeries.record(pid: pid, every: .seconds(1), for: duration)
        _ = try await LoadGenerator.send(fixture, rate: rate, for: duration)
        let recorded = try await series
        let stored = try poller.count(after: firstID)
        let forwarded = (try await observations(fixture) - observationsBefore) / 2  // SpO2 + pulse per reading
        return LoadWindow(series: recorded, stored: stored, forwarded: forwarded, firstID: firstID,
                          observationsBefore: observationsBefore, startedAt: startedAt)
    }

    /// Samples the daemon every second from the load's last notification until the load is over: every reading
    /// of it at the receiver, and the visit it came in ended and recorded (the gateway hangs up once the device
    /// has been quiet for its quiet period, 5 s). That end is the load's own work — a bus call to bluetoothd, the
    /// visit's record —, reported as such; idle starts after it. The checks read the receiver and the database
    /// file, never the daemon: a `dhoctl` query would wake it.
    static func loadEnd(_ fixture: DaemonFixture, pid: Int32, load: LoadWindow) async throws -> ProcessSeries {
        let poller = try ReadingPoller(path: fixture.gateway.databasePath)
        let limit = Duration.seconds(120)
        let startedAt = load.startedAt.timeIntervalSince1970
        var over = false
        let series = try await ProcessSeries.record(pid: pid, every: .seconds(1), limit: limit) {
            let stored = try poller.count(after: load.firstID)
            let forwarded = (try await observations(fixture) - load.observationsBefore) / 2
            let visitRecorded = (try poller.lastVisit(of: DaemonFixture.oximeter.description) ?? 0) >= startedAt
            over = forwarded >= stored && visitRecorded
            return over
        }
        guard over else { throw HarnessError("the load was not over \(limit) after its last notification (readings forwarded, visit recorded)") }
        return series
    }

    /// fsync, fdatasync and sync_file_range calls in a load window; nil (and said) when strace is not installed.
    static func countSyncs(_ fixture: DaemonFixture, pid: Int32, _ settings: Settings) async throws -> SyncCallCounter.Count? {
        guard SyncCallCounter.isAvailable else {
            print("strace is not installed (scripts/ensure-deps installs it): no fsync count")
            return nil
        }
        try await fixture.waitUntilListening()
        let poller = try ReadingPoller(path: fixture.gateway.databasePath)
        let firstID = try poller.latestID()
        let counter = try await SyncCallCounter(pid: pid)
        let calls: [String: Int]
        do {
            // Traced, a daemon on a loaded machine may store nothing within a short window: keep the load on (up to
            // four windows) until something was sent, and stay attached until what was sent is stored, so the count
            // covers whole readings, never zero of them.
            var sent = 0
            for _ in 0..<4 where sent == 0 {
                // Reconnecting: a traced daemon may let the visit lapse; a notification then waits for the next one.
                sent += try await LoadGenerator.send(fixture, rate: settings.rate, for: settings.window, reconnecting: true)
            }
            let expected = max(1, sent)
            try await fixture.gateway.waitUntil("the \(sent) traced readings to be stored", timeout: .seconds(120)) {
                try poller.count(after: firstID) >= expected
            }
            calls = try await counter.detach()
        } catch {
            _ = try? await counter.detach()
            throw error
        }
        let count = SyncCallCounter.Count(calls: calls, stored: try poller.count(after: firstID))
        print("strace window: \(count.summary)")
        return count
    }

    static func observations(_ fixture: DaemonFixture) async throws -> Int {
        (try await fixture.gateway.receiver.stats()["resources"] as? [String: Int])?["Observation"] ?? 0
    }
}
