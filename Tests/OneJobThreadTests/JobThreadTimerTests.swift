import CancellableTimers
import Glibc
import OneJobThread
import Testing

/// The job thread's timers (the daemon's `TimerSchedulers.current`): they go off on the thread, at or after their
/// deadlines, in deadline order; disarmed ones never; and one set from another thread while the thread waits
/// (idle, or until a later deadline) wakes it. Only lower bounds on time are asserted; an upper bound is a guard
/// of seconds that a thread never woken would miss by an hour.
@Suite struct JobThreadTimerTests {
    private struct Event: Sendable {
        let label: String
        let at: ContinuousClock.Instant
        let thread: UInt
    }

    /// Records each timer's event and hands them out in the order they came.
    private final class Events: Sendable {
        let stream: AsyncStream<Event>
        private let continuation: AsyncStream<Event>.Continuation
        init() { (stream, continuation) = AsyncStream.makeStream() }
        func action(_ label: String) -> @Sendable () -> Void {
            { [continuation] in continuation.yield(Event(label: label, at: .now, thread: UInt(pthread_self()))) }
        }
        /// The next `count` events; fails the test (and returns what came) when they do not come within `guard`.
        func next(_ count: Int, guard limit: Duration = .seconds(20)) async -> [Event] {
            let collected = Shared<[Event]>([])
            let reader = Task { [stream] in
                for await event in stream {
                    let done = collected.value.withLock { $0.append(event); return $0.count == count }
                    if done { return }
                }
            }
            let guardTask = Task {
                try? await Task.sleep(for: limit)
                reader.cancel()
            }
            await reader.value
            guardTask.cancel()
            let events = collected.value.withLock { $0 }
            #expect(events.count == count, "only \(events.count) of \(count) timers went off within \(limit)")
            return events
        }
    }

    private static func threadID(of thread: JobThread) async -> UInt {
        await Task(executorPreference: thread) { UInt(pthread_self()) }.value
    }

    @Test func timersSetFromTheThreadGoOffThereAtOrAfterTheirDeadlinesEarliestFirst() async {
        let thread = JobThread(name: "timer-test")
        let events = Events()
        let timers = Shared<[any RearmableTimer]>([])
        let start = ContinuousClock.now
        await Task(executorPreference: thread) {
            for milliseconds in [60, 20, 40] {
                let timer = thread.makeTimer(events.action("\(milliseconds)"))
                timer.set(for: start + .milliseconds(milliseconds))
                timers.value.withLock { $0.append(timer) }
            }
        }.value
        let fired = await events.next(3)
        #expect(fired.map(\.label) == ["20", "40", "60"])
        for event in fired {
            #expect(event.at - start >= .milliseconds(Int(event.label) ?? 0))
        }
        let id = await Self.threadID(of: thread)
        #expect(fired.allSatisfy { $0.thread == id })
    }

    @Test func aDisarmedTimerNeverGoesOffAndSettingAgainReplacesTheDeadline() async {
        let thread = JobThread(name: "timer-test")
        let events = Events()
        let start = ContinuousClock.now
        let disarmed = thread.makeTimer(events.action("disarmed"))
        let moved = thread.makeTimer(events.action("moved"))
        let sentinel = thread.makeTimer(events.action("sentinel"))
        disarmed.set(for: start + .milliseconds(20))
        disarmed.disarm()
        moved.set(for: start + .milliseconds(20))
        moved.set(for: start + .milliseconds(80))
        sentinel.set(for: start + .milliseconds(150))
        let fired = await events.next(2)
        #expect(fired.map(\.label) == ["moved", "sentinel"])
        #expect(fired.first.map { $0.at - start >= .milliseconds(80) } ?? false)
        // A disarmed timer can be set again.
        disarmed.set(for: .now)
        #expect(await events.next(1).map(\.label) == ["disarmed"])
    }

    @Test func aTimerSetFromAnotherThreadWakesTheThreadFromAnIdleOrLongerWait() async {
        let thread = JobThread(name: "timer-test")
        let events = Events()
        // Idle: the thread waits for a job with no deadline at all.
        let first = thread.makeTimer(events.action("from idle"))
        first.set(for: .now + .milliseconds(30))
        #expect(await events.next(1).map(\.label) == ["from idle"])
        // Asleep until an hour from now: a sooner deadline must shorten that wait.
        let far = thread.makeTimer(events.action("an hour"))
        far.set(for: .now + .seconds(3600))
        try? await Task.sleep(for: .milliseconds(20))
        let soon = thread.makeTimer(events.action("soon"))
        soon.set(for: .now + .milliseconds(30))
        #expect(await events.next(1).map(\.label) == ["soon"])
        far.disarm()
    }

    @Test func sleepsAndLimitedWaitsOfTasksOnTheThread() async throws {
        let thread = JobThread(name: "timer-test")
        let fired = FiredTimerCount()
        try await CancellableSleep.$firedTimers.withValue(fired) {
            try await Task(executorPreference: thread) {
                let start = ContinuousClock.now
                try await CancellableSleep.sleep(for: .milliseconds(30), scheduler: thread)
                #expect(ContinuousClock.now - start >= .milliseconds(30))
                let cancelled = Task(executorPreference: thread) {
                    try await CancellableSleep.sleep(for: .milliseconds(200), scheduler: thread)
                }
                try await CancellableSleep.sleep(for: .milliseconds(10), scheduler: thread)
                cancelled.cancel()
                await #expect(throws: CancellationError.self) { try await cancelled.value }
                let signal = WakeSignal(scheduler: thread)
                let waitStart = ContinuousClock.now
                await signal.wait(atMost: .milliseconds(30))
                #expect(ContinuousClock.now - waitStart >= .milliseconds(30))
                // Past the cancelled sleep's deadline: its timer must not have gone off.
                try await CancellableSleep.sleep(for: .milliseconds(300), scheduler: thread)
            }.value
        }
        #expect(fired.afterCancellation == 0)
        #expect(fired.value == 3)
    }
}
