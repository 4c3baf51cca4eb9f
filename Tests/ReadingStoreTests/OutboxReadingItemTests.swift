import Foundation
import GRDB
@testable import ReadingStore
import Testing

/// store.v7-reading-items-by-reading (issue 16, flash wear): a reading's outbox item is unique by, and found
/// through, its reading row, not by a second copy of the reading's identifier in the (kind, itemKey) index (a
/// random leaf of that index in every reading's commit). Every other item keeps its (kind, key) uniqueness.
@Suite struct OutboxReadingItemTests {
    @Test func aReadingsItemIsNotInTheKeyIndexButAnAlertIs() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        for sequence in 1...3 { _ = try await store.ingest(Samples.glucose(sequence: UInt16(sequence))) }
        _ = try await OutboxHighWaterTests.enqueueAlert(store, key: "flag-1")
        #expect(try await Self.entries(in: "outbox_by_key", store) == 1)
        #expect(try await Self.entries(in: "outbox_by_reading", store) == 4)  // NULL for the alert
        #expect(try await store.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master WHERE name LIKE 'sqlite_autoindex_outbox%'")
        } == 0)
    }

    /// Queueing a reading's item again (the same reading row) is `.alreadyQueued`, and a reading found by its
    /// identifier is released, annotated, raised and looked up as before.
    @Test func aReadingIsQueuedOnceAndFoundByItsIdentifier() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        let outcome = try await store.ingest(
            Samples.glucose(sequence: 1), rawFrame: Samples.frame, sensor: Samples.cuff, receivedAt: Samples.t0,
            measuredAt: Samples.t0, held: true)
        let item = try #require(try await store.outboxItem(kind: .reading, key: outcome.readingID.rawValue))
        let rowID = try #require(item.readingRowID)
        let again = try await store.writer.write { db in
            try Outbox.enqueue(db, kind: .reading, key: outcome.readingID.rawValue, readingRowID: rowID, payload: nil,
                               held: true, now: Date())
        }
        #expect(again == .alreadyQueued(item.id))
        #expect(try await store.outboxItems(kind: .reading).count == 1)

        let released = try await store.write { unit in
            try unit.release([outcome.readingID], priority: .urgent, annotation: Array("evaluation".utf8))
        }
        #expect(released == 1)
        let after = try #require(try await store.outboxItem(kind: .reading, key: outcome.readingID.rawValue))
        #expect(after.state == .pending)
        #expect(after.priority == .urgent)
        #expect(after.annotation == Array("evaluation".utf8))
        // An alert whose key happens to be a reading's identifier is an item of its own.
        _ = try await OutboxHighWaterTests.enqueueAlert(store, key: outcome.readingID.rawValue)
        #expect(try await store.outboxItem(kind: .alert, key: outcome.readingID.rawValue)?.readingRowID == nil)
    }

    /// A store.v6 database (the (kind, itemKey) constraint over every item) is rebuilt at open with every item
    /// and id; its readings are then released by identifier and its alerts still queued once.
    @Test func aStoreV6DatabaseKeepsItsItemsAndFindsItsReadings() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        var readings: [ReadingID] = []
        for sequence in 1...3 {
            readings.append(try await store.ingest(
                Samples.glucose(sequence: UInt16(sequence)), rawFrame: Samples.frame, sensor: Samples.cuff,
                receivedAt: Samples.t0, measuredAt: Samples.t0, held: true).readingID)
        }
        try await store.release([readings[0]])
        try await store.markDelivered(try await store.claimDelivery(limit: 10).items.map(\.id))
        _ = try await OutboxHighWaterTests.enqueueAlert(store, key: "flag-1")
        try await store.writer.writeWithoutTransaction { db in try db.execute(sql: Self.rewindToV6) }
        let before = try await OutboxHighWaterTests.rows(store)
        #expect(before.count == 4)
        #expect(try await Self.entries(in: "sqlite_autoindex_outbox_1", store) == 4)
        try store.close()

        let reopened = try directory.openStore()
        #expect(try await OutboxHighWaterTests.rows(reopened) == before)
        #expect(try await Self.entries(in: "outbox_by_key", reopened) == 1)
        #expect(try await reopened.release([readings[1]]) == 1)
        #expect(try await reopened.outboxItem(kind: .reading, key: readings[1].rawValue)?.state == .pending)
        #expect(try await reopened.outboxItem(kind: .reading, key: readings[2].rawValue)?.state == .held)
        #expect(try await reopened.enqueue(kind: .alert, key: "flag-1", payload: [1]) == .alreadyQueued(4))
        #expect(try await OutboxHighWaterTests.enqueueAlert(reopened, key: "flag-2") == 5)
        #expect(try await reopened.integrityCheck() == ["ok"])
        try reopened.close()
    }

    /// Cells in the leaves of one index (SQLite's dbstat).
    static func entries(in index: String, _ store: ReadingStore) async throws -> Int {
        try await store.read { db in
            try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(ncell), 0) FROM dbstat WHERE name = ? AND pagetype = 'leaf'",
                             arguments: [index]) ?? -1
        }
    }

    /// The outbox as store.v6 made it, with the same rows, before store.v7.
    static let rewindToV6 = """
        BEGIN;
        CREATE TABLE outbox_v6 (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            itemKey TEXT NOT NULL,
            readingID INTEGER REFERENCES readings(id) ON DELETE CASCADE,
            payload BLOB,
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('held', 'pending', 'in-flight', 'delivered', 'parked')),
            attempts INTEGER NOT NULL DEFAULT 0,
            enqueuedAt INTEGER NOT NULL,
            nextAttemptAt INTEGER NOT NULL,
            lastAttemptAt INTEGER,
            lastError TEXT,
            deliveredAt INTEGER,
            parkedAt INTEGER,
            parkReason TEXT,
            sequenceKey TEXT,
            priority INTEGER NOT NULL DEFAULT 0,
            parkContext TEXT,
            annotation BLOB,
            UNIQUE (kind, itemKey)
        );
        INSERT INTO outbox_v6 SELECT * FROM outbox;
        DROP TABLE outbox;
        ALTER TABLE outbox_v6 RENAME TO outbox;
        CREATE INDEX outbox_by_state ON outbox(state, id);
        CREATE INDEX outbox_by_reading ON outbox(readingID);
        CREATE INDEX outbox_by_sequence ON outbox(sequenceKey, id) WHERE sequenceKey IS NOT NULL;
        CREATE INDEX outbox_urgent ON outbox(state, id) WHERE priority > 0;
        CREATE TRIGGER outbox_keeps_its_high_water AFTER DELETE ON outbox
        WHEN old.id > COALESCE((SELECT MAX(id) FROM outbox), 0)
        BEGIN
            INSERT INTO store_meta (key, value) VALUES ('outboxHighWater', old.id)
            ON CONFLICT(key) DO UPDATE SET value = MAX(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER));
        END;
        DELETE FROM grdb_migrations WHERE identifier = 'store.v7-reading-items-by-reading';
        COMMIT;
        """
}
