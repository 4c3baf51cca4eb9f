import Synchronization

/// The caller's side of one outstanding method call: resumed exactly once, by the reply, by a timeout
/// reply, by cancellation or by the connection closing, whichever comes first.
final class CallState: Sendable {
    typealias Continuation = CheckedContinuation<Result<DBusReply, DBusError>, Never>

    private enum Phase {
        case idle
        case waiting(Continuation)
        case cancelledEarly
        case finished
    }

    private let phase = Mutex(Phase.idle)

    /// Stores the continuation; false when the call was cancelled before it got this far.
    func install(_ continuation: Continuation) -> Bool {
        phase.withLock { phase in
            if case .cancelledEarly = phase { return false }
            phase = .waiting(continuation)
            return true
        }
    }

    var isFinished: Bool {
        phase.withLock { phase in
            switch phase {
            case .idle, .waiting: false
            case .cancelledEarly, .finished: true
            }
        }
    }

    /// Resumes the caller with `result` unless someone already did.
    func resume(_ result: Result<DBusReply, DBusError>) {
        let continuation: Continuation? = phase.withLock { phase in
            guard case .waiting(let continuation) = phase else { return nil }
            phase = .finished
            return continuation
        }
        continuation?.resume(returning: result)
    }

    /// Cancels the call; true when the caller was waiting (so the pending call must be dropped too).
    func cancel() -> Bool {
        let continuation: Continuation? = phase.withLock { phase in
            switch phase {
            case .idle:
                phase = .cancelledEarly
                return nil
            case .waiting(let continuation):
                phase = .finished
                return continuation
            case .cancelledEarly, .finished:
                return nil
            }
        }
        continuation?.resume(returning: .failure(.cancelled))
        return continuation != nil
    }
}
