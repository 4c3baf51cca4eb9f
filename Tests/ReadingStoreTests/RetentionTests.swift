import Foundation
import ReadingStore
import Testing

@Suite struct RetentionTests {
    @Test func deletesOnlyOldDeliveredReadingsAndRemembersTheirIdentity() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore(retentionDays: 30)
        let old = Samples.t0
        let recent = Samples.t0.addingTimeInterval(40 * 86_400)
        let now = Samples.t0.addingTimeInterval(45 * 86_400)
        let oldDelivered = try await store.ingest(Samples.glucose(sequence: 1), receivedAt: old).readingID
        let oldPending = try await store.ingest(Samples.glucose(sequence: 2), receivedAt: old).readingID
        let oldParked = try await store.ingest(Samples.glucose(sequence: 3), receivedAt: old).readingID
        let recentDelivered = try await store.ingest(Samples.glucose(sequence: 4), receivedAt: recent).readingID
        try await store.upsertSensor(SensorUpdate(key: Samples.cuff, model: "meter", seenAt: old))

        let batch = try await store.claimBatch(limit: 10)
        func item(_ id: ReadingID) -> Int64 { batch.first { $0.key == id.rawValue }?.id ?? -1 }
        try await store.markDelivered([item(oldDelivered), item(recentDelivered)], at: old)
        try await store.scheduleRetry([item(oldPending)], notBefore: old, error: "HTTP 503")
        try await store.park(item(oldParked), reason: "HTTP 422")

        let report = try await store.applyRetention(now: now)
        #expect(report.readingsDeleted == 1)
        #expect(try await store.storedReading(oldDelivered) == nil)
        #expect(try await store.storedReading(oldPending) != nil)
        #expect(try await store.storedReading(oldParked) != nil)
        #expect(try await store.storedReading(recentDelivered) != nil)
        #expect(try await store.sensor(Samples.cuff)?.model == "meter")
        let status = try await store.outboxStatus()
        #expect(status.parked == 1 && status.pending == 1 && status.delivered == 1)

        // The meter replays its memory: the deleted record is still known and not forwarded again.
        #expect(try await store.ingest(Samples.glucose(sequence: 1), receivedAt: now) == .duplicate(oldDelivered))
        #expect(try await store.outboxStatus().pending == 1)
    }

    @Test func deliveredItemsOfOtherKindsAreRemovedButParkedOnesKept() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore(retentionDays: 1)
        try await store.enqueue(kind: .alert, key: "a1", payload: Array("[]".utf8))
        try await store.enqueue(kind: .alert, key: "a2", payload: Array("[]".utf8))
        let batch = try await store.claimBatch(limit: 2)
        try await store.markDelivered([batch[0].id], at: Samples.t0)
        try await store.park(batch[1].id, reason: "HTTP 400", at: Samples.t0)
        let report = try await store.applyRetention(now: Samples.t0.addingTimeInterval(3 * 86_400))
        #expect(report.outboxItemsDeleted == 1)
        #expect(try await store.outboxItem(kind: .alert, key: "a1") == nil)
        #expect(try await store.outboxItem(kind: .alert, key: "a2")?.state == .parked)
    }
}
