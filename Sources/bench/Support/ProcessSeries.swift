import Foundation

/// Samples of another process taken at a fixed period (the first at the start): what it did second by second,
/// not only on average. "Idle means ≤ 1 wake-up/s at every moment" is a statement about the worst second.
struct ProcessSeries: Sendable {
    let samples: [ProcessSample]
    /// The period the samples were meant to be taken at: a second's wake-ups are counted per period, not divided by
    /// the few milliseconds a late or early sample adds or takes (1 wake-up over 0.98 s read as 1.02/s, "above 1/s").
    let period: Duration

    /// Samples `pid` every `period` for `duration`, on a fixed schedule (a late sample does not shift the rest).
    static func record(pid: Int32, every period: Duration, for duration: Duration) async throws -> ProcessSeries {
        try await record(pid: pid, every: period, limit: duration) { false }
    }

    /// Samples `pid` every `period` until `isOver` holds right after a sample, or until `limit` has passed (at
    /// least one period). `isOver` must not touch the sampled process: its own work would count as the process's.
    static func record(pid: Int32, every period: Duration, limit: Duration,
                       until isOver: () async throws -> Bool) async throws -> ProcessSeries {
        let clock = ContinuousClock()
        let start = clock.now
        var samples = [try ProcessSample.take(pid: pid)]
        var taken = 0
        while true {
            taken += 1
            try await Task.sleep(until: start + period * taken, clock: clock)
            samples.append(try ProcessSample.take(pid: pid))
            if period * (taken + 1) > limit { break }
            if try await isOver() { break }
        }
        return ProcessSeries(samples: samples, period: period)
    }

    /// The whole span, first sample to last.
    var window: ProcessWindow { ProcessWindow(start: samples[0], end: samples[samples.count - 1]) }

    /// One window per period.
    var intervals: [ProcessWindow] { zip(samples, samples.dropFirst()).map { ProcessWindow(start: $0, end: $1) } }

    /// Wake-ups per second in each period.
    var wakeupRates: [Double] { intervals.map { Double($0.wakeups) / period.inSeconds } }

    var maximumWakeupRate: Double { wakeupRates.max() ?? .nan }
    var medianWakeupRate: Double { BenchSupport.median(wakeupRates) }
    var maximumThreads: Int { samples.map(\.threads).max() ?? 0 }

    /// "3, 0, 1, …" rounded to whole wake-ups per second: the series as printed in the report.
    var wakeupSeries: String { wakeupRates.map { Fmt.fixed($0, 0) }.joined(separator: ", ") }
}
