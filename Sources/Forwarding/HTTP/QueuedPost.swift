import Synchronization

/// A POST queued on a transport behind the one before it: sent the moment that one's answer is in, if the answer
/// passes the caller's test, and not sent at all otherwise.
///
/// Why (issue 16, the backlog drain): between the receiver's answer to Bundle N and the first byte of N+1 the
/// connection sat idle while N's answer travelled from libcurl's thread through two tasks to the forwarder, and
/// N+1's request back through a new task to libcurl's thread — 2.2 ms median (p90 4.7) per Bundle at the
/// receiver (`strace`), about a tenth of a Bundle's time, where curl's own `--next` goes straight on. Queued here,
/// N+1 is already waiting on libcurl's thread and goes out right after N's answer, on the same kept-alive
/// connection, exactly as curl does it: still one request at a time, in order.
public final class QueuedPost: Sendable {
    public typealias Answer = Result<HTTPResponse, TransportError>

    private struct State {
        var done = false
        /// Nil when the post was not sent (the one before it failed the test, or was not sent either).
        var answer: Answer?
        var waiters: [CheckedContinuation<Answer?, Never>] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// The answer, once there is one; nil when the post was not sent.
    public func answer() async -> Answer? {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state -> Answer?? in
                guard state.done else {
                    state.waiters.append(continuation)
                    return .none
                }
                return .some(state.answer)
            }
            if case let .some(answer) = done { continuation.resume(returning: answer) }
        }
    }

    /// For the transport, without waiting: the answer of a post that was sent and answered; nil while it is still
    /// pending or when it was not sent.
    public var answerIfSent: Answer? {
        state.withLock { $0.answer }
    }

    /// For the transport: the post was sent and answered (`answer`), or not sent (nil). Once only.
    public func complete(_ answer: Answer?) {
        let waiters = state.withLock { state -> [CheckedContinuation<Answer?, Never>] in
            guard !state.done else { return [] }
            state.done = true
            state.answer = answer
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: answer) }
    }
}

extension FHIRTransport {
    /// Sends `body` after `previous` has its answer, if `sendIf` accepts that answer (no `previous`: at once); a
    /// `previous` not sent means this one is not sent either. This default waits in a task of its own; a transport
    /// that owns its connection's thread queues the post there (`CurlTransport`).
    public func post(
        _ body: [UInt8], after previous: QueuedPost?, sendIf: @escaping @Sendable (QueuedPost.Answer) -> Bool
    ) -> QueuedPost {
        let queued = QueuedPost()
        Task {
            if let previous {
                guard let answer = await previous.answer(), sendIf(answer) else { return queued.complete(nil) }
            }
            queued.complete(await answer(posting: body))
        }
        return queued
    }

    /// Posts `body`; the answer or the transport's failure, as a value. Not isolated to the caller: the forwarder
    /// claims and builds the next Bundle while this one is on the wire.
    func answer(posting body: [UInt8]) async -> QueuedPost.Answer {
        do throws(TransportError) {
            return .success(try await post(body))
        } catch {
            return .failure(error)
        }
    }
}
