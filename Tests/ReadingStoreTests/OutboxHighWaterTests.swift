import Foundation
import GRDB
@testable import ReadingStore
import Testing

/// store.v6-outbox-high-water (issue 16, flash wear): the outbox has no AUTOINCREMENT (its counter was one more
/// page every reading's commit wrote), and still never gives an id out twice.
@Suite struct OutboxHighWaterTests {
    @Test func aReadingsCommitNoLongerWritesAnAutoincrementCounter() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        _ = try await store.ingest(Samples.glucose(sequence: 1))
        let (counters, sql) = try await store.read { db in
            // sqlite_sequence itself stays (SQLite never drops it), without a counter for the outbox.
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_sequence WHERE name = 'outbox'") ?? 0,
             try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'outbox'") ?? "")
        }
        #expect(counters == 0)
        #expect(!sql.contains("AUTOINCREMENT"))
        #expect(try await store.outboxItems(kind: .reading).count == 1)
    }

    /// The hazard the ids guard against: the forwarder sent an item, the item was deleted meanwhile (a reset, a
    /// superseded item), a new item was queued, and then the forwarder records its old id as delivered. The new
    /// item must not take that id, or it would be marked delivered without ever being sent.
    @Test func theIdOfADeletedNewestItemIsNeverGivenOutAgain() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        let sent = try await Self.enqueueAlert(store, key: "flag-1")
        #expect(try await store.claimDelivery(limit: 10).items.map(\.id) == [sent])
        #expect(try await store.write { unit in try unit.deleteOutboxItems(kind: .alert) } == 1)

        let queued = try await Self.enqueueAlert(store, key: "flag-2")
        #expect(queued > sent)
        try await store.markDelivered([sent])
        #expect(try await store.outboxItem(kind: .alert, key: "flag-2")?.state == .pending)

        // Also across a restart: the mark is in the database, not in memory.
        try await store.write { unit in _ = try unit.deleteOutboxItems(kind: .alert) }
        try store.close()
        let reopened = try directory.openStore()
        #expect(try await Self.enqueueAlert(reopened, key: "flag-3") > queued)
        try reopened.close()
    }

    /// A store.v5 database (AUTOINCREMENT, its counter above every id left because the newest items were
    /// deleted) is rebuilt at open with every item and id, and new ids start above the old counter.
    @Test func aStoreV5DatabaseKeepsItsItemsAndItsCounter() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        _ = try await store.ingest(Samples.glucose(sequence: 1))
        _ = try await store.ingest(Samples.glucose(sequence: 2))
        try await store.markDelivered(try await store.outboxItems(kind: .reading).prefix(1).map(\.id))
        try await store.writer.writeWithoutTransaction { db in try db.execute(sql: Self.rewindToV5) }
        let before = try await Self.rows(store)
        #expect(before.count == 2)
        #expect(try await store.read { db in
            try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'outbox'")
        } == 7)
        try store.close()

        let reopened = try directory.openStore()
        #expect(try await Self.rows(reopened) == before)
        let next = try await Self.enqueueAlert(reopened, key: "flag-after-upgrade")
        #expect(next == 8)
        #expect(try await reopened.integrityCheck() == ["ok"])
        try reopened.close()
    }

    static func enqueueAlert(_ store: ReadingStore, key: String) async throws -> Int64 {
        let outcome = try await store.write { unit in
            try unit.enqueue(kind: .alert, key: key, payload: Array(#"[{"fullUrl":"urn:uuid:x"}]"#.utf8))
        }
        guard case let .enqueued(id) = outcome else { throw StoreError.invalidArgument("not enqueued: \(outcome)") }
        return id
    }

    /// Every column of every outbox row, in id order.
    static func rows(_ store: ReadingStore) async throws -> [String] {
        try await store.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM outbox ORDER BY id").map(\.description)
        }
    }

    /// The outbox as store.v1–v5 made it (AUTOINCREMENT), with the same rows and a counter at 7 (as if items 3–7
    /// had been queued and deleted), before store.v6.
    static let rewindToV5 = """
        BEGIN;
        DROP TRIGGER outbox_keeps_its_high_water;
        DELETE FROM store_meta WHERE key = 'outboxHighWater';
        CREATE TABLE outbox_v5 (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
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
        INSERT INTO outbox_v5 SELECT * FROM outbox;
        DROP TABLE outbox;
        ALTER TABLE outbox_v5 RENAME TO outbox;
        CREATE INDEX outbox_by_state ON outbox(state, id);
        CREATE INDEX outbox_by_reading ON outbox(readingID);
        CREATE INDEX outbox_by_sequence ON outbox(sequenceKey, id) WHERE sequenceKey IS NOT NULL;
        CREATE INDEX outbox_urgent ON outbox(state, id) WHERE priority > 0;
        UPDATE sqlite_sequence SET seq = 7 WHERE name = 'outbox';
        DELETE FROM grdb_migrations WHERE identifier = 'store.v6-outbox-high-water';
        COMMIT;
        """
}
