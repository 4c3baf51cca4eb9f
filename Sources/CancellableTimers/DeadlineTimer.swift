import Dispatch
import Synchronization

/// Calls a handler once after a delay unless cancelled first: a timeout guarding a wait, without a task of its own.
///
/// Why not a task that sleeps (`CancellableSleep`) and then acts: such a task costs a thread hop to start and
/// another to end when its wait is cancelled, which for a guard that almost never fires is most of its cost (issue 16:
/// every `ObjectManagerMirror.waitFor` had one, and a visit's end cancelled them). Here cancelling only disarms
/// the dispatch timer.
public final class DeadlineTimer: Sendable {
    private let timer = Mutex<(any DispatchSourceTimer)?>(nil)

    /// Arms the timer: `handler` runs on a global queue after `delay`, unless `cancel()` came first.
    public init(after delay: Duration, _ handler: @escaping @Sendable () -> Void) {
        timer.withLock { slot in
            let source = DispatchSource.makeTimerSource(queue: .global())
            source.setEventHandler { [weak self] in
                // Whoever takes the timer out first (this, or `cancel`) decides: a handler already queued when
                // `cancel` ran finds nothing and does nothing.
                guard let self, self.take() != nil else { return }
                handler()
            }
            source.schedule(deadline: .now() + CancellableSleep.dispatchInterval(delay))
            slot = source
            source.resume()
        }
    }

    /// Disarms the timer; the handler will not run (if it has not already). Later calls do nothing.
    public func cancel() {
        take()?.cancel()
    }

    deinit { cancel() }

    private func take() -> (any DispatchSourceTimer)? {
        timer.withLock { slot in defer { slot = nil }; return slot }
    }
}
