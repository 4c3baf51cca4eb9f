import Foundation

/// The resource benchmarks' load: one spot-check and one continuous frame from the oximeter per tick.
enum LoadGenerator {
    /// Sends at `rate` ticks per second on a fixed schedule (late ticks are not made up for by bursts) for
    /// `duration`. Returns the spot-checks sent. With `reconnecting`, a tick that finds the oximeter
    /// disconnected (the gateway ended its visit: collection window) waits for the next visit and the schedule
    /// restarts from there: a soak keeps its load for its whole length.
    static func send(_ fixture: DaemonFixture, rate: Int, for duration: Duration, reconnecting: Bool = false) async throws -> Int {
        let clock = ContinuousClock()
        let end = clock.now + duration
        var start = clock.now
        let period = Duration.seconds(1) / max(1, rate)
        var tick = 0
        var sent = 0
        var frame = 0
        while clock.now < end {
            if try await fixture.notify(DaemonFixture.spotCheck, DaemonFixture.spotCheckFrame(frame)) {
                sent += 1
            } else if reconnecting {
                try await fixture.waitUntilListening()
                start = clock.now
                tick = 0
                continue
            }
            _ = try await fixture.notify(DaemonFixture.continuous, DaemonFixture.continuousFrame(frame))
            tick += 1
            frame += 1
            let next = start + period * tick
            if next > clock.now { try await Task.sleep(until: min(next, end), clock: clock) }
        }
        return sent
    }
}
