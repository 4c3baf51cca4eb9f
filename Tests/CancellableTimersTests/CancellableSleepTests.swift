import CancellableTimers
import Testing

@Suite("CancellableSleep, with dispatch's timers and a job thread's")
struct CancellableSleepTests {
    @Test("a sleep lasts at least its duration and its timer fires once", arguments: SchedulerKind.allCases)
    func sleepsItsDuration(_ kind: SchedulerKind) async throws {
        let fired = FiredTimerCount()
        try await CancellableSleep.$firedTimers.withValue(fired) {
            let start = ContinuousClock.now
            try await CancellableSleep.sleep(for: .milliseconds(30), scheduler: kind.scheduler)
            #expect(ContinuousClock.now - start >= .milliseconds(30))
        }
        #expect(fired.value == 1)
    }

    @Test("cancelling a sleep throws CancellationError and its timer never fires", arguments: SchedulerKind.allCases)
    func cancelledSleepDisarmsItsTimer(_ kind: SchedulerKind) async throws {
        let fired = FiredTimerCount()
        let sleeper = CancellableSleep.$firedTimers.withValue(fired) {
            Task { try await CancellableSleep.sleep(for: .milliseconds(200), scheduler: kind.scheduler) }
        }
        try await Task.sleep(for: .milliseconds(20))
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        // Past the original deadline: Task.sleep's timer would have gone off by now. (On a stalled machine the
        // deadline may pass before the cancellation; such a timer going off is no fault, and not counted.)
        try await Task.sleep(for: .milliseconds(400))
        #expect(fired.afterCancellation == 0)
    }

    @Test("a task cancelled before it sleeps does not sleep", arguments: SchedulerKind.allCases)
    func cancelledBeforeSleeping(_ kind: SchedulerKind) async throws {
        let fired = FiredTimerCount()
        let sleeper = CancellableSleep.$firedTimers.withValue(fired) {
            Task {
                withUnsafeCurrentTask { $0?.cancel() }
                try await CancellableSleep.sleep(for: .seconds(3600), scheduler: kind.scheduler)
            }
        }
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        #expect(fired.value == 0)
    }

    @Test("a deadline in the past returns at once without a timer", arguments: SchedulerKind.allCases)
    func pastDeadline(_ kind: SchedulerKind) async throws {
        let fired = FiredTimerCount()
        try await CancellableSleep.$firedTimers.withValue(fired) {
            try await CancellableSleep.sleep(until: .now - .seconds(1), scheduler: kind.scheduler)
            try await CancellableSleep.sleep(for: .zero, scheduler: kind.scheduler)
        }
        #expect(fired.value == 0)
    }
}
