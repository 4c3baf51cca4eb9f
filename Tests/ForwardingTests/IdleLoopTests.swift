import Forwarding
import Foundation
import Logging
import Synchronization
import Testing

/// A sleeper whose sleeps end only when the test releases them (or the sleeping task is cancelled) and which
/// reports each step, with the test's own marks in between: the forwarder's idle loop step by step, in order,
/// without any wall-clock timing.
final class GatedSleeper: Sendable {
    enum Event: Sendable, Equatable {
        case requested(Int, Duration)
        case cancelled(Int)
        case mark(String)
    }

    private struct State {
        var requested = 0
        var gates: [Int: CheckedContinuation<Void, any Error>] = [:]
    }

    private let state = Mutex(State())
    let events: AsyncStream<Event>
    private let log: AsyncStream<Event>.Continuation

    init() {
        (events, log) = AsyncStream.makeStream(of: Event.self)
    }

    var requested: Int { state.withLock { $0.requested } }

    var sleeper: Sleeper { Sleeper { [self] duration in try await sleep(duration) } }

    func mark(_ text: String) { log.yield(.mark(text)) }

    func release(_ number: Int) {
        state.withLock { $0.gates.removeValue(forKey: number) }?.resume()
    }

    private func sleep(_ duration: Duration) async throws {
        let number = state.withLock { state in
            state.requested += 1
            return state.requested
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (gate: CheckedContinuation<Void, any Error>) in
                let cancelled = state.withLock { state -> Bool in
                    if Task.isCancelled { return true }
                    state.gates[number] = gate
                    return false
                }
                log.yield(.requested(number, duration))
                if cancelled {
                    log.yield(.cancelled(number))
                    gate.resume(throwing: CancellationError())
                }
            }
        } onCancel: {
            guard let gate = state.withLock({ $0.gates.removeValue(forKey: number) }) else { return }
            log.yield(.cancelled(number))
            gate.resume(throwing: CancellationError())
        }
    }
}

@Suite struct IdleLoopTests {
    /// A forwarder whose idle waits (30 s poll interval) go through `gate`; it records each delivery at once
    /// (no `deliveryMarkDelay` wait: `LiveFlowTests` has those).
    static func forwarder(_ harness: Harness, _ gate: GatedSleeper) throws -> Forwarder {
        Forwarder(
            store: harness.store, transport: try CurlTransport(endpoint: try harness.endpoint()), mapper: harness.mapper,
            configuration: ForwarderConfiguration(idlePollInterval: .seconds(30), deliveryMarkDelay: .zero),
            logger: Logger(label: "test.forwarding"), sleeper: gate.sleeper)
    }

    /// The idle poll timing out must not break `wake()`: before the fix the wake-ups came through an
    /// AsyncStream, which the first timed-out wait finished for good, so every later wait returned at once and
    /// the daemon polled its database in a busy loop (40–90 % of a core while idle, found by `bench resources`).
    @Test func anIdleTimeoutLeavesTheLoopWaitingForTheNextWakeUp() async throws {
        let harness = try await Harness()
        let gate = GatedSleeper()
        let forwarder = try Self.forwarder(harness, gate)
        let run = Task { await forwarder.run() }
        var events = gate.events.makeAsyncIterator()

        // Nothing queued: it waits for the idle poll interval, which passes.
        #expect(await events.next() == .requested(1, .seconds(30)))
        gate.release(1)
        // It looks again, finds nothing and waits again; nothing ends that wait but a wake-up.
        #expect(await events.next() == .requested(2, .seconds(30)))
        let ids = try await harness.ingestReadings(1)
        gate.mark("woken")
        forwarder.wake()
        #expect(await events.next() == .mark("woken"))
        #expect(await events.next() == .cancelled(2))
        // The reading goes out, then it waits again.
        #expect(await events.next() == .requested(3, .seconds(30)))
        #expect(try await harness.createdObservations()[ids[0].rawValue] == 1)

        run.cancel()
        await run.value
        #expect(await events.next() == .cancelled(3))
        #expect(gate.requested == 3)
    }

    /// Wake-ups that come while nobody waits are kept for the next wait and coalesce: one more look, not three.
    @Test func wakeUpsWhileNobodyWaitsAreKeptAndCoalesce() async throws {
        let harness = try await Harness()
        let gate = GatedSleeper()
        let forwarder = try Self.forwarder(harness, gate)
        forwarder.wake()
        forwarder.wake()
        forwarder.wake()
        let run = Task { await forwarder.run() }
        var events = gate.events.makeAsyncIterator()
        // The first wait ends at once (the kept wake-up) and its timer with it; the second one waits.
        #expect(await events.next() == .requested(1, .seconds(30)))
        #expect(await events.next() == .cancelled(1))
        #expect(await events.next() == .requested(2, .seconds(30)))
        run.cancel()
        await run.value
        #expect(await events.next() == .cancelled(2))
        #expect(gate.requested == 2)
    }
}
