import Synchronization

/// A value delivered once, awaited once: the answer to a request sent to a device (a Record Access Control
/// Point response), armed before the request is written so that a fast answer cannot be missed.
public final class OneShot<Value: Sendable>: Sendable {
    private enum State {
        case empty
        case waiting(CheckedContinuation<Value?, Never>)
        case delivered(Value?)
    }
    private let state = Mutex<State>(.empty)

    public init() {}

    /// Delivers `value` (nil: abandoned). Later deliveries are ignored.
    public func deliver(_ value: Value?) {
        let waiter = state.withLock { state -> CheckedContinuation<Value?, Never>? in
            switch state {
            case let .waiting(continuation):
                state = .delivered(value)
                return continuation
            case .empty:
                state = .delivered(value)
                return nil
            case .delivered:
                return nil
            }
        }
        waiter?.resume(returning: value)
    }

    /// The delivered value, waiting for it if needed; nil when abandoned or when the waiting task is cancelled.
    public func value() async -> Value? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Value?? in
                    switch state {
                    case .empty:
                        state = .waiting(continuation)
                        return nil
                    case let .delivered(value):
                        return .some(value)
                    case .waiting:
                        return .some(nil)  // a second waiter is a programming error; answer "abandoned"
                    }
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            deliver(nil)
        }
    }
}
