import HealthProfiles

/// When to try again after a failure that is not the data's fault (5xx, 429, timeout, reset, TLS).
///
/// Exponential backoff with "full jitter" (delay drawn uniformly from 0...min(cap, base × 2^(n-1))), so many
/// gateways coming back after a receiver outage do not retry in lock-step. A Retry-After from the server
/// (429, 503) replaces the computed delay, clamped to `maximumRetryAfter` so a misconfigured server cannot
/// silence a hub for days.
public struct DeliveryBackoff: Sendable, Hashable {
    public var baseDelay: Duration
    public var maximumDelay: Duration
    public var maximumRetryAfter: Duration

    public init(
        baseDelay: Duration = .seconds(2), maximumDelay: Duration = .seconds(300),
        maximumRetryAfter: Duration = .seconds(3600)
    ) {
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
        self.maximumRetryAfter = maximumRetryAfter
    }

    /// The ceiling of the jitter window after `failures` consecutive failures (1 = first failure).
    public func ceiling(afterFailures failures: Int) -> Duration {
        // Doubling step by step (never multiplying by 2^n) cannot overflow whatever the settings.
        var ceiling = max(baseDelay, .zero)
        var step = 1
        while step < failures, ceiling < maximumDelay {
            ceiling += ceiling
            step += 1
        }
        return min(ceiling, maximumDelay)
    }

    /// The delay before the next attempt.
    public func delay(
        afterFailures failures: Int, retryAfter: Duration?, using generator: inout some RandomNumberGenerator
    ) -> Duration {
        if let retryAfter { return min(max(retryAfter, .zero), maximumRetryAfter) }
        let ceiling = ceiling(afterFailures: failures)
        let ceilingMs = max(Int64(0), ceiling.inMilliseconds)
        return .milliseconds(Int64.random(in: 0...ceilingMs, using: &generator))
    }
}
