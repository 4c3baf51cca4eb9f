import CancellableTimers
import Testing

@Suite("CancellableSleep", .serialized)
struct CancellableSleepTests {
    @Test("a sleep lasts at least its duration and its timer fires once")
    func sleepsItsDuration() async throws {
        let before = CancellableSleep.timersFired
        let start = ContinuousClock.now
        try await CancellableSleep.sleep(for: .milliseconds(30))
        #expect(ContinuousClock.now - start >= .milliseconds(30))
        #expect(CancellableSleep.timersFired == before + 1)
    }

    @Test("cancelling a sleep throws CancellationError and its timer never fires")
    func cancelledSleepDisarmsItsTimer() async throws {
        let before = CancellableSleep.timersFired
        let sleeper = Task { try await CancellableSleep.sleep(for: .milliseconds(200)) }
        try await Task.sleep(for: .milliseconds(20))
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        // Past the original deadline: Task.sleep's timer would have gone off by now.
        try await Task.sleep(for: .milliseconds(400))
        #expect(CancellableSleep.timersFired == before)
    }

    @Test("a task cancelled before it sleeps does not sleep")
    func cancelledBeforeSleeping() async throws {
        let before = CancellableSleep.timersFired
        let sleeper = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await CancellableSleep.sleep(for: .seconds(3600))
        }
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        #expect(CancellableSleep.timersFired == before)
    }

    @Test("a deadline in the past returns at once without a timer")
    func pastDeadline() async throws {
        let before = CancellableSleep.timersFired
        try await CancellableSleep.sleep(until: .now - .seconds(1))
        try await CancellableSleep.sleep(for: .zero)
        #expect(CancellableSleep.timersFired == before)
    }
}
