import Forwarding
import Foundation
import Logging
@testable import ReadingStore
import Synchronization
import Testing

/// A sleeper that counts the waits the forwarder starts and sleeps until cancelled or the time is up: the test
/// sees the forwarder reach its idle wait after a round, without timing anything.
final class CountingSleeper: Sendable {
    private let started = Mutex(0)

    var count: Int { started.withLock { $0 } }

    var sleeper: Sleeper {
        Sleeper { [self] duration in
            started.withLock { $0 += 1 }
            try await Task.sleep(for: duration)
        }
    }

    /// Waits (generously) until at least `count` waits were started.
    func waitUntil(_ count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while self.count < count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(self.count >= count, "the forwarder did not reach its idle wait")
    }
}

/// Under a live flow (a reading at a time, each waking the forwarder) a round used to cost four write
/// transactions — the claim, a claim ahead while the Bundle was on the wire (empty), the delivery mark with
/// another empty claim, one more empty claim when `drain` started over — and a six-query outbox status; at
/// 20 readings/s that was most of the forwarder's 46 % of the daemon's CPU (issue 16). Now: the claim, and the
/// delivery mark with the claim that finds nothing more.
@Suite struct LiveFlowTests {
    @Test func aReadingInALiveFlowCostsTheForwarderTwoCommits() async throws {
        let harness = try await Harness()
        let counting = CountingSleeper()
        let forwarder = Forwarder(
            store: harness.store, transport: try CurlTransport(endpoint: try harness.endpoint()), mapper: harness.mapper,
            configuration: ForwarderConfiguration(idlePollInterval: .seconds(300)),
            logger: Logger(label: "test.forwarding"), sleeper: counting.sleeper)
        let running = Task { await forwarder.run() }
        defer { running.cancel() }
        try await counting.waitUntil(1)

        // A first reading: the first answer also pulls in stale retry times (a commit of its own, once).
        let first = try await harness.ingestReadings(1)
        forwarder.wake()
        try await counting.waitUntil(2)

        let second = try await harness.store.ingest(
            Samples.bloodPressure(systolic: "131", minute: 7, day: 2), rawFrame: Samples.frame, sensor: Samples.cuff,
            receivedAt: Samples.t0, measuredAt: Samples.t0
        ).readingID
        let trace = WriterTransactions()
        try await trace.install(on: harness.store)
        forwarder.wake()
        try await counting.waitUntil(3)

        #expect(trace.begun == 2, "write transactions for one reading's round: \(trace.begun)")
        try await DeliveryTests().expectExactlyOnce(harness, readings: first + [second])
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

/// Counts the transactions begun on the store's writer connection (SQLite's statement trace).
final class WriterTransactions: Sendable {
    private let count = Mutex(0)

    var begun: Int { count.withLock { $0 } }

    func install(on store: ReadingStore) async throws {
        try await store.writer.writeWithoutTransaction { db in
            db.trace(options: .statement) { [self] event in
                if event.description.uppercased().hasPrefix("BEGIN") { count.withLock { $0 += 1 } }
            }
        }
    }
}
