import Forwarding
import Foundation
import Logging
@testable import ReadingStore
import Synchronization
import Testing

/// A sleeper that records the waits the forwarder starts and sleeps until cancelled or the time is up: the test
/// sees the forwarder reach a wait of a given length after a round, without timing anything.
final class CountingSleeper: Sendable {
    private let started = Mutex<[Duration]>([])

    var count: Int { started.withLock { $0.count } }

    func count(of duration: Duration) -> Int { started.withLock { $0.filter { $0 == duration }.count } }

    var sleeper: Sleeper {
        Sleeper { [self] duration in
            started.withLock { $0.append(duration) }
            try await Task.sleep(for: duration)
        }
    }

    /// Waits (generously) until at least `count` waits were started (of `duration`, when given).
    func waitUntil(_ count: Int, of duration: Duration? = nil) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        func reached() -> Bool { (duration.map { self.count(of: $0) } ?? self.count) >= count }
        while !reached(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(reached(), "the forwarder did not reach the wait")
    }
}

/// Under a live flow (a reading at a time, each waking the forwarder) a round used to cost four write
/// transactions — the claim, a claim ahead while the Bundle was on the wire (empty), the delivery mark with
/// another empty claim, one more empty claim when `drain` started over — and a six-query outbox status; at
/// 20 readings/s that was most of the forwarder's 46 % of the daemon's CPU (issue 16). Then two: the claim, and
/// the delivery mark with the claim that finds nothing more. Now one: the delivery is recorded by the next
/// reading's claim (`deliveryMarkDelay`), with no `PRAGMA synchronous` around it (the writer stays at NORMAL; a
/// durable commit syncs the log itself: `CommitDurability`).
@Suite struct LiveFlowTests {
    static func forwarder(_ harness: Harness, _ sleeper: CountingSleeper, markDelay: Duration) throws -> Forwarder {
        Forwarder(
            store: harness.store, transport: try CurlTransport(endpoint: try harness.endpoint()), mapper: harness.mapper,
            configuration: ForwarderConfiguration(idlePollInterval: .seconds(300), deliveryMarkDelay: markDelay),
            logger: Logger(label: "test.forwarding"), sleeper: sleeper.sleeper)
    }

    @Test func aReadingInALiveFlowCostsTheForwarderOneCommit() async throws {
        let harness = try await Harness()
        let counting = CountingSleeper()
        // Long enough never to end by itself here: only the next reading's claim records the delivery.
        let markDelay = Duration.seconds(60)
        let forwarder = try Self.forwarder(harness, counting, markDelay: markDelay)
        let running = Task { await forwarder.run() }
        defer { running.cancel() }
        try await counting.waitUntil(1)

        // A first reading: the first answer also pulls in stale retry times (a commit of its own, once).
        let first = try await harness.ingestReadings(1)
        forwarder.wake()
        try await counting.waitUntil(1, of: markDelay)
        #expect(try await harness.createdObservations()[first[0].rawValue] == 1)
        #expect(try await harness.store.outboxStatus().inFlight == 1, "accepted, its mark waits for the next claim")

        let second = try await harness.store.ingest(
            Samples.bloodPressure(systolic: "131", minute: 7, day: 2), rawFrame: Samples.frame, sensor: Samples.cuff,
            receivedAt: Samples.t0, measuredAt: Samples.t0
        ).readingID
        let trace = WriterTransactions()
        try await trace.install(on: harness.store)
        forwarder.wake()
        try await counting.waitUntil(2, of: markDelay)

        #expect(trace.begun == 1, "write transactions for one reading's round: \(trace.begun)")
        #expect(trace.pragmas == 0, "PRAGMA statements for one reading's round: \(trace.pragmas)")
        let status = try await harness.store.outboxStatus()
        #expect(status.delivered == 1 && status.inFlight == 1, "the first recorded by the second's claim: \(status)")
        // `finish()` records what the last answer accepted.
        forwarder.finish()
        await running.value
        try await DeliveryTests().expectExactlyOnce(harness, readings: first + [second])
    }

    /// When no reading follows, the delivery is recorded once `deliveryMarkDelay` has passed, while the forwarder
    /// keeps running: `dhoctl status` is not left counting it undelivered.
    @Test func aDeliveryThatNoReadingFollowsIsRecordedAfterTheMarkDelay() async throws {
        let harness = try await Harness()
        let counting = CountingSleeper()
        let forwarder = try Self.forwarder(harness, counting, markDelay: .milliseconds(100))
        let running = Task { await forwarder.run() }
        defer { running.cancel() }
        try await counting.waitUntil(1, of: .seconds(300))

        let ids = try await harness.ingestReadings(1)
        forwarder.wake()
        // The mark's wait, then the idle wait again.
        try await counting.waitUntil(1, of: .milliseconds(100))
        try await counting.waitUntil(2, of: .seconds(300))
        try await DeliveryTests().expectExactlyOnce(harness, readings: ids)
        forwarder.finish()
        await running.value
    }
}

/// The sensor's Device entry is kept across rounds (one reading per Bundle under a live flow): it must still
/// follow the sensor's stored record.
@Suite struct SensorDeviceAcrossRoundsTests {
    @Test func aChangedSensorRecordReachesTheNextBundle() async throws {
        let harness = try await Harness()
        let transport = InterceptingTransport(try CurlTransport(endpoint: harness.endpoint()), script: [:])
        let forwarder = Forwarder(
            store: harness.store, transport: transport, mapper: harness.mapper,
            logger: Logger(label: "test.forwarding"), sleeper: harness.sleeper.sleeper)
        _ = try await harness.ingestReadings(1)
        #expect(await forwarder.forwardOnce().delivered == 1)
        try await harness.store.upsertSensor(SensorUpdate(key: Samples.cuff, manufacturer: "A&D", model: "UA-651BLE"))
        _ = try await harness.store.ingest(
            Samples.bloodPressure(systolic: "131", minute: 7, day: 2), rawFrame: Samples.frame, sensor: Samples.cuff,
            receivedAt: Samples.t0, measuredAt: Samples.t0)
        #expect(await forwarder.forwardOnce().delivered == 1)
        #expect(await forwarder.forwardOnce().delivered == 0)

        let bodies = transport.bodies
        #expect(bodies.count == 2)
        #expect(!bodies[0].contains("UA-651BLE"))
        #expect(bodies[1].contains("UA-651BLE"), "the second Bundle's Device carries the sensor's model")
    }
}

/// Counts the transactions begun and the pragmas run on the store's writer connection (SQLite's statement trace).
final class WriterTransactions: Sendable {
    private let counts = Mutex((begun: 0, pragmas: 0))

    var begun: Int { counts.withLock { $0.begun } }
    var pragmas: Int { counts.withLock { $0.pragmas } }

    func install(on store: ReadingStore) async throws {
        try await store.writer.writeWithoutTransaction { db in
            db.trace(options: .statement) { [self] event in
                let statement = event.description.uppercased()
                if statement.hasPrefix("BEGIN") { counts.withLock { $0.begun += 1 } }
                if statement.hasPrefix("PRAGMA") { counts.withLock { $0.pragmas += 1 } }
            }
        }
    }
}
