import Synchronization

/// `Task.sleep` whose timer goes away when the sleep is cancelled.
///
/// Why not `Task.sleep`: on Linux a cancelled `Task.sleep` returns at once, but the runtime's timer stays
/// armed and still wakes the process at the original deadline (measured with strace: 40 cancelled 5 s sleeps
/// gave ~330 futex/epoll events five seconds later; the same 40 sleeps here gave none). The forwarder races a
/// 30 s idle sleep against "something was queued" for every reading, so after a burst of readings the daemon
/// kept waking for half a minute with nothing to do (issue 16: 83 wake-ups/s "idle" after load). Here the
/// sleep is a `RearmableTimer` (the job thread's in the daemon, a dispatch source elsewhere) that cancellation
/// disarms.
public enum CancellableSleep {
    /// Sleeps for `duration`; throws `CancellationError` at once (and disarms the timer) when the task is
    /// cancelled, before or during the sleep, like `Task.sleep(for:)`.
    public static func sleep(for duration: Duration, scheduler: any TimerScheduler = TimerSchedulers.current) async throws {
        try await sleep(until: ContinuousClock.now.advanced(by: duration), scheduler: scheduler)
    }

    /// Sleeps until `deadline` on the continuous clock; cancellation as `sleep(for:)`.
    public static func sleep(until deadline: ContinuousClock.Instant,
                             scheduler: any TimerScheduler = TimerSchedulers.current) async throws {
        let sleeper = ArmedTimer()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                sleeper.arm(continuation: continuation, deadline: deadline, scheduler: scheduler)
            }
        } onCancel: {
            sleeper.fire()
        }
        try Task.checkCancellation()
    }

    /// Counts the timers that go off for sleeps started with it bound (children inherit it), and those that
    /// went off although their sleep had been cancelled before its deadline (what `Task.sleep` does and this
    /// must never do): lets a test check the disarming without asserting anything about time, and without
    /// counting the sleeps of other code running at the same time.
    @TaskLocal public static var firedTimers: FiredTimerCount?
}

/// How many timers went off (see `CancellableSleep.firedTimers`).
public final class FiredTimerCount: Sendable {
    private let count = Atomic<Int>(0)
    private let late = Atomic<Int>(0)
    public init() {}
    /// Timers that went off.
    public var value: Int { count.load(ordering: .relaxed) }
    /// Timers that went off after their sleep was cancelled ahead of the deadline.
    public var afterCancellation: Int { late.load(ordering: .relaxed) }
    func record(afterCancellation wasLate: Bool) {
        count.add(1, ordering: .relaxed)
        if wasLate { late.add(1, ordering: .relaxed) }
    }
}

/// One sleep's timer and continuation; whichever comes first (the deadline or cancellation) resumes the sleeper
/// once and disarms the timer.
private final class ArmedTimer: Sendable {
    private struct State {
        var timer: (any RearmableTimer)?
        var continuation: CheckedContinuation<Void, Never>?
        var finished = false
        var deadline: ContinuousClock.Instant?
        /// Cancelled while the deadline was still ahead: a timer going off after that was not disarmed.
        var cancelledAhead = false
    }

    private let state = Mutex(State())

    func arm(continuation: CheckedContinuation<Void, Never>, deadline: ContinuousClock.Instant, scheduler: any TimerScheduler) {
        guard deadline > .now else { return continuation.resume() }
        let counter = CancellableSleep.firedTimers
        // The timer holds this sleeper until `fire` lets go of the timer (every sleep ends there), so a timer
        // that went off although disarmed would still be counted.
        let timer = scheduler.makeTimer { [self] in
            let wasLate = fire(byTimer: true)
            counter?.record(afterCancellation: wasLate)
        }
        // Set under the lock that `fire` takes: a cancellation that came first (finished) resumes here instead.
        let armed = state.withLock { state -> Bool in
            guard !state.finished else { return false }
            state.deadline = deadline
            state.timer = timer
            state.continuation = continuation
            timer.set(for: deadline)
            return true
        }
        if !armed { continuation.resume() }
    }

    /// Resumes the sleeper (if still asleep) and disarms the timer; later calls do nothing. Returns, for the
    /// timer's own call, whether the sleep had been cancelled ahead of its deadline (the timer should be gone).
    @discardableResult
    func fire(byTimer: Bool = false) -> Bool {
        let (continuation, wasLate) = state.withLock { state -> (CheckedContinuation<Void, Never>?, Bool) in
            let wasLate = byTimer && state.finished && state.cancelledAhead
            if !byTimer, !state.finished, let deadline = state.deadline, ContinuousClock.now < deadline {
                state.cancelledAhead = true
            }
            state.finished = true
            state.timer?.disarm()
            defer { state.timer = nil; state.continuation = nil }
            return (state.continuation, wasLate)
        }
        continuation?.resume()
        return wasLate
    }
}
