import FHIRTestSupport
import Forwarding
import Foundation
import HealthProfiles
import Logging
@testable import ReadingStore
import Synchronization
import Testing

/// Posts through the real transport to the real receiver, and answers chosen requests itself instead (as a
/// dropped connection or a back-off answer that never reaches the receiver); records every body and what the
/// store showed when each failing request was made.
final class InterceptingTransport: FHIRTransport, @unchecked Sendable {
    // @unchecked: the recorded state is guarded by `lock`.
    enum Scripted {
        case connectionLost
        case serviceUnavailable(retryAfterSeconds: Int)
    }

    private let inner: CurlTransport
    private let script: [Int: Scripted]
    /// Runs before a scripted answer (a test waits there for what the forwarder does meanwhile).
    private let beforeScripted: @Sendable () async -> Void
    private let lock = NSLock()
    private var recorded: [[UInt8]] = []

    init(_ inner: CurlTransport, script: [Int: Scripted], beforeScripted: @escaping @Sendable () async -> Void = {}) {
        self.inner = inner
        self.script = script
        self.beforeScripted = beforeScripted
    }

    /// Every body posted, in order (request n is `bodies[n - 1]`).
    var bodies: [String] { lock.withLock { recorded.map { String(decoding: $0, as: UTF8.self) } } }

    func post(_ body: [UInt8]) async throws(TransportError) -> HTTPResponse {
        let number = lock.withLock { recorded.append(body); return recorded.count }
        guard let scripted = script[number] else { return try await inner.post(body) }
        await beforeScripted()
        switch scripted {
        case .connectionLost: throw .connectionLost("scripted: the connection dropped before the request")
        case let .serviceUnavailable(seconds): return HTTPResponse(status: 503, headers: ["retry-after": "\(seconds)"])
        }
    }
}

/// The drain prepares Bundle N+1 while N is on the wire (`Forwarder+Pipeline`): a failure of N must leave N+1
/// unsent and not delivered, both go again once, in order, and a red reading in the Bundle prepared ahead is not
/// held behind the back-off N's failure starts.
@Suite struct PipelineTests {
    func forwarder(_ harness: Harness, transport: any FHIRTransport, urgentRetryInterval: Duration = .seconds(30)) -> Forwarder {
        Forwarder(
            store: harness.store, transport: transport, mapper: harness.mapper,
            configuration: ForwarderConfiguration(
                batchSize: 10, retry: DeliveryBackoff(baseDelay: .milliseconds(10), maximumDelay: .milliseconds(40)),
                urgentRetryInterval: urgentRetryInterval),
            logger: Logger(label: "test.forwarding"), sleeper: harness.sleeper.sleeper)
    }

    /// The numbers (1-based) of the requests whose body carries `reading`.
    static func requests(carrying reading: ReadingID, in bodies: [String]) -> [Int] {
        bodies.indices.filter { bodies[$0].contains(reading.rawValue) }.map { $0 + 1 }
    }

    @Test func aFailedBundleLeavesThePreparedNextOneUnsentAndBothGoOnce() async throws {
        let harness = try await Harness()
        let ids = try await harness.ingestReadings(30)
        let store = harness.store
        // What the store showed while Bundle 2 was on the wire, before it failed.
        let during = Mutex<OutboxStatus?>(nil)
        let transport = InterceptingTransport(
            try CurlTransport(endpoint: harness.endpoint()), script: [2: .connectionLost],
            beforeScripted: {
                // The forwarder records Bundle 1 and claims batch 3 while Bundle 2 is out: wait for that.
                let deadline = ContinuousClock.now + .seconds(20)
                var status = try? await store.outboxStatus()
                while ContinuousClock.now < deadline, !(status?.delivered == 10 && status?.inFlight == 20) {
                    try? await Task.sleep(for: .milliseconds(5))
                    status = try? await store.outboxStatus()
                }
                during.withLock { $0 = status }
            })
        let report = await forwarder(harness, transport: transport).drain()

        let seen = try #require(during.withLock { $0 })
        #expect(seen.delivered == 10 && seen.inFlight == 20, "batch 3 was prepared while Bundle 2 was on the wire")
        #expect(report.failures == 1 && report.delivered == 30)
        let bodies = transport.bodies
        #expect(bodies.count == 4)
        for id in ids[0..<10] { #expect(Self.requests(carrying: id, in: bodies) == [1]) }
        // Bundle 2 failed and went again; batch 3, prepared ahead, went only after it, once.
        for id in ids[10..<20] { #expect(Self.requests(carrying: id, in: bodies) == [2, 3]) }
        for id in ids[20..<30] { #expect(Self.requests(carrying: id, in: bodies) == [4]) }

        let created = try await harness.createdObservations()
        #expect(created.count == 30 * DeliveryTests.observationsPerReading)
        #expect(created.values.allSatisfy { $0 == 1 })
        #expect(try await harness.receiver.stat("duplicates") == 0)
        let status = try await store.outboxStatus()
        #expect(status.delivered == 30 && status.queueDepth == 0)
    }

    @Test func aRedReadingPreparedAheadIsNotHeldBehindTheBackOff() async throws {
        let harness = try await Harness()
        let ids = try await harness.ingestReadings(30)
        let red = ids[25]
        let raised = try await harness.store.write { unit in
            try unit.raiseWaitingPriority(to: .urgent, kind: .reading, keys: [red.rawValue])
        }
        #expect(raised == 1)
        // Bundle 2 answers 503 with an hour's Retry-After while batch 3 (with the red reading) is prepared.
        let transport = InterceptingTransport(
            try CurlTransport(endpoint: harness.endpoint()), script: [2: .serviceUnavailable(retryAfterSeconds: 3600)])
        let report = await forwarder(harness, transport: transport, urgentRetryInterval: .milliseconds(10)).drain()

        #expect(report.delivered == 30)
        let bodies = transport.bodies
        // The red reading is the probe after the failure, alone; its answer ends the back-off for the rest.
        #expect(Self.requests(carrying: red, in: bodies) == [3])
        #expect(ids.filter { bodies[2].contains($0.rawValue) } == [red])
        for id in ids[10..<20] { #expect(Self.requests(carrying: id, in: bodies) == [2, 4]) }
        let created = try await harness.createdObservations()
        #expect(created.count == 30 * DeliveryTests.observationsPerReading)
        #expect(created.values.allSatisfy { $0 == 1 })
        #expect(try await harness.receiver.stat("duplicates") == 0)
    }
}
