import Foundation
import GRDB

/// A new reading's outbox item, kept in memory during the reading's commit and inserted once, at the end, with
/// its final state, priority and annotation (issue 16, flash wear).
///
/// The gateway's reading commit queues the item held and then, in the same commit, triage releases it with its
/// evaluation attached. Inserted at once and updated afterwards, the row was written twice: inserted small at the
/// right-hand edge of the outbox, then grown by the annotation, which no longer fits there and makes SQLite
/// rebalance the leaf with its neighbours; and its (state, id) index entry went in under `held` and out again.
/// Inserted at its final size, the row is only appended. Nothing reads the outbox between the two: every other
/// operation of the unit that touches the outbox inserts the item first (`insertIfDeferred`), so it sees the
/// same table as before, and the alert Flags the evaluation queues still come after the reading's item.
final class DeferredReadingItem {
    /// What the row will be inserted with.
    struct Item {
        let readingRowID: Int64
        let key: String
        let enqueuedAt: Date
        var held: Bool
        var priority: OutboxPriority = .normal
        var annotation: Data?
    }

    /// nil once inserted. A savepoint whose body throws puts back what it was before (the insert, if it happened
    /// inside, was undone with the savepoint).
    var item: Item?

    init(_ item: Item) { self.item = item }

    /// Whether `readings` is exactly this (not yet inserted) item's reading.
    func isOnly(_ readings: [ReadingID]) -> Bool {
        guard let item, readings.count == 1 else { return false }
        return readings[0].rawValue == item.key
    }

    /// `Outbox.release` and `Outbox.annotate` on the item in memory; returns how many items were released (0 or 1).
    func release(priority: OutboxPriority, annotation: [UInt8]?) -> Int {
        guard var item else { return 0 }
        if let annotation { item.annotation = Data(annotation) }
        item.priority = max(item.priority, priority)
        let released = item.held ? 1 : 0
        item.held = false
        self.item = item
        return released
    }

    /// Inserts the item if it is still in memory.
    func insertIfDeferred(_ db: Database) throws {
        guard let item else { return }
        _ = try Outbox.enqueue(
            db, kind: .reading, key: item.key, readingRowID: item.readingRowID, payload: nil, held: item.held,
            priority: item.priority, annotation: item.annotation, now: item.enqueuedAt)
        self.item = nil
    }
}
