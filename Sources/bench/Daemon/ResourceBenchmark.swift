import ArgumentParser
import Foundation
import GatewayTestSupport
import HealthProfiles

/// The daemon's memory (VmRSS) and CPU time (utime + stime, as a share of one core) from /proc, idle and
/// under load, and how often it wakes up (context switches of all its threads: an idle daemon that polls
/// busily shows here first).
struct ResourceBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resources", abstract: "Daemon RSS and CPU, idle and under load.")

    @Option(help: "Seconds to let the daemon settle before the idle window.")
    var settle = 5

    @Option(help: "Seconds per measurement window.")
    var window = 20

    @Option(help: "Spot-check readings per second under load (each also with one continuous sample).")
    var rate = 20

    func run() async throws {
        ResultTable.print(try await DaemonFixture.with {
            try await Self.measure($0, settle: .seconds(settle), window: .seconds(window), rate: rate)
        })
    }

    static func measure(_ fixture: DaemonFixture, settle: Duration, window: Duration, rate: Int) async throws -> [BenchRow] {
        let pid = try fixture.pid
        // Idle: the pairing visit is over (the oximeter fell quiet), nothing to forward.
        try await fixture.waitUntilIdle()
        try await Task.sleep(for: settle)
        let idle = try await observe(pid: pid, for: window)
        print("idle: \(idle.summary)")

        // Load: a visit, with notifications at `rate` per second for the whole window.
        try await fixture.waitUntilListening()
        let poller = try ReadingPoller(path: fixture.gateway.databasePath)
        let firstID = try poller.latestID()
        let observationsBefore = try await observations(fixture)
        let start = try ProcessSample.take(pid: pid)
        let sent = try await sendLoad(fixture, rate: rate, for: window)
        let end = try ProcessSample.take(pid: pid)
        let load = ProcessWindow(start: start, end: end)
        let stored = try poller.count(after: firstID)
        let forwarded = (try await observations(fixture) - observationsBefore) / 2  // SpO2 + pulse per reading
        print("load: \(load.summary); sent \(sent), stored \(stored), forwarded \(forwarded) within the window")

        try await fixture.waitUntilIdle()
        try await Task.sleep(for: settle)
        let after = try await observe(pid: pid, for: window)
        print("idle after load: \(after.summary)")

        let seconds = Fmt.fixed(window.inSeconds, 0)
        let cpuPerReading = stored > 0 ? (load.end.cpuSeconds - load.start.cpuSeconds) / Double(stored) * 1000 : .nan
        return [
            BenchRow("Daemon resources", "Idle: one paired oximeter, visit over, \(seconds) s window",
                     resources(idle), "\(Fmt.fixed(idle.wakeupsPerSecond)) wake-ups/s, \(idle.end.threads) threads"),
            BenchRow("Daemon resources",
                     "Under load: \(rate) spot-check readings/s stored, triaged, forwarded + \(rate) continuous samples/s, \(seconds) s",
                     resources(load),
                     "\(stored) stored, \(forwarded) forwarded in the window; \(Fmt.fixed(cpuPerReading, 2)) ms CPU/reading"),
            BenchRow("Daemon resources", "Idle again after the load", resources(after),
                     "\(Fmt.fixed(after.wakeupsPerSecond)) wake-ups/s"),
        ]
    }

    static func resources(_ window: ProcessWindow) -> String {
        "RSS \(Fmt.fixed(window.residentMB)) MB (peak \(Fmt.fixed(window.peakResidentMB)) MB), CPU \(Fmt.fixed(window.cpuPercent, 2)) % of a core"
    }

    static func observe(pid: Int32, for duration: Duration) async throws -> ProcessWindow {
        let start = try ProcessSample.take(pid: pid)
        try await Task.sleep(for: duration)
        return ProcessWindow(start: start, end: try ProcessSample.take(pid: pid))
    }

    static func observations(_ fixture: DaemonFixture) async throws -> Int {
        (try await fixture.gateway.receiver.stats()["resources"] as? [String: Int])?["Observation"] ?? 0
    }

    /// Sends one spot-check and one continuous frame per tick, on a fixed schedule (late ticks are not made up
    /// for by bursts). Returns the spot-checks sent.
    static func sendLoad(_ fixture: DaemonFixture, rate: Int, for duration: Duration) async throws -> Int {
        let clock = ContinuousClock()
        let start = clock.now
        let period = Duration.seconds(1) / max(1, rate)
        var tick = 0
        var sent = 0
        while clock.now - start < duration {
            if try await fixture.notify(DaemonFixture.spotCheck, DaemonFixture.spotCheckFrame(tick)) { sent += 1 }
            _ = try await fixture.notify(DaemonFixture.continuous, DaemonFixture.continuousFrame(tick))
            tick += 1
            let next = start + period * tick
            if next > clock.now { try await Task.sleep(until: next, clock: clock) }
        }
        return sent
    }
}
