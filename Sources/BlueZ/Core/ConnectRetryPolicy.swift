/// How often and how patiently to retry an operation that fails transiently (chiefly Connect() failing
/// with le-connection-abort-by-local, which BlueZ reports for many LE devices on a busy radio).
public struct ConnectRetryPolicy: Sendable, Hashable {
    /// Total attempts, the first one included.
    public var maxAttempts: Int
    /// Wait before the second attempt.
    public var initialDelay: Duration
    /// Each further wait is the previous one times this.
    public var multiplier: Double
    /// Upper bound of a single wait.
    public var maxDelay: Duration
    /// How long to wait for bluetoothd's disconnect event before retrying a failed connection.
    public var settleTimeout: Duration

    public init(maxAttempts: Int, initialDelay: Duration, multiplier: Double = 2, maxDelay: Duration,
                settleTimeout: Duration = .seconds(5)) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialDelay = initialDelay
        self.multiplier = max(1, multiplier)
        self.maxDelay = maxDelay
        self.settleTimeout = settleTimeout
    }

    /// Connecting to a health device that just advertised: a few quick retries, since it will only stay
    /// awake for seconds.
    public static let bluetoothConnect = ConnectRetryPolicy(maxAttempts: 4, initialDelay: .milliseconds(300),
                                                     multiplier: 2, maxDelay: .seconds(3))

    /// The wait after the `attempt`th failed attempt (1-based).
    public func delay(afterAttempt attempt: Int) -> Duration {
        var delay = initialDelay
        var remaining = attempt - 1
        while remaining > 0, delay < maxDelay {
            delay = delay * multiplier
            remaining -= 1
        }
        return min(delay, maxDelay)
    }
}

/// Runs `operation` until it succeeds, fails with a non-retryable error, or `policy.maxAttempts` is used
/// up (then the last error is thrown). Between attempts it calls `beforeRetry` (e.g. to wait for the
/// disconnect event) and then waits the policy's backoff on `clock`.
public func withRetries<T>(policy: ConnectRetryPolicy, clock: some Clock<Duration> = ContinuousClock(),
                           isRetryable: (BlueZError) -> Bool,
                           beforeRetry: (_ attempt: Int, _ error: BlueZError) async -> Void = { _, _ in },
                           operation: (_ attempt: Int) async throws(BlueZError) -> T) async throws(BlueZError) -> T {
    var attempt = 1
    while true {
        do {
            return try await operation(attempt)
        } catch {
            guard attempt < policy.maxAttempts, isRetryable(error) else { throw error }
            await beforeRetry(attempt, error)
            do {
                try await clock.sleep(for: policy.delay(afterAttempt: attempt))
            } catch {
                throw .cancelled
            }
            attempt += 1
        }
    }
}
