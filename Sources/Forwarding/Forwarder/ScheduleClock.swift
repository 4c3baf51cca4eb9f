public import Foundation
import HealthProfiles
import Synchronization

/// "Now" for the forwarder's retry schedule: the wall clock, except that it never runs backwards.
///
/// Retry times are stored in the outbox as wall-clock instants, because they must survive restarts. If the
/// hub's clock is set back (NTP correcting a real-time clock that booted wrong, a technician fixing the date),
/// every item already scheduled would wait that much longer: a clock set back by a day would silence
/// forwarding for a day, whatever the backoff cap says. This clock measures the time elapsed since its last
/// reading on the monotonic clock and never answers less than that reading plus the elapsed time, so the
/// backoff runs on monotonic time. A clock set forward is followed (items come due early: harmless).
public final class ScheduleClock: Sendable {
    private let wall: @Sendable () -> Date
    private let monotonic: @Sendable () -> ContinuousClock.Instant
    private let last = Mutex<(wall: Date, monotonic: ContinuousClock.Instant)?>(nil)

    /// - Parameters: the clocks to read; injected by tests that jump the wall clock.
    public init(wall: @escaping @Sendable () -> Date = { Date() },
                monotonic: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.wall = wall
        self.monotonic = monotonic
    }

    public func now() -> Date {
        let wallNow = wall()
        let monotonicNow = monotonic()
        return last.withLock { last in
            var result = wallNow
            if let previous = last {
                let elapsed = monotonicNow - previous.monotonic
                let expected = previous.wall.addingTimeInterval(elapsed.inSeconds)
                if expected > result { result = expected }
            }
            last = (result, monotonicNow)
            return result
        }
    }
}
