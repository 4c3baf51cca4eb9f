import Foundation
import GRDB
import HealthProfiles
@testable import ReadingStore
import Testing

/// Readings ingested held (waiting for triage), items delivered in sequence, and the v2 schema upgrade.
@Suite struct HeldItemTests {
    func ingestHeld(_ store: ReadingStore, sequence: UInt16, receivedAt: Date = Samples.t0) async throws -> ReadingID {
        try await store.ingest(
            Samples.glucose(sequence: sequence), rawFrame: Samples.frame, sensor: Samples.cuff, receivedAt: receivedAt,
            measuredAt: receivedAt, held: true
        ).readingID
    }

    @Test func aHeldItemIsNotClaimedUntilReleased() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        let first = try await ingestHeld(store, sequence: 1)
        let second = try await ingestHeld(store, sequence: 2)
        let plain = try await store.ingest(Samples.glucose(sequence: 3)).readingID

        var status = try await store.outboxStatus()
        #expect(status.held == 2 && status.pending == 1)
        #expect(status.queueDepth == 3)   // held items are undelivered data
        #expect(try await store.claimBatch(limit: 10).map(\.key) == [plain.rawValue])
        #expect(try await store.outboxItems(in: .held).map(\.key) == [first.rawValue, second.rawValue])
        let held = try await store.heldReadings()
        #expect(held.map(\.id) == [first, second])
        #expect(try await store.heldReadings(after: held[0].rowID).map(\.id) == [second])
        #expect(try await store.heldReadings(limit: 1).map(\.id) == [first])

        #expect(try await store.release([first]) == 1)
        #expect(try await store.release([first, ReadingID(rawValue: "unknown")]) == 0)   // harmless twice
        #expect(try await store.claimBatch(limit: 10).map(\.key) == [first.rawValue])
        #expect(try await store.heldReadings().map(\.id) == [second])
        status = try await store.outboxStatus()
        #expect(status.held == 1 && status.inFlight == 2)
    }

    @Test func heldReadingsAreFoundAfterReopeningAndADuplicateLeavesThemHeld() async throws {
        let directory = TemporaryDirectory()
        let id: ReadingID
        do {
            let store = try directory.openStore()
            id = try await ingestHeld(store, sequence: 7)
            try store.close()
        }
        let store = try directory.openStore()
        let held = try await store.heldReadings()
        #expect(held.map(\.id) == [id])
        #expect(held.first?.reading == Samples.glucose(sequence: 7))
        // The meter sends the record again (stored before the crash): a duplicate, still held for triage.
        #expect(try await store.ingest(Samples.glucose(sequence: 7)) == .duplicate(id))
        #expect(try await store.heldReadings().map(\.id) == [id])
        #expect(try await store.outboxStatus().oldestUndeliveredEnqueuedAt != nil)
        await #expect(throws: StoreError.self) { try await store.heldReadings(limit: 0) }
    }

    @Test func retentionNeverDeletesAHeldReading() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore(retentionDays: 1)
        let held = try await ingestHeld(store, sequence: 1)
        let delivered = try await store.ingest(Samples.glucose(sequence: 2)).readingID
        try await store.markDelivered(try await store.claimBatch(limit: 10).map(\.id), at: Samples.t0)
        let report = try await store.applyRetention(now: Samples.t0.addingTimeInterval(30 * 86_400))
        #expect(report.readingsDeleted == 1)
        #expect(try await store.storedReading(delivered) == nil)
        #expect(try await store.heldReadings().map(\.id) == [held])
    }

    @Test func itemsWithOneSequenceKeyGoOutOneAfterTheOther() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        let payload = Array(#"[{"fullUrl":"urn:uuid:1"}]"#.utf8)
        try await store.enqueue(kind: .alert, key: "flag-1-active", payload: payload, sequenceKey: "Flag?identifier=1")
        try await store.enqueue(kind: .alert, key: "flag-1-inactive", payload: payload, sequenceKey: "Flag?identifier=1")
        try await store.enqueue(kind: .alert, key: "flag-2-active", payload: payload, sequenceKey: "Flag?identifier=2")
        try await store.enqueue(kind: .alert, key: "independent", payload: payload)

        let first = try await store.claimBatch(limit: 10)
        #expect(first.map(\.key) == ["flag-1-active", "flag-2-active", "independent"])
        #expect(first.first?.sequenceKey == "Flag?identifier=1")
        // While its predecessor is in flight or waiting for a retry, the next version waits too.
        #expect(try await store.claimBatch(limit: 10).isEmpty)
        try await store.scheduleRetry([first[0].id], notBefore: Date().addingTimeInterval(3600), error: "HTTP 503")
        #expect(try await store.claimBatch(limit: 10).isEmpty)
        // …and does not count as due (a forwarder sleeps until the predecessor's retry instead of polling).
        #expect(try await store.outboxStatus().nextAttemptAt.map { $0 > Date().addingTimeInterval(3000) } == true)
        // Delivered (or parked): the next version is free to go.
        try await store.park(first[0].id, reason: "HTTP 422")
        #expect(try await store.claimBatch(limit: 10).map(\.key) == ["flag-1-inactive"])

        await #expect(throws: StoreError.self) {
            try await store.enqueue(kind: .alert, key: "x", payload: payload, sequenceKey: "")
        }
    }

    @Test func aVersionOneStoreIsUpgradedKeepingItsItemsAndIdentifiers() async throws {
        let directory = TemporaryDirectory()
        let path = directory.file("gateway.sqlite")
        do {
            // A store as version 1 left it: three items, the newest already removed.
            let queue = try DatabaseQueue(path: path)
            var migrator = DatabaseMigrator()
            migrator.registerMigration("store.v1", migrate: Schema.createV1)
            try migrator.migrate(queue)
            try await queue.write { db in
                for key in ["a", "b", "c"] {
                    try db.execute(sql: """
                        INSERT INTO outbox (kind, itemKey, payload, state, enqueuedAt, nextAttemptAt)
                        VALUES ('alert', ?, X'5B5D', 'parked', 1, 1)
                        """, arguments: [key])
                }
                try db.execute(sql: "DELETE FROM outbox WHERE itemKey = 'c'")
            }
            try queue.close()
            // Private, as version 1 created its files.
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        }
        let store = try directory.openStore()
        let parked = try await store.outboxItems(in: .parked)
        #expect(parked.map(\.key) == ["a", "b"])
        #expect(parked.map(\.id) == [1, 2])
        #expect(parked.allSatisfy { $0.payload == Array("[]".utf8) && $0.sequenceKey == nil })
        // Ids are never reused: the next item gets 4, not 3.
        #expect(try await store.enqueue(kind: .alert, key: "d", payload: Array("[]".utf8)).itemID == 4)
        // Held works, and outbox rows still go with their reading.
        let held = try await ingestHeld(store, sequence: 1)
        #expect(try await store.heldReadings().map(\.id) == [held])
        let cascade = try await store.writer.read { db in
            try Row.fetchAll(db, sql: "PRAGMA foreign_key_list(outbox)").map { $0["on_delete"] as String? }
        }
        #expect(cascade == ["CASCADE"])
        #expect(try await store.integrityCheck() == ["ok"])
    }
}

/// A reading stored with `forward: false` (a lent device's previous user's): kept for the technician only.
@Suite struct KeptApartReadingTests {
    @Test func aReadingNotForwardedHasNoOutboxItemAndOutlivesRetention() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        let apart = try await store.ingest(
            Samples.glucose(sequence: 1), rawFrame: Samples.frame, sensor: Samples.cuff, receivedAt: Samples.t0,
            measuredAt: Samples.t0, forward: false
        ).readingID
        #expect(try await store.storedReading(apart) != nil)
        #expect(try await store.outboxItem(kind: .reading, key: apart.rawValue) == nil)
        #expect(try await store.outboxStatus().queueDepth == 0)
        #expect(try await store.heldReadings().isEmpty)   // never handed to triage
        #expect(try await store.claimBatch(limit: 10).isEmpty)   // never forwarded
        // The same frame again is a duplicate, and stays apart.
        let again = try await store.ingest(
            Samples.glucose(sequence: 1), rawFrame: Samples.frame, sensor: Samples.cuff, receivedAt: Samples.t0,
            measuredAt: Samples.t0, held: true)
        #expect(again == .duplicate(apart))
        #expect(try await store.outboxItem(kind: .reading, key: apart.rawValue) == nil)
        // Nothing delivers it, so retention (which removes delivered readings only) keeps it for the technician.
        _ = try await store.applyRetention(now: Samples.t0.addingTimeInterval(365 * 86_400))
        #expect(try await store.storedReading(apart) != nil)
    }
}
