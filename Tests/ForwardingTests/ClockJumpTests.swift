import Forwarding
import Foundation
import Logging
import ReadingStore
import Synchronization
import Testing

/// The wall clock jumping while items wait for a retry. Retry times are stored as wall-clock instants, so
/// without care a clock set back by a day holds every waiting item back by a day.
@Suite struct ClockJumpTests {
    /// A wall clock the test sets; the monotonic clock stays real.
    final class AdjustableWallClock: Sendable {
        private let offset = Mutex<TimeInterval>(0)
        func set(_ seconds: TimeInterval) { offset.withLock { $0 = seconds } }
        func now() -> Date { Date().addingTimeInterval(offset.withLock { $0 }) }
    }

    func forwarder(_ harness: Harness, clock: ScheduleClock, retry: DeliveryBackoff) throws -> Forwarder {
        Forwarder(
            store: harness.store, transport: try CurlTransport(endpoint: harness.endpoint()), mapper: harness.mapper,
            configuration: ForwarderConfiguration(batchSize: 10, retry: retry),
            logger: Logger(label: "test.forwarding"), sleeper: harness.sleeper.sleeper, clock: clock)
    }

    /// Drains, giving up (cancelling) after `limit`: a forwarder that waits for the wrong clock never finishes.
    static func drain(_ forwarder: Forwarder, within limit: Duration) async -> DrainReport {
        await withTaskGroup(of: DrainReport?.self) { group in
            group.addTask { await forwarder.drain() }
            group.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
            var report = DrainReport()
            if let first = await group.next(), let finished = first { report = finished }
            group.cancelAll()
            if let second = await group.next(), let finished = second { report = finished }
            return report
        }
    }

    @Test func theScheduleClockNeverRunsBackwards() {
        let wall = AdjustableWallClock()
        let clock = ScheduleClock(wall: { wall.now() })
        let first = clock.now()
        wall.set(-86_400)
        let afterJumpBack = clock.now()
        #expect(afterJumpBack >= first)
        #expect(afterJumpBack.timeIntervalSince(first) < 5)
        wall.set(3 * 86_400)
        #expect(clock.now().timeIntervalSince(first) > 2 * 86_400)   // forward jumps are followed
    }

    @Test func aClockSetBackADayDoesNotHoldBackWaitingItems() async throws {
        let harness = try await Harness()
        let wall = AdjustableWallClock()
        // Retry-After may be honoured for an hour, so only the monotonic schedule (not the cap) can help here.
        let retry = DeliveryBackoff(baseDelay: .milliseconds(10), maximumDelay: .milliseconds(40), maximumRetryAfter: .seconds(3600))
        let forwarder = try forwarder(harness, clock: ScheduleClock(wall: { wall.now() }), retry: retry)
        let ids = try await harness.ingestReadings(3)
        try await harness.receiver.down()
        let failed = await forwarder.forwardOnce()
        #expect(failed.failure != nil && failed.claimed == 3)

        // The hub's clock is corrected back by a day while the items wait for their retry.
        wall.set(-86_400)
        try await harness.receiver.up()
        let report = await Self.drain(forwarder, within: .seconds(60))
        #expect(report.delivered == 3)
        #expect(harness.sleeper.delays.allSatisfy { $0 <= .milliseconds(40) }, "\(harness.sleeper.delays)")
        #expect(Set(try await harness.createdObservations().keys).isSuperset(of: ids.map(\.rawValue)))
    }

    @Test func retryTimesSetByAClockThatWasAheadArePulledInAfterARestart() async throws {
        let harness = try await Harness()
        let ids = try await harness.ingestReadings(2)
        // A previous run (its clock a day ahead) scheduled the retries; this run's clock is right.
        let claimed = try await harness.store.claimBatch(limit: 10)
        try await harness.store.scheduleRetry(claimed.map(\.id), notBefore: Date().addingTimeInterval(86_400), error: "HTTP 503")
        let retry = DeliveryBackoff(baseDelay: .milliseconds(10), maximumDelay: .milliseconds(40), maximumRetryAfter: .milliseconds(60))
        let forwarder = try forwarder(harness, clock: ScheduleClock(), retry: retry)
        let report = await Self.drain(forwarder, within: .seconds(60))
        #expect(report.delivered == 2)
        #expect(harness.sleeper.delays.allSatisfy { $0 <= .milliseconds(60) }, "\(harness.sleeper.delays)")
        #expect(try await harness.createdObservations().count >= ids.count)
    }
}
