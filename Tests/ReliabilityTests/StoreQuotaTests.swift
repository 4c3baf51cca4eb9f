import Foundation
import Gateway
import HealthProfiles
import Logging
import ReadingStore
import Synchronization
import Testing

/// The store and the device layer at the edge of a full disk, without the daemon around them.
@Suite struct StoreQuotaTests {
    static let sensor = SensorKey(rawValue: "bt:C4:AD:34:00:00:03")!

    static func glucose(_ sequence: Int) throws -> Reading {
        Reading(
            kind: .glucose, characteristic: 0x2A18,
            deviceTime: try DeviceDateTime(year: 2026, month: 3, day: 1 + sequence / 1440 % 28, hours: sequence / 60 % 24,
                                           minutes: sequence % 60, seconds: 0),
            components: [ReadingComponent(.glucose, .number(DecimalNumber(mantissa: 50 + Int64(sequence % 40), exponent: -1)),
                                          .millimolePerLitre)],
            sequenceNumber: UInt16(sequence))
    }

    @Test func aStoreAtItsQuotaRefusesNewReadingsYetReleasesAndDeliversThoseItHolds() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dho-quota-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try ReadingStore.open(StoreConfiguration(
            path: directory.appendingPathComponent("gateway.sqlite").path, maximumSize: 256 << 10))
        var stored: [ReadingID] = []
        var refused = 0
        for sequence in 1...2000 {
            do {
                let outcome = try await store.ingest(try Self.glucose(sequence), rawFrame: [0x01], sensor: Self.sensor,
                                                     receivedAt: Date(), measuredAt: Date(), held: true)
                stored.append(outcome.readingID)
            } catch StoreError.diskFull {
                refused += 1
            }
        }
        #expect(!stored.isEmpty && refused > 0)
        let usage = try await store.storageUsage()
        #expect(usage.maximumBytes == 256 << 10 && usage.bytes <= 256 << 10)
        // A re-sent record is still recognised (no space needed), and the headroom lets everything stored be
        // released (triage), claimed and marked delivered (forwarding).
        #expect(try await store.ingest(try Self.glucose(1), rawFrame: [0x01], sensor: Self.sensor, receivedAt: Date(),
                                       measuredAt: Date(), held: true) == .duplicate(stored[0]))
        #expect(try await store.release(stored) == stored.count)
        var delivered = 0
        while true {
            let batch = try await store.claimBatch(limit: 100)
            if batch.isEmpty { break }
            try await store.markDelivered(batch.map(\.id))
            delivered += batch.count
        }
        #expect(delivered == stored.count)
        #expect(try await store.integrityCheck() == ["ok"])
        try store.close()
    }

    /// The reserve is for the devices that did not fill the store, and not for a flooding one; delivered readings
    /// make room for new ones and are still recognised when re-sent.
    @Test func theReserveServesOtherDevicesAndDeliveredReadingsMakeRoom() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dho-reserve-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try ReadingStore.open(StoreConfiguration(
            path: directory.appendingPathComponent("gateway.sqlite").path, maximumSize: 256 << 10))
        let oximeter = SensorKey(rawValue: "bt:00:A0:50:00:00:02")!
        func ingest(_ sequence: Int, from sensor: SensorKey = Self.sensor, mayUseReserve: Bool = true) async throws -> IngestOutcome {
            try await store.ingest(try Self.glucose(sequence), rawFrame: [0x01], sensor: sensor, receivedAt: Date(),
                                   measuredAt: Date(), held: true, mayUseReserve: mayUseReserve)
        }
        var stored: [ReadingID] = []
        var next = 1
        while true {
            do { stored.append(try await ingest(next).readingID) } catch StoreError.diskFull { break }
            next += 1
        }
        // The meter filled the store: it gets no reserve, another device does, unless it is flooding.
        await #expect(throws: StoreError.diskFull) { try await ingest(next) }
        await #expect(throws: StoreError.diskFull) { try await ingest(1, from: oximeter, mayUseReserve: false) }
        #expect(try await !ingest(1, from: oximeter).isDuplicate)

        // Once the meter's readings are delivered, its next one evicts the oldest of them.
        #expect(try await store.release(stored) == stored.count)
        let batch = try await store.claimBatch(limit: 1000)
        try await store.markDelivered(batch.map(\.id))
        #expect(try await !ingest(next).isDuplicate)
        #expect(try await ingest(1) == .duplicate(stored[0]))
        let usage = try await store.storageUsage()
        #expect(usage.bytes <= 256 << 10)
        #expect(try await store.integrityCheck() == ["ok"])
        try store.close()
    }

    /// A sink that cannot store one sequence number (disk full) and stores the rest.
    final class FailingSink: ReadingSink {
        let failing = Mutex<Set<Int>>([])
        func accept(_ reading: FramedReading, from device: ProvisionedDevice, receivedAt: Date, clockOffset: TimeInterval?)
            async throws -> ReadingAcceptance {
            if let sequence = reading.reading.sequenceNumber.map(Int.init), failing.withLock({ $0.contains(sequence) }) {
                throw StoreError.diskFull
            }
            return .stored
        }
    }

    @Test func theRecordCursorStaysBelowARecordThatCouldNotBeStored() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dho-cursor-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try ReadingStore.open(
            StoreConfiguration(path: directory.appendingPathComponent("gateway.sqlite").path), migrations: DeviceRegistry.migrations)
        let registry = DeviceRegistry(store: store)
        let address = "C4:AD:34:00:00:03"
        try await registry.provision(address: address, profile: "glucose", name: "meter", by: "tech", at: Date())
        let device = try #require(try await registry.device(address: address))
        let sink = FailingSink()
        sink.failing.withLock { $0 = [3] }
        let processor = DeviceFrameProcessor(device: device, sink: sink, registry: registry, logger: Logger(label: "test"))
        let running = Task { await processor.run() }
        let frames = try DeviceRecords.glucoseRecords(count: 5)

        // Record 3 fails, 4 and 5 are stored: the cursor stays at 2, so the meter is asked for 3 again.
        for frame in frames { processor.submit(.glucoseMeasurement, frame) }
        await processor.flush()
        #expect(try await registry.device(address: address)?.lastSequenceNumber == 2)
        #expect(processor.counters.failed == 1 && processor.counters.stored == 4)

        // The next transfer (from 3) stores it, and the cursor moves to the end.
        sink.failing.withLock { $0 = [] }
        for frame in frames.dropFirst(2) { processor.submit(.glucoseMeasurement, frame) }
        await processor.flush()
        #expect(try await registry.device(address: address)?.lastSequenceNumber == 5)
        processor.stop()
        await running.value
        try store.close()
    }
}
