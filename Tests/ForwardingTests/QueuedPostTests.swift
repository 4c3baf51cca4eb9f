import FHIRTestSupport
import Forwarding
import Foundation
import HealthProfiles
import Logging
import ReadingStore
import Synchronization
import Testing

/// A post queued behind the one before it on the connection (`QueuedPost`, issue 16's backlog drain): it goes out
/// right after that one's answer if the answer passes the test, and is not sent at all otherwise. Through the real
/// libcurl transport and the reference receiver (whose request counter says what reached it), and through the
/// default of any other transport; then the forwarder's drain with a failing and a rejected Bundle in the middle.
@Suite struct QueuedPostTests {
    static let emptyTransaction = Array(#"{"resourceType":"Bundle","type":"transaction","entry":[]}"#.utf8)
    static let accepted: @Sendable (QueuedPost.Answer) -> Bool = { answer in
        if case let .success(response) = answer { return (200...299).contains(response.status) }
        return false
    }

    /// A transport whose own queue is not used: `FHIRTransport`'s default chaining, over the same libcurl transport.
    struct PlainTransport: FHIRTransport {
        let inner: CurlTransport
        func post(_ body: [UInt8]) async throws(TransportError) -> HTTPResponse { try await inner.post(body) }
    }

    @Test(arguments: [false, true])
    func aChainGoesOutInOrderAndStopsAtTheFirstAnswerThatFailsTheTest(throughDefault: Bool) async throws {
        let harness = try await Harness()
        let curl = try CurlTransport(endpoint: harness.endpoint())
        let transport: any FHIRTransport = throughDefault ? PlainTransport(inner: curl) : curl
        // Requests 1 and 2 pass, 3 gets a 503: the 4th and 5th, queued behind it, must never reach the receiver.
        _ = try await harness.receiver.admin("POST", "/faults", ["script": [[:], [:], ["status": 503]]])
        var posts: [QueuedPost] = []
        for _ in 0..<5 {
            posts.append(transport.post(Self.emptyTransaction, after: posts.last, sendIf: Self.accepted))
        }
        var statuses: [Int?] = []
        for post in posts {
            switch await post.answer() {
            case let .success(response)?: statuses.append(response.status)
            case .failure?: statuses.append(-1)
            case nil: statuses.append(nil)
            }
        }
        #expect(statuses == [200, 200, 503, nil, nil])
        #expect(try await harness.receiver.stat("requests") == 3)
        // A new chain starts afresh.
        let again = transport.post(Self.emptyTransaction, after: nil, sendIf: Self.accepted)
        #expect(try #require(await again.answer()).get().status == 200)
        #expect(try await harness.receiver.stat("requests") == 4)
    }

    func forwarder(_ harness: Harness) throws -> Forwarder {
        Forwarder(
            store: harness.store, transport: try CurlTransport(endpoint: harness.endpoint()), mapper: harness.mapper,
            configuration: ForwarderConfiguration(
                batchSize: 10, retry: DeliveryBackoff(baseDelay: .milliseconds(10), maximumDelay: .milliseconds(40))),
            logger: Logger(label: "test.forwarding"), sleeper: harness.sleeper.sleeper)
    }

    /// The drain with the real transport: Bundle 2 of 4 answered 503 leaves Bundle 3, queued behind it, unsent —
    /// the receiver sees 1, 2 (503), then 2, 3, 4: five requests (a Bundle 3 sent behind the 503 would have gone
    /// again after it: six).
    @Test func aBundleQueuedBehindAFailedOneIsNotSent() async throws {
        let harness = try await Harness()
        let ids = try await harness.ingestReadings(40)
        _ = try await harness.receiver.admin("POST", "/faults", ["script": [[:], ["status": 503]]])
        let report = await (try forwarder(harness)).drain()
        #expect(report.failures == 1 && report.delivered == 40)
        #expect(try await harness.receiver.stat("requests") == 5)
        let created = try await harness.createdObservations()
        for id in ids { #expect(created[id.rawValue] == 1) }
        #expect(try await harness.receiver.stat("duplicates") == 0)
    }

    /// A Bundle rejected with 400 (one bad reading) leaves the Bundle queued behind it unsent until the rejected
    /// one's halves have gone: every reading of Bundle 3 reaches the receiver after every good one of Bundle 2.
    @Test func aBundleQueuedBehindARejectedOneGoesAfterItsHalves() async throws {
        let harness = try await Harness()
        let ids = try await harness.ingestReadings(30)
        let bad = ids[15]
        _ = try await harness.receiver.admin("POST", "/faults", ["rejectIdentifiers": [bad.rawValue]])
        let report = await (try forwarder(harness)).drain()
        #expect(report.parked == 1 && report.delivered == 29)
        let system = harness.mapper.configuration.observationIdentifierSystem + "|"
        let createdAt = try #require(try await harness.receiver.admin("GET", "/created?type=Observation") as? [String: Double])
        func firstCreation(_ id: ReadingID) -> Double? { createdAt[system + id.rawValue] }
        let secondBundle = try ids[10..<20].filter { $0 != bad }.map { try #require(firstCreation($0)) }
        let thirdBundle = try ids[20..<30].map { try #require(firstCreation($0)) }
        #expect(try #require(secondBundle.max()) < #require(thirdBundle.min()))
        #expect(firstCreation(bad) == nil)
        #expect(try await harness.receiver.stat("duplicates") == 0)
        let status = try await harness.store.outboxStatus()
        #expect(status.parked == 1 && status.queueDepth == 0)
    }
}
