import Foundation

/// `bench resources --soak-seconds N`: whether the daemon's memory grows under a long steady load.
enum RSSSoak {
    /// RSS every 10 s over `duration` at `rate` readings/s: the least-squares slope, in KB per minute.
    static func measure(_ fixture: DaemonFixture, pid: Int32, rate: Int, for duration: Duration) async throws -> (BenchRow, Double) {
        try await fixture.waitUntilListening()
        print("soak: \(Fmt.fixed(duration.inSeconds, 0)) s at \(rate) readings/s, RSS every 10 s")
        async let series = ProcessSeries.record(pid: pid, every: .seconds(10), for: duration)
        let sent = try await LoadGenerator.send(fixture, rate: rate, for: duration, reconnecting: true)
        let samples = try await series.samples
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
