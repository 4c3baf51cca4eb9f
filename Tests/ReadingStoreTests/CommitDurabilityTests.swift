import Foundation
import GRDB
import HealthProfiles
@testable import ReadingStore
import Synchronization
import Testing

/// Which commits are fsync'ed before they return (`CommitDurability`): a reading's, always; the forwarder's
/// bookkeeping (claim, delivery mark, retry time) not, because its loss on a power cut is harmless.
@Suite struct CommitDurabilityTests {
    /// Read inside the reading's own transaction, just before its commit: whatever ran on the writer connection
    /// before (bookkeeping at NORMAL), the reading commits with FULL.
    @Test func aReadingCommitsWithFullSyncAlsoRightAfterBookkeeping() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        #expect(try await synchronousAtCommit(of: Samples.glucose(sequence: 1), in: store) == 2)

        let claimed = try await store.claimDelivery(limit: 10)
        #expect(claimed.items.count == 1)
        #expect(try await synchronousAtCommit(of: Samples.glucose(sequence: 2), in: store) == 2)
        try await store.markDelivered(claimed.items.map(\.id))
        #expect(try await synchronousAtCommit(of: Samples.glucose(sequence: 3), in: store) == 2)
        let retried = try await store.claimDelivery(limit: 10)
        try await store.scheduleRetry(retried.items.map(\.id), notBefore: Date(), error: "HTTP 503")
        #expect(try await synchronousAtCommit(of: Samples.glucose(sequence: 4), in: store) == 2)
        // Another module's unit of work (Triage's evaluation, an alert Flag) is durable too.
        let unitLevel = try await store.write { unit in try Int.fetchOne(unit.db, sql: "PRAGMA synchronous") }
        #expect(unitLevel == 2)
    }

    /// The level each commit ran with, from SQLite's own trace of the writer connection: the reading and every
    /// enqueue, release or park at FULL; only the claim, the delivery mark and the retry time at NORMAL.
    @Test func onlyTheForwardersBookkeepingCommitsWithoutFsync() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        let trace = WriterTrace()
        try await trace.install(on: store)

        _ = try await store.ingest(Samples.glucose(sequence: 1))
        _ = try await store.ingest(Samples.glucose(sequence: 2))
        try await store.enqueue(kind: .alert, key: "a1", payload: Array("[]".utf8))
        let first = try await store.claimDelivery(limit: 1)
        try await store.markDelivered(first.items.map(\.id))
        let second = try await store.claimBatch(limit: 1)
        try await store.scheduleRetry(second.map(\.id), notBefore: Date(), error: "HTTP 503")
        let third = try await store.claimBatch(limit: 1)
        try await store.park(try #require(third.first).id, reason: "HTTP 400")
        _ = try await store.ingest(Samples.glucose(sequence: 3))

        let commits = trace.commits()
        #expect(commits.map(\.kind) == [
            "ingest", "ingest", "enqueue", "claim", "delivered", "claim", "retry", "claim", "park", "ingest",
        ], "\(commits)")
        for commit in commits {
            let expected = ["claim", "delivered", "retry"].contains(commit.kind) ? "NORMAL" : "FULL"
            #expect(commit.synchronous == expected, "\(commit.kind): \(commit.statements)")
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

    /// `PRAGMA synchronous` inside the reading's transaction (the follower runs in it, before the commit).
    private func synchronousAtCommit(of reading: Reading, in store: ReadingStore) async throws -> Int? {
        let request = IngestRequest(
            reading: reading, rawFrame: Samples.frame, sensor: Samples.cuff, receivedAt: Samples.t0, measuredAt: Samples.t0)
        let (outcome, level) = try await store.ingest(request) { unit, _ in
            try Int.fetchOne(unit.db, sql: "PRAGMA synchronous")
        }
        #expect(!outcome.isDuplicate)
        return try level.get()
    }
}

/// The statements SQLite runs on the store's writer connection, grouped into commits with the synchronous level
/// last set before each.
final class WriterTrace: Sendable {
    struct Commit: CustomStringConvertible {
        var synchronous: String
        var statements: [String]

        var kind: String {
            let text = statements.joined(separator: " ")
            if text.contains("INSERT INTO \"readings\"") || text.contains("INSERT INTO readings") { return "ingest" }
            if text.contains("INSERT INTO outbox") { return "enqueue" }
            // The claim and the delivery mark are cached statements written as SQL, not GRDB's quoted query interface.
            if text.contains("\"attempts\" + ") || text.contains("attempts = attempts + ") { return "claim" }
            if text.contains("\"deliveredAt\"") || text.contains("deliveredAt = ?") { return "delivered" }
            if text.contains("\"parkReason\"") { return "park" }
            if text.contains("\"nextAttemptAt\"") { return "retry" }
            return "other"
        }

        var description: String { "\(kind)@\(synchronous)" }
    }

    private let statements = Mutex<[String]>([])

    func install(on store: ReadingStore) async throws {
        try await store.writer.writeWithoutTransaction { db in
            db.trace(options: .statement) { [self] event in
                statements.withLock { $0.append(event.description) }
            }
        }
    }

    /// The commits traced so far; the connection starts at FULL (`ReadingStore.open` checks it).
    func commits() -> [Commit] {
        var level = "FULL"
        var current: [String]?
        var commits: [Commit] = []
        for statement in statements.withLock({ $0 }) {
            let upper = statement.uppercased()
            if upper.hasPrefix("PRAGMA SYNCHRONOUS =") {
                level = upper.replacingOccurrences(of: "PRAGMA SYNCHRONOUS =", with: "").trimmingCharacters(in: .whitespaces)
            } else if upper.hasPrefix("BEGIN") {
                current = []
            } else if upper.hasPrefix("COMMIT") {
                commits.append(Commit(synchronous: level, statements: current ?? []))
                current = nil
            } else if current != nil {
                current?.append(statement)
            }
        }
        return commits
    }
}
