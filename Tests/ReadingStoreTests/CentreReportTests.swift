import Foundation
import GRDB
@testable import ReadingStore
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

    /// Background items come after every due urgent or normal one, in `id` order within each band, however many
    /// are waiting and whatever order they were queued in; a claim takes from both bands when the first runs short.
    @Test func eachPriorityBandIsClaimedInQueueOrderBeforeTheBackgroundOnes() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        var expected: [String] = []
        var background: [String] = []
        for index in 1...7 {
            // A kind each: a new item of a kind replaces the one of that kind still waiting.
            _ = try await store.enqueueSuperseding(
                kind: OutboxKind(rawValue: "report-\(index)"), key: "b\(index)", payload: Self.payload, sequenceKey: nil,
                priority: .background)
            background.append("b\(index)")
            expected.append(try await store.ingest(Samples.glucose(sequence: UInt16(index))).readingID.rawValue)
        }
        #expect(try await store.claimBatch(limit: 4).map(\.key) == Array(expected.prefix(4)))
        #expect(try await store.claimBatch(limit: 5).map(\.key) == Array(expected.suffix(3)) + background.prefix(2))
        #expect(try await store.claimBatch(limit: 10).map(\.key) == Array(background.suffix(5)))
    }

    /// A claim walks the pending items in `id` order and stops after the ones it returns: no statement of it sorts
    /// the whole queue (a temporary b-tree made draining a backlog of n items cost n² rows, issue 16).
    @Test func noClaimStatementSortsTheWholeQueue() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        for band in ReadingStore.ClaimBand.allCases {
            let plan = try await store.read { db in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + band.sql, arguments: [0, 100])
                    .map { $0["detail"] as String? ?? "" }
            }
            #expect(plan.contains { $0.contains("outbox_by_state") || $0.contains("outbox_urgent") }, "\(band): \(plan)")
            #expect(!plan.contains { $0.contains("TEMP B-TREE") }, "\(band): \(plan)")
        }
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
