import Synchronization

/// A "something changed" flag a loop waits on alongside a timer: the forwarder's "something was queued", the
/// technical alerts' "an alert was raised or cleared". Waiting on it costs no wake-up until it is signalled.
///
/// Not an `AsyncStream`: cancelling a task that waits in an `AsyncStream`'s `next()` finishes the stream
/// for good, so after the first idle timeout every later wait returned at once and the forwarder polled the
/// database in a busy loop. Here a cancelled wait leaves the signal as it was, and a wake that comes while
/// nobody waits is kept for the next wait (several coalesce into one).
///
/// A wait with a limit (`wait(atMost:)`) uses one timer that lives as long as the signal, not a timer and two
/// child tasks per wait (issue 16): the forwarder waits like this after every reading, for the next one or for
/// its deferred delivery mark (250 ms), and a new `DispatchSourceTimer` armed and cancelled for each wait, with
/// the task group racing it, was 2 % of the daemon's CPU under load (`perf`, 20 readings/s). The timer is set for
/// each limited wait's deadline and disarmed when the wait ends otherwise, so it goes off only for a wait that
/// reached its limit: in the daemon it is the job thread's (`TimerSchedulers`), where setting and disarming it
/// from a task costs no system call and no wake-up.
public final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
        /// Which wait `waiter` belongs to: a cancellation of an earlier wait must not release a later one.
        var waiterID: UInt64 = 0
        var lastID: UInt64 = 0
        /// The current waiter's deadline, when its wait has a limit (the timer is set for it then).
        var deadline: ContinuousClock.Instant?
        /// The one timer, made at the first wait with a limit.
        var timer: (any RearmableTimer)?
        var timersMade = 0
        var timerEvents = 0
    }

    private let state = Mutex(State())
    private let scheduler: any TimerScheduler

    /// A signal whose limited waits are timed by `scheduler`.
    public init(scheduler: any TimerScheduler = TimerSchedulers.current) {
        self.scheduler = scheduler
    }

    deinit {
        state.withLock { $0.timer?.disarm() }
    }

    /// Wakes the current waiter, or the next one.
    public func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            Self.clearDeadline(&state)
            return waiter
        }
        waiter?.resume()
    }

    /// Returns once signalled (at once if a signal came since the last wait) or when the task is cancelled,
    /// which consumes no signal. One waiter at a time: a second one releases the first.
    public func wait() async {
        await wait(until: nil)
    }

    /// Waits until signalled or until `limit` has passed (or the task is cancelled), whichever comes first.
    public func wait(atMost limit: Duration) async {
        await wait(until: ContinuousClock.now.advanced(by: limit))
    }

    /// Timer sources this signal made (one at most) and the times its timer went off: lets a test check that
    /// waits reuse the one timer, without asserting anything about time.
    public var timerCounts: (made: Int, events: Int) {
        state.withLock { ($0.timersMade, $0.timerEvents) }
    }

    private func wait(until deadline: ContinuousClock.Instant?) async {
        let id = state.withLock { state -> UInt64 in
            state.lastID &+= 1
            return state.lastID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let (released, resumeNow) = state.withLock { state -> (CheckedContinuation<Void, Never>?, Bool) in
                    if state.pending {
                        state.pending = false
                        return (nil, true)
                    }
                    // Checked under the lock that the cancellation handler takes: a cancellation either
                    // comes before this (seen here) or after the waiter is in place (resumed there).
                    if Task.isCancelled { return (nil, true) }
                    if let deadline, deadline <= .now { return (nil, true) }
                    let released = state.waiter
                    state.waiter = continuation
                    state.waiterID = id
                    if let deadline {
                        state.deadline = deadline
                        setTimer(&state, for: deadline)
                    } else {
                        Self.clearDeadline(&state)
                    }
                    return (released, false)
                }
                released?.resume()
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard state.waiterID == id, let waiter = state.waiter else { return nil }
                state.waiter = nil
                Self.clearDeadline(&state)
                return waiter
            }?.resume()
        }
    }

    /// Sets the one timer (made at the first limited wait) for `deadline`. Called under the lock.
    private func setTimer(_ state: inout State, for deadline: ContinuousClock.Instant) {
        let timer: any RearmableTimer
        if let made = state.timer {
            timer = made
        } else {
            timer = scheduler.makeTimer { [weak self] in self?.timerWentOff() }
            state.timer = timer
            state.timersMade += 1
        }
        timer.set(for: deadline)
    }

    /// The waiter left before its limit: its timer need not go off. Called under the lock.
    private static func clearDeadline(_ state: inout State) {
        if state.deadline != nil { state.timer?.disarm() }
        state.deadline = nil
    }

    private func timerWentOff() {
        let expired = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.timerEvents += 1
            // The timer is set for the current waiter's deadline whenever there is one; an event for anything else
            // (a wait that ended meanwhile) has nothing to release.
            guard let waiter = state.waiter, let deadline = state.deadline, deadline <= .now else { return nil }
            state.waiter = nil
            state.deadline = nil
            return waiter
        }
        expired?.resume()
    }
}
