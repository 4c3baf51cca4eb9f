import CancellableTimers
import Synchronization
import Testing

@Suite("WakeSignal, with dispatch's timers and a job thread's")
struct WakeSignalTests {
    @Test("a wait with a limit returns after the limit when nothing signals, through the signal's one timer", arguments: SchedulerKind.allCases)
    func limitedWaitTimesOut(_ kind: SchedulerKind) async {
        let signal = WakeSignal(scheduler: kind.scheduler)
        let start = ContinuousClock.now
        await signal.wait(atMost: .milliseconds(30))
        #expect(ContinuousClock.now - start >= .milliseconds(30))
        let counts = signal.timerCounts
        #expect(counts.made == 1)
        #expect(counts.events >= 1)
    }

    @Test("a signal ends a long wait, and a signal nobody waited for ends the next wait at once", arguments: SchedulerKind.allCases)
    func signalEndsWaits(_ kind: SchedulerKind) async throws {
        let signal = WakeSignal(scheduler: kind.scheduler)
        let waiter = Task { await signal.wait(atMost: .seconds(3600)) }
        try await Task.sleep(for: .milliseconds(20))
        signal.signal()
        await waiter.value
        signal.signal()
        signal.signal()
        // Two signals coalesced into one: this wait returns at once, the next one waits for its limit.
        await signal.wait(atMost: .seconds(3600))
        let start = ContinuousClock.now
        await signal.wait(atMost: .milliseconds(20))
        #expect(ContinuousClock.now - start >= .milliseconds(20))
    }

    @Test("waits reuse the one timer, set for each limited wait and disarmed when the wait is signalled: it goes off only for a wait that reached its limit",
          arguments: SchedulerKind.allCases)
    func waitsReuseOneTimer(_ kind: SchedulerKind) async throws {
        let signal = WakeSignal(scheduler: kind.scheduler)
        // Each wait is signalled long before its limit: its deadline is disarmed, nothing goes off.
        for _ in 0..<50 {
            let waiter = Task { await signal.wait(atMost: .seconds(3600)) }
            try await Task.sleep(for: .milliseconds(1))
            signal.signal()
            await waiter.value
        }
        #expect(signal.timerCounts.made <= 1)
        #expect(signal.timerCounts.events == 0)
        // A shorter limit than any before: the timer is set for it, and the wait ends at its limit.
        let start = ContinuousClock.now
        await signal.wait(atMost: .milliseconds(30))
        #expect(ContinuousClock.now - start >= .milliseconds(30))
        #expect(signal.timerCounts.made == 1)
        #expect(signal.timerCounts.events == 1)
        // A wait with a 2 s limit signalled at once, then one with a longer limit: the first deadline was disarmed
        // (a timer left set for it would go off in between), the second wait ends at its own limit. (The limits are
        // long so that a stalled machine still signals the first wait before its limit.)
        let short = Task { await signal.wait(atMost: .seconds(2)) }
        try await Task.sleep(for: .milliseconds(5))
        signal.signal()
        await short.value
        let later = ContinuousClock.now
        await signal.wait(atMost: .milliseconds(2500))
        #expect(ContinuousClock.now - later >= .milliseconds(2500))
        #expect(signal.timerCounts.made == 1)
        #expect(signal.timerCounts.events == 2)
    }

    @Test("cancelling a wait returns it without consuming a signal; a second waiter releases the first", arguments: SchedulerKind.allCases)
    func cancellation(_ kind: SchedulerKind) async throws {
        let signal = WakeSignal(scheduler: kind.scheduler)
        let cancelled = Task { await signal.wait(atMost: .seconds(3600)) }
        try await Task.sleep(for: .milliseconds(20))
        cancelled.cancel()
        await cancelled.value
        // A wait cancelled before it began returns at once too.
        let early = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            await signal.wait(atMost: .seconds(3600))
        }
        await early.value
        // The signal is untouched: a signal now is kept for the next wait.
        signal.signal()
        await signal.wait(atMost: .seconds(3600))
        // A second waiter releases the first and waits on.
        let first = Task { await signal.wait() }
        try await Task.sleep(for: .milliseconds(20))
        let secondEnded = Mutex(false)
        let second = Task {
            await signal.wait(atMost: .seconds(3600))
            secondEnded.withLock { $0 = true }
        }
        await first.value
        #expect(!secondEnded.withLock { $0 })
        signal.signal()
        await second.value
    }
}
