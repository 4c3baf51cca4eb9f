import Foundation
import GRDB
import ReadingStore
import Testing

@Suite struct OutboxTests {
    @Test func claimsOldestFirstAndMarksInFlight() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        var ids: [ReadingID] = []
        for sequence in UInt16(1)...5 { ids.append(try await store.ingest(Samples.glucose(sequence: sequence)).readingID) }
        let batch = try await store.claimBatch(limit: 3)
        #expect(batch.map(\.key) == ids.prefix(3).map(\.rawValue))
        #expect(batch.allSatisfy { $0.state == .inFlight && $0.attempts == 1 })
        let status = try await store.outboxStatus()
        #expect(status.inFlight == 3)
        #expect(status.pending == 2)
        #expect(status.queueDepth == 5)
        #expect(try await store.claimBatch(limit: 10).map(\.key) == ids.suffix(2).map(\.rawValue))
    }

    /// A claim that finds nothing due says what still waits, as `outboxStatus` would (the forwarder's loop reads
    /// it instead of the status); one that claims something says nothing.
    @Test func anEmptyClaimSaysWhatStillWaits() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        let nothing = try await store.markDeliveredAndClaim([], limit: 10)
        #expect(nothing.items.isEmpty && nothing.waiting == OutboxWaiting(pending: false, nextAttemptAt: nil))

        _ = try await store.ingest(Samples.glucose(sequence: 1))
        let claimed = try await store.claimDelivery(limit: 10)
        #expect(claimed.items.count == 1 && claimed.waiting == nil)
        let later = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 3600).rounded())
        try await store.scheduleRetry(claimed.items.map(\.id), notBefore: later, error: "HTTP 503")
        let waiting = try await store.markDeliveredAndClaim([], limit: 10)
        #expect(waiting.items.isEmpty)
        #expect(waiting.waiting == OutboxWaiting(pending: true, nextAttemptAt: later))
        let status = try await store.outboxStatus()
        #expect(status.pending == 1 && status.nextAttemptAt == later)
    }

    @Test func itemsLeftInFlightByACrashReturnToTheQueueOnOpen() async throws {
        let directory = TemporaryDirectory()
        do {
            let store = try directory.openStore()
            _ = try await store.ingest(Samples.glucose(sequence: 1))
            _ = try await store.claimBatch(limit: 10)
            #expect(try await store.outboxStatus().inFlight == 1)
            try store.close()
        }
        let reopened = try directory.openStore()
        let status = try await reopened.outboxStatus()
        #expect(status.inFlight == 0)
        #expect(status.pending == 1)
        let again = try await reopened.claimBatch(limit: 10)
        #expect(again.first?.attempts == 2)
    }

    @Test func deliveryRetryAndParking() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        for sequence in UInt16(1)...3 { _ = try await store.ingest(Samples.glucose(sequence: sequence)) }
        let batch = try await store.claimBatch(limit: 3)
        let deliveredAt = Date(timeIntervalSince1970: 1_760_000_000)
        try await store.markDelivered([batch[0].id], at: deliveredAt)
        try await store.scheduleRetry([batch[1].id], notBefore: Date().addingTimeInterval(3600), error: "HTTP 503")
        try await store.park(batch[2].id, reason: "HTTP 400: error/invalid: bad unit")

        var status = try await store.outboxStatus()
        #expect(status.delivered == 1)
        #expect(status.pending == 1)
        #expect(status.parked == 1)
        #expect(status.queueDepth == 1)
        #expect(status.lastDeliveredAt == deliveredAt)
        #expect(status.lastError == "HTTP 503")
        #expect(status.nextAttemptAt.map { $0 > Date() } == true)
        // The retried item is not due yet, and the parked one never is.
        #expect(try await store.claimBatch(limit: 10).isEmpty)
        let parked = try await store.outboxItems(in: .parked)
        #expect(parked.map(\.id) == [batch[2].id])
        #expect(parked.first?.parkReason == "HTTP 400: error/invalid: bad unit")

        #expect(try await store.requeueParked() == 1)
        status = try await store.outboxStatus()
        #expect(status.parked == 0)
        #expect(try await store.claimBatch(limit: 10).map(\.id) == [batch[2].id])
    }

    @Test func genericItemsCarryTheirPayloadAndAreQueuedOnce() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        let payload = Array(#"[{"fullUrl":"urn:uuid:1"}]"#.utf8)
        let first = try await store.enqueue(kind: .alert, key: "alert-1", payload: payload)
        let second = try await store.enqueue(kind: .alert, key: "alert-1", payload: [])
        #expect(second == .alreadyQueued(first.itemID))
        let item = try #require(try await store.outboxItem(kind: .alert, key: "alert-1"))
        #expect(item.payload == payload)
        #expect(item.readingRowID == nil)
        await #expect(throws: StoreError.self) { try await store.enqueue(kind: .alert, key: "", payload: payload) }
    }

    @Test func anotherModuleRegistersTablesAndEnqueuesAtomically() async throws {
        let directory = TemporaryDirectory()
        let triage = StoreMigration("triage.v1") { db in
            try db.execute(sql: """
                CREATE TABLE triage_alerts (
                    id TEXT PRIMARY KEY NOT NULL,
                    readingID INTEGER REFERENCES readings(id) ON DELETE SET NULL
                )
                """)
        }
        let store = try directory.openStore(migrations: [triage])
        try await store.write { unit in
            try unit.db.execute(sql: "INSERT INTO triage_alerts (id) VALUES ('a1')")
            try unit.enqueue(kind: .alert, key: "a1", payload: Array("[]".utf8))
        }
        // A failing transaction leaves neither the row nor the outbox item.
        await #expect(throws: (any Error).self) {
            try await store.write { unit in
                try unit.db.execute(sql: "INSERT INTO triage_alerts (id) VALUES ('a2')")
                try unit.enqueue(kind: .alert, key: "a2", payload: Array("[]".utf8))
                try unit.db.execute(sql: "INSERT INTO triage_alerts (id) VALUES ('a1')")  // duplicate key
            }
        }
        #expect(try await store.outboxItem(kind: .alert, key: "a2") == nil)
        #expect(try await store.outboxItem(kind: .alert, key: "a1") != nil)
        try store.close()

        // Reopening with the same migrations does not run them again; without them the store still opens.
        let again = try directory.openStore(migrations: [triage])
        #expect(try await again.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM triage_alerts") } == 1)
        try again.close()
        _ = try directory.openStore()
    }

    @Test func malformedMigrationsAreRejectedBeforeAnythingIsOpened() throws {
        let directory = TemporaryDirectory()
        let migration = StoreMigration("triage.v1") { _ in }
        #expect(throws: StoreError.self) { try directory.openStore(migrations: [migration, migration]) }
        #expect(throws: StoreError.self) { try directory.openStore(migrations: [StoreMigration("store.v2") { _ in }]) }
        #expect(!FileManager.default.fileExists(atPath: directory.file("gateway.sqlite")))
    }

    /// The last delivery's time is rewritten only when it moves by a second or more (one page less per delivery
    /// mark under a steady flow; issue 16), in either direction, so a clock set back is followed too.
    @Test func theLastDeliveryTimeMovesInWholeSeconds() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        for sequence in UInt16(1)...4 { _ = try await store.ingest(Samples.glucose(sequence: sequence)) }
        let ids = try await store.claimBatch(limit: 4).map(\.id)
        let first = Date(timeIntervalSince1970: 1_760_000_000)
        try await store.markDelivered([ids[0]], at: first)
        try await store.markDelivered([ids[1]], at: first.addingTimeInterval(0.4))
        #expect(try await store.outboxStatus().lastDeliveredAt == first)
        try await store.markDelivered([ids[2]], at: first.addingTimeInterval(1.5))
        #expect(try await store.outboxStatus().lastDeliveredAt == first.addingTimeInterval(1.5))
        let setBack = first.addingTimeInterval(-86_400)
        try await store.markDelivered([ids[3]], at: setBack)
        #expect(try await store.outboxStatus().lastDeliveredAt == setBack)
        #expect(try await store.outboxStatus().delivered == 4)
    }
}
