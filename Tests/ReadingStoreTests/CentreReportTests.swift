import Foundation
import ReadingStore
import Testing

/// The store's support for what the hub reports about itself: background items after readings, a check-in
/// replacing the one still waiting, and the centre-report ledger's exactly-once writes.
@Suite struct CentreReportTests {
    static let checkIn: OutboxKind = "hub-check-in"
    static let payload = Array(#"[{"fullUrl":"urn:uuid:x"}]"#.utf8)

    @Test func aBackgroundItemIsClaimedAfterEveryReadingQueuedLater() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        _ = try await store.enqueueSuperseding(kind: Self.checkIn, key: "1", payload: Self.payload, sequenceKey: nil, priority: .background)
        let reading = try await store.ingest(Samples.glucose(sequence: 1)).readingID
        #expect(try await store.claimBatch(limit: 1).map(\.key) == [reading.rawValue])
        #expect(try await store.claimBatch(limit: 1).map(\.key) == ["1"])
    }

    @Test func aNewCheckInReplacesTheWaitingOneButFollowsTheOneInFlight() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        _ = try await store.enqueueSuperseding(kind: Self.checkIn, key: "1", payload: Self.payload, sequenceKey: "s", priority: .background)
        #expect(try await store.claimBatch(limit: 10).map(\.key) == ["1"])
        _ = try await store.enqueueSuperseding(kind: Self.checkIn, key: "2", payload: Self.payload, sequenceKey: "s", priority: .background)
        let third = try await store.enqueueSuperseding(kind: Self.checkIn, key: "3", payload: Self.payload, sequenceKey: "s", priority: .background)
        #expect(third.superseded == 1)
        #expect(try await store.outboxItems(kind: Self.checkIn).map(\.key) == ["1", "3"])
        #expect(try await store.claimBatch(limit: 10).isEmpty, "behind the one in flight")
        #expect(try await store.latestOutboxItem(kind: Self.checkIn)?.key == "3")
        #expect(try await store.backlog(excluding: Self.checkIn).waiting == 0)
    }

    @Test func theLedgerQueuesEachChangeOnce() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore(migrations: ReadingStore.centreReportMigrations)
        func report(_ state: String?, _ key: String) async throws -> Bool {
            try await store.reportToCentre(
                subject: "alert|storage-full|", state: state, kind: "technical-alert", key: key, payload: Self.payload, sequenceKey: nil)
        }
        #expect(try await report("episode-1", "raise"))
        #expect(try await !report("episode-1", "raise again"))
        #expect(try await store.centreReports(prefix: "alert|").keys.sorted() == ["alert|storage-full|"])
        #expect(try await store.centreReports(prefix: "device|").isEmpty)
        #expect(try await report(nil, "clear"))
        #expect(try await !report(nil, "clear again"))
        #expect(try await store.outboxItems(kind: "technical-alert").map(\.key) == ["raise", "clear"])
    }
}
