import CancellableTimers
import Synchronization
import Testing

@Suite("DeadlineTimer")
struct DeadlineTimerTests {
    @Test("a timer left alone calls its handler once")
    func firesOnce() async throws {
        let calls = Calls()
        let timer = DeadlineTimer(after: .milliseconds(20)) { calls.count.add(1, ordering: .relaxed) }
        let deadline = ContinuousClock.now + .seconds(30)
        while calls.count.load(ordering: .relaxed) == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        try await Task.sleep(for: .milliseconds(100))
        #expect(calls.count.load(ordering: .relaxed) == 1)
        timer.cancel()  // after it went off: nothing happens
        #expect(calls.count.load(ordering: .relaxed) == 1)
    }

    @Test("a cancelled timer never calls its handler")
    func cancelledNeverFires() async throws {
        let calls = Calls()
        let timer = DeadlineTimer(after: .milliseconds(200)) { calls.count.add(1, ordering: .relaxed) }
        timer.cancel()
        timer.cancel()
        // Well past the deadline: an armed timer would have gone off by now.
        try await Task.sleep(for: .milliseconds(500))
        #expect(calls.count.load(ordering: .relaxed) == 0)
    }
}

/// How many times a handler ran (a class: an atomic cannot be captured by the escaping handler itself).
private final class Calls: Sendable {
    let count = Atomic<Int>(0)
}
