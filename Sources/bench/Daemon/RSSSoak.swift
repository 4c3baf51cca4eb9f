import Foundation

/// `bench resources --soak-seconds N`: whether the daemon's memory grows under a long steady load.
enum RSSSoak {
    /// Load before the first sample (30 s, a tenth of a short soak): the daemon gives back the code pages it is not
    /// using when a visit ends (`IdleMemoryService`), and the first seconds of load fault them in again, a step that
    /// is no growth.
    static func warmUp(before duration: Duration) -> Duration { min(.seconds(30), duration / 10) }

    /// RSS every 10 s over `duration` at `rate` readings/s after a warm-up: the least-squares slope, in KB per minute.
    static func measure(_ fixture: DaemonFixture, pid: Int32, rate: Int, for duration: Duration) async throws -> (BenchRow, Double) {
        try await fixture.waitUntilListening()
        let warming = warmUp(before: duration)
        print("soak: \(Fmt.fixed(duration.inSeconds, 0)) s at \(rate) readings/s after \(Fmt.fixed(warming.inSeconds, 0)) s of warm-up, RSS every 10 s")
        async let sending = LoadGenerator.send(fixture, rate: rate, for: warming + duration, reconnecting: true)
        try await Task.sleep(for: warming)
        let samples = try await ProcessSeries.record(pid: pid, every: .seconds(10), for: duration).samples
        let sent = try await sending
        let points = samples.map { (x: ($0.takenAt - samples[0].takenAt).inSeconds / 60, y: Double($0.residentBytes) / 1024) }
        let slope = leastSquaresSlope(points)
        let first = samples[0], last = samples[samples.count - 1]
        let result = "RSS \(Fmt.fixed(Double(first.residentBytes) / 1_048_576)) → \(Fmt.fixed(Double(last.residentBytes) / 1_048_576)) MB, "
            + "slope \(Fmt.fixed(slope)) KB/min"
        print("soak: \(result); \(sent) spot-checks sent, \(samples.count) RSS samples")
        return (BenchRow("Daemon resources", "Soak: \(rate) readings/s for \(Fmt.fixed(duration.inSeconds / 60)) min, RSS every 10 s",
                         result, "least-squares slope over \(samples.count) samples; \(sent) spot-checks sent"), slope)
    }
}
