import DeviceProfiles
import HealthProfiles

/// A device's token bucket (its profile's `rate_limit`) and its flood episodes.
///
/// One token per frame that carries a measurement to store: `burst` at once (the device's memory replayed
/// after connecting), refilled at `readingsPerMinute`. A frame that stored nothing new (a re-sent record the
/// store already has, another user's reading, a failed write) gets its token back, so a glucometer replaying
/// its whole memory on every visit spends tokens only on records that are new: the limit counts distinct
/// records, not frames. Time is the monotonic clock, so setting the wall clock neither refills nor drains it.
struct ReadingRateLimiter: Sendable {
    let limit: RateLimit
    private var tokens: Double
    private var refilledAt: ContinuousClock.Instant?
    /// The current flood: since the first frame over the limit, until `calmAfterSeconds` without one.
    private var episode: (lastDrop: ContinuousClock.Instant, dropped: Int)?

    init(limit: RateLimit) {
        self.limit = limit
        tokens = Double(limit.burst)
    }

    enum Decision: Equatable {
        case admitted
        /// Over the limit: not stored. `startsFlood` for the first frame of an episode.
        case dropped(startsFlood: Bool)
    }

    var isFlooding: Bool { episode != nil }

    var calmPeriod: Duration { .seconds(limit.calmAfterSeconds) }

    mutating func admit(at now: ContinuousClock.Instant) -> Decision {
        refill(at: now)
        if tokens >= 1 {
            tokens -= 1
            return .admitted
        }
        let starts = episode == nil
        episode = (now, (episode?.dropped ?? 0) + 1)
        return .dropped(startsFlood: starts)
    }

    /// Gives back the token of an admitted frame that stored nothing new.
    mutating func refund() { tokens = min(Double(limit.burst), tokens + 1) }

    /// Ends the flood when nothing was dropped for the calm period: the number of frames it dropped. Nil when
    /// there is no flood or it goes on.
    mutating func endFloodIfCalm(at now: ContinuousClock.Instant) -> Int? {
        guard let current = episode, now - current.lastDrop >= calmPeriod else { return nil }
        episode = nil
        return current.dropped
    }

    /// How long from `now` until the flood can be declared over, if nothing more is dropped.
    func remainingUntilCalm(at now: ContinuousClock.Instant) -> Duration? {
        episode.map { max(.zero, calmPeriod - (now - $0.lastDrop)) }
    }

    private mutating func refill(at now: ContinuousClock.Instant) {
        defer { refilledAt = now }
        guard let last = refilledAt, now > last else { return }
        let elapsed = now - last
        let seconds = elapsed.inSeconds
        tokens = min(Double(limit.burst), tokens + seconds * limit.readingsPerMinute / 60)
    }
}
