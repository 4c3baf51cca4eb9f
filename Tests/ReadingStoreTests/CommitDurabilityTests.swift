import Foundation
import GRDB
import HealthProfiles
@testable import ReadingStore
import Synchronization
import Testing

/// Which commits are fsync'ed before they return (`CommitDurability`): a reading's, always; the forwarder's
/// bookkeeping (claim, delivery mark, retry time) not, because its loss on a power cut is harmless. The writer
/// connection runs at NORMAL and a durable commit syncs the write-ahead log itself (SQLite's FULL in WAL mode); that
/// the sync reaches the disk (`fdatasync` of the log, one per reading) is counted with strace by `bench resources`.
@Suite struct CommitDurabilityTests {
    /// Each operation's commit, one at a time, with the log syncs it made: the reading and every enqueue, release,
    /// park or other module's unit of work synced; only the claim, the delivery mark and the retry time not.
    @Test func onlyTheForwardersBookkeepingCommitsWithoutSyncingTheLog() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        func syncs(_ operation: () async throws -> Void) async rethrows -> Int {
            let before = store.durableSyncs.load(ordering: .relaxed)
            try await operation()
            return store.durableSyncs.load(ordering: .relaxed) - before
        }

        #expect(try await syncs { _ = try await store.ingest(Samples.glucose(sequence: 1)) } == 1)
        #expect(try await syncs { _ = try await store.ingest(Samples.glucose(sequence: 2)) } == 1)
        #expect(try await syncs { try await store.enqueue(kind: .alert, key: "a1", payload: Array("[]".utf8)) } == 1)
        var first: ClaimedBatch?
        #expect(try await syncs { first = try await store.claimDelivery(limit: 1) } == 0)
        let delivered = try #require(first).items.map(\.id)
        #expect(try await syncs { try await store.markDelivered(delivered) } == 0)
        var second: [OutboxItem] = []
        #expect(try await syncs { second = try await store.claimBatch(limit: 1) } == 0)
        #expect(try await syncs { try await store.scheduleRetry(second.map(\.id), notBefore: Date(), error: "HTTP 503") } == 0)
        var third: [OutboxItem] = []
        #expect(try await syncs { third = try await store.claimBatch(limit: 1) } == 0)
        let parked = try #require(third.first).id
        #expect(try await syncs { try await store.park(parked, reason: "HTTP 400") } == 1)
        var next: ClaimedBatch?
        #expect(try await syncs { next = try await store.markDeliveredAndClaim([], limit: 10) } == 0)
        _ = next
        // A reading right after bookkeeping, and another module's unit of work (Triage's evaluation, an alert Flag).
        #expect(try await syncs { _ = try await store.ingest(Samples.glucose(sequence: 3)) } == 1)
        #expect(try await syncs { try await store.write { unit in try unit.db.execute(sql: "SELECT 1") } } == 1)
    }

    /// The writer connection commits at NORMAL (no sync of its own) and SQLite gives the store its log's file, on a
    /// new database and after the store is reopened.
    @Test func theWriterRunsAtNormalAndItsLogCanBeSynced() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        _ = try await store.ingest(Samples.glucose(sequence: 1))
        #expect(try await store.writer.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") } == 1)
        try await store.writer.writeWithoutTransaction { db in try StorePragmas.syncWriteAheadLog(db) }
        try store.close()
        let reopened = try directory.openStore()
        #expect(try await reopened.writer.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") } == 1)
        #expect(try await reopened.readingCount() == 1)
        try reopened.close()
    }

    /// Without an open log there is nothing to sync: the call throws rather than let a commit pass for durable (a
    /// database outside WAL mode, its rollback journal closed between transactions).
    @Test func withoutAnOpenLogASyncThrows() throws {
        let directory = TemporaryDirectory()
        let queue = try DatabaseQueue(path: directory.file("rollback.sqlite"))
        try queue.write { db in try db.execute(sql: "CREATE TABLE t (x)") }
        #expect(throws: DatabaseError.self) {
            try queue.writeWithoutTransaction { db in try StorePragmas.syncWriteAheadLog(db) }
        }
    }

    @Test func aNewDatabaseHasSmallPagesAndAnExistingOneKeepsItsOwn() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        let pageSize = try await store.read { db in try Int.fetchOne(db, sql: "PRAGMA page_size") }
        #expect(pageSize == StorePragmas.pageSizeForNewDatabases)
        try store.close()

        // A database created before issue 16 (4096-byte pages, the old default) keeps them and works.
        let old = directory.file("old.sqlite")
        let queue = try DatabaseQueue(path: old)
        try await queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; CREATE TABLE t (x); DROP TABLE t;")
        }
        try queue.close()
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: old)
        for companion in [old + "-wal", old + "-shm"] where FileManager.default.fileExists(atPath: companion) {
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: companion)
        }
        let reopened = try ReadingStore.open(StoreConfiguration(path: old))
        _ = try await reopened.ingest(Samples.glucose(sequence: 1))
        #expect(try await reopened.read { db in try Int.fetchOne(db, sql: "PRAGMA page_size") } == 4096)
        #expect(try await reopened.readingCount() == 1)
        try reopened.close()
    }
}
