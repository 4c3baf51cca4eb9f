import Foundation
import GRDB
import HealthProfiles
import ReadingStore
import Synchronization
import Testing

/// A reading's outbox item is inserted once, at the end of the reading's commit, with what the step that follows
/// the reading (triage) gave it: its state, priority and annotation (issue 16, flash wear: the row was inserted
/// and then grown, which rewrote the outbox's leaf and its state index twice in one commit).
@Suite struct DeferredReadingItemTests {
    static func request(_ sequence: UInt16) -> IngestRequest {
        IngestRequest(
            reading: Samples.glucose(sequence: sequence), rawFrame: Samples.frame, sensor: Samples.cuff,
            receivedAt: Samples.t0, measuredAt: Samples.t0, held: true)
    }

    /// Records the outbox's row events of the rest of the transaction it is added in.
    final class OutboxEvents: TransactionObserver, Sendable {
        let events = Mutex<[DatabaseEvent.Kind]>([])

        func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool {
            switch eventKind {
            case let .insert(table), let .delete(table), let .update(table, _): table == "outbox"
            }
        }
        func databaseDidChange(with event: DatabaseEvent) { events.withLock { $0.append(event.kind) } }
        func databaseDidCommit(_ db: Database) {}
        func databaseDidRollback(_ db: Database) {}
    }

    @Test func theReadingsItemIsInsertedOnceWithItsReleaseAndAnnotation() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        let observer = OutboxEvents()
        let (outcome, followed) = try await store.ingest(Self.request(1)) { unit, outcome in
            unit.db.add(transactionObserver: observer, extent: .nextTransaction)
            return try unit.release([outcome.readingID], priority: .urgent, annotation: Array("evaluation".utf8))
        }
        #expect(try followed.get() == 1)
        // One insert, at its final size: no update after it.
        #expect(observer.events.withLock { $0 } == [.insert])
        let item = try #require(try await store.outboxItem(kind: .reading, key: outcome.readingID.rawValue))
        #expect(item.state == .pending && item.priority == .urgent && item.annotation == Array("evaluation".utf8))
        try store.close()
    }

    @Test func aReleaseUndoneWithItsSavepointLeavesTheItemHeldAsQueued() async throws {
        struct Refused: Error {}
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        let (outcome, followed) = try await store.ingest(Self.request(1)) { unit, outcome in
            let released = try unit.attempt { unit in
                try unit.release([outcome.readingID], priority: .urgent, annotation: Array("evaluation".utf8))
                throw Refused()
            }
            return (try? released.get()) != nil
        }
        #expect(try followed.get() == false)
        let item = try #require(try await store.outboxItem(kind: .reading, key: outcome.readingID.rawValue))
        #expect(item.state == .held && item.priority == .normal && item.annotation == nil)
        #expect(try await store.heldReadings().map(\.id) == [outcome.readingID])
        try store.close()
    }

    /// An alert queued by the step that follows the reading goes out after the reading's item, as when the item
    /// was inserted first; the reading is still released with its annotation.
    @Test func anItemQueuedBeforeTheReleaseComesAfterTheReadingsItem() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        let (outcome, followed) = try await store.ingest(Self.request(1)) { unit, outcome in
            try unit.enqueue(kind: .alert, key: "flag-1", payload: Array("[]".utf8))
            return try unit.release([outcome.readingID], annotation: Array("evaluation".utf8))
        }
        #expect(try followed.get() == 1)
        let batch = try await store.claimDelivery(limit: 10)
        #expect(batch.items.map(\.kind) == [.reading, .alert])
        #expect(batch.items.first?.key == outcome.readingID.rawValue)
        #expect(batch.items.first?.annotation == Array("evaluation".utf8))
        try store.close()
    }

    /// Inserted by a savepoint that then failed, the item is inserted again at the end: the reading keeps its item.
    @Test func anItemInsertedInsideAFailedSavepointIsStillQueued() async throws {
        struct Refused: Error {}
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        let (outcome, _) = try await store.ingest(Self.request(1)) { unit, _ in
            _ = try unit.attempt { unit in
                try unit.enqueue(kind: .alert, key: "flag-1", payload: Array("[]".utf8))
                throw Refused()
            }
        }
        let item = try #require(try await store.outboxItem(kind: .reading, key: outcome.readingID.rawValue))
        #expect(item.state == .held)
        #expect(try await store.outboxItem(kind: .alert, key: "flag-1") == nil)
        try store.close()
    }
}
