import Synchronization

/// A "something changed" flag a loop waits on alongside a timer: the forwarder's "something was queued", the
/// technical alerts' "an alert was raised or cleared". Waiting on it costs no wake-up until it is signalled.
///
/// Not an `AsyncStream`: cancelling a task that waits in an `AsyncStream`'s `next()` finishes the stream
/// for good, so after the first idle timeout every later wait returned at once and the forwarder polled the
/// database in a busy loop. Here a cancelled wait leaves the signal as it was, and a wake that comes while
/// nobody waits is kept for the next wait (several coalesce into one).
public final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    public init() {}

    /// Wakes the current waiter, or the next one.
    public func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns once signalled (at once if a signal came since the last wait) or when the task is cancelled,
    /// which consumes no signal. One waiter at a time: a second one releases the first.
    public func wait() async {
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
                    defer { state.waiter = continuation }
                    return (state.waiter, false)
                }
                released?.resume()
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { state in defer { state.waiter = nil }; return state.waiter }?.resume()
        }
    }
}

extension WakeSignal {
    /// Waits until signalled or until `limit` has passed (or the task is cancelled), whichever comes first.
    public func wait(atMost limit: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await CancellableSleep.sleep(for: limit) }
            group.addTask { await self.wait() }
            await group.next()
            group.cancelAll()
        }
    }
}
