import Dispatch
import Synchronization

/// `Task.sleep` whose timer goes away when the sleep is cancelled.
///
/// Why not `Task.sleep`: on Linux a cancelled `Task.sleep` returns at once, but the runtime's timer stays
/// armed and still wakes the process at the original deadline (measured with strace: 40 cancelled 5 s sleeps
/// gave ~330 futex/epoll events five seconds later; the same 40 sleeps here gave none). The forwarder races a
/// 30 s idle sleep against "something was queued" for every reading, so after a burst of readings the daemon
/// kept waking for half a minute with nothing to do (issue 16: 83 wake-ups/s "idle" after load). Here the
/// sleep is a `DispatchSourceTimer` that cancellation cancels, which removes it from dispatch's timer list.
public enum CancellableSleep {
    /// Sleeps for `duration`; throws `CancellationError` at once (and disarms the timer) when the task is
    /// cancelled, before or during the sleep, like `Task.sleep(for:)`.
    public static func sleep(for duration: Duration) async throws {
        try await sleep(until: ContinuousClock.now.advanced(by: duration))
    }

    /// Sleeps until `deadline` on the continuous clock; cancellation as `sleep(for:)`.
    public static func sleep(until deadline: ContinuousClock.Instant) async throws {
        let sleeper = ArmedTimer()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                sleeper.arm(continuation: continuation, remaining: deadline - ContinuousClock.now)
            }
        } onCancel: {
            sleeper.fire()
        }
        try Task.checkCancellation()
    }

    /// How many timers have fired so far (process-wide): lets a test tell a cancelled sleep's timer from one
    /// that still went off, without asserting anything about wall-clock time.
    public static var timersFired: Int { ArmedTimer.fired.load(ordering: .relaxed) }
}

/// One sleep's timer and continuation; whichever comes first (the deadline or cancellation) resumes the sleeper
/// once and cancels the timer.
private final class ArmedTimer: Sendable {
    static let fired = Atomic<Int>(0)

    private struct State {
        var timer: (any DispatchSourceTimer)?
        var continuation: CheckedContinuation<Void, Never>?
        var finished = false
    }

    private let state = Mutex(State())

    func arm(continuation: CheckedContinuation<Void, Never>, remaining: Duration) {
        guard remaining > .zero else { return continuation.resume() }
        // Everything under the lock that `fire` takes: a cancellation that came first (finished) resumes here
        // instead, and the timer (not Sendable) never leaves the lock.
        let armed = state.withLock { state -> Bool in
            guard !state.finished else { return false }
            let timer = DispatchSource.makeTimerSource(queue: .global())
            timer.setEventHandler { [self] in
                Self.fired.add(1, ordering: .relaxed)
                fire()
            }
            timer.schedule(deadline: .now() + Self.dispatchInterval(remaining))
            state.timer = timer
            state.continuation = continuation
            timer.resume()
            return true
        }
        if !armed { continuation.resume() }
    }

    /// Resumes the sleeper (if still asleep) and disarms the timer; later calls do nothing.
    func fire() {
        let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.finished = true
            // Cancelling removes the timer from dispatch's list; its handler may be queued already, which
            // only calls this again (nothing left to do).
            state.timer?.cancel()
            defer { state.timer = nil; state.continuation = nil }
            return state.continuation
        }
        continuation?.resume()
    }

    /// Dispatch counts in nanoseconds; a sleep longer than Int.max ns (292 years) is that long.
    private static func dispatchInterval(_ duration: Duration) -> DispatchTimeInterval {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return .never }
        let (total, overflowAgain) = whole.addingReportingOverflow(attoseconds / 1_000_000_000)
        return overflowAgain ? .never : .nanoseconds(Int(total))
    }
}
