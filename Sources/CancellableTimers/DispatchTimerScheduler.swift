import Dispatch
import Synchronization

/// Timers as dispatch sources on the global queue: what a process without the job thread (the tools, the tests,
/// the benchmarks' in-process forwarder) times its sleeps and waits with.
public struct DispatchTimerScheduler: TimerScheduler {
    public static let shared = DispatchTimerScheduler()

    public func makeTimer(_ action: @escaping @Sendable () -> Void) -> any RearmableTimer {
        DispatchRearmableTimer(action)
    }
}

/// One dispatch source, made when first set, moved at every set and cancelled (removed from dispatch's timer list)
/// when the timer is gone. A disarmed timer never calls its action later, unlike a cancelled `Task.sleep`'s.
private final class DispatchRearmableTimer: RearmableTimer {
    private struct State {
        var source: (any DispatchSourceTimer)?
        /// The deadline the timer is set for; nil when disarmed. An event of the source set for an earlier deadline
        /// (its handler may be queued already when the source is moved) finds it still ahead and is dropped.
        var due: ContinuousClock.Instant?
    }

    private let action: @Sendable () -> Void
    // The source is not Sendable: it never leaves the lock.
    private let state = Mutex(State())

    init(_ action: @escaping @Sendable () -> Void) {
        self.action = action
    }

    deinit {
        state.withLock { $0.source?.cancel() }
    }

    func set(for deadline: ContinuousClock.Instant) {
        state.withLock { state in
            let source: any DispatchSourceTimer
            if let made = state.source {
                source = made
            } else {
                source = DispatchSource.makeTimerSource(queue: .global())
                source.setEventHandler { [weak self] in self?.wentOff() }
                source.resume()
                state.source = source
            }
            state.due = deadline
            // Dispatch's clock read after the continuous clock: the source goes off at the deadline or after it.
            source.schedule(deadline: .now() + DispatchTimeInterval(clamping: deadline - .now))
        }
    }

    func disarm() {
        state.withLock { state in
            guard state.due != nil else { return }
            state.due = nil
            state.source?.schedule(deadline: .distantFuture)
        }
    }

    private func wentOff() {
        let reached = state.withLock { state -> Bool in
            guard let due = state.due, due <= .now else { return false }
            state.due = nil
            return true
        }
        if reached { action() }
    }
}
