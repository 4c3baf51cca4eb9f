import Foundation
import HealthProfiles
import ReadingStore
import Testing

@Suite struct IngestTests {
    @Test func storesAReadingAndQueuesIt() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        let outcome = try await store.ingest(Samples.bloodPressure())
        guard case let .stored(id) = outcome else {
            Issue.record("expected .stored, got \(outcome)")
            return
        }
        let stored = try #require(try await store.storedReading(id))
        #expect(stored.reading == Samples.bloodPressure())
        #expect(stored.rawFrame == Samples.frame)
        #expect(stored.sensor == Samples.cuff)
        let item = try #require(try await store.outboxItem(kind: .reading, key: id.rawValue))
        #expect(item.state == .pending)
        #expect(item.readingRowID == stored.rowID)
        #expect(try await store.outboxStatus().pending == 1)
    }

    @Test func aResentStoredRecordIsADuplicate() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        let first = try await store.ingest(Samples.bloodPressure(), receivedAt: Samples.t0)
        // The cuff replays its memory at the next connection, an hour later.
        let again = try await store.ingest(Samples.bloodPressure(), receivedAt: Samples.t0.addingTimeInterval(3600))
        #expect(again == .duplicate(first.readingID))
        let other = try await store.ingest(Samples.bloodPressure(systolic: "139"), receivedAt: Samples.t0)
        #expect(!other.isDuplicate)
        #expect(try await store.readingCount() == 2)
        #expect(try await store.outboxStatus().pending == 2)
    }

    @Test func glucoseRecordsAreIdentifiedBySequenceNumber() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        // RACP "all records" twice: every record comes back.
        for _ in 0..<2 {
            for sequence in UInt16(1)...5 { _ = try await store.ingest(Samples.glucose(sequence: sequence)) }
        }
        #expect(try await store.readingCount() == 5)
    }

    @Test func identicalClocklessFramesAtDifferentTimesAreBothKept() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        let morning = try await store.ingest(Samples.clocklessTemperature(), receivedAt: Samples.t0)
        let evening = try await store.ingest(Samples.clocklessTemperature(), receivedAt: Samples.t0.addingTimeInterval(36_000))
        #expect(!morning.isDuplicate && !evening.isDuplicate)
        #expect(morning.readingID != evening.readingID)
        // The very same delivery (same receipt instant) is still one measurement.
        let repeated = try await store.ingest(Samples.clocklessTemperature(), receivedAt: Samples.t0)
        #expect(repeated == .duplicate(morning.readingID))
    }

    @Test func theIdentifierIgnoresEncodingDetailsButNotContent() {
        let reading = Samples.bloodPressure()
        var reordered = reading
        reordered.components.reverse()
        var reprecised = reading
        reprecised.components[0].value = .number(DecimalNumber(mantissa: 1380, exponent: -1))
        var qualified = reading
        qualified.qualifiers = ["meal": "fasting"]
        let id = ReadingIdentity.identifier(for: reading, sensor: Samples.cuff, receivedAt: Samples.t0)
        #expect(ReadingIdentity.identifier(for: reordered, sensor: Samples.cuff, receivedAt: Samples.t0) == id)
        #expect(ReadingIdentity.identifier(for: reprecised, sensor: Samples.cuff, receivedAt: Samples.t0) == id)
        #expect(ReadingIdentity.identifier(for: qualified, sensor: Samples.cuff, receivedAt: Samples.t0) == id)
        // Receipt time does not matter when the device timestamps its records.
        #expect(ReadingIdentity.identifier(for: reading, sensor: Samples.cuff, receivedAt: Date()) == id)

        var flagged = reading
        flagged.flags = [.bodyMovement]
        var otherUser = reading
        otherUser.userID = 2
        for changed in [flagged, otherUser, Samples.bloodPressure(pulse: "61"), Samples.bloodPressure(minute: 42)] {
            #expect(ReadingIdentity.identifier(for: changed, sensor: Samples.cuff, receivedAt: Samples.t0) != id)
        }
        #expect(ReadingIdentity.identifier(for: reading, sensor: Samples.oximeter, receivedAt: Samples.t0) != id)
    }

    /// Freezes the identifier algorithm: if this value changes, every record a device re-sends after an
    /// upgrade would be stored and forwarded a second time. Change the algorithm only by versioning it.
    /// The expected value was computed independently (Python hashlib over the documented canonical text).
    @Test func theIdentifierAlgorithmIsFrozen() {
        let id = ReadingIdentity.identifier(for: Samples.bloodPressure(), sensor: Samples.cuff, receivedAt: Samples.t0)
        #expect(id.rawValue == "be70ad9a-4ea7-8c54-b576-b742b0a08ef4")
        // UUID version 8, RFC 9562 variant.
        let characters = Array(id.rawValue)
        #expect(characters[14] == "8")
        #expect("89ab".contains(characters[19]))
    }

    /// A glucometer's restarted numbering: series 0 leaves every identity as it was (the frozen one above), a later
    /// series gives the same record another identity; a record without a sequence number ignores the series.
    @Test func theRecordSeriesSeparatesARestartedNumbering() {
        let record = Samples.glucose(sequence: 1)
        let original = ReadingIdentity.identifier(for: record, sensor: Samples.cuff, receivedAt: Samples.t0)
        #expect(ReadingIdentity.identifier(for: record, sensor: Samples.cuff, receivedAt: Samples.t0, series: 0) == original)
        let restarted = ReadingIdentity.identifier(for: record, sensor: Samples.cuff, receivedAt: Samples.t0, series: 1)
        #expect(restarted != original)
        #expect(ReadingIdentity.identifier(for: record, sensor: Samples.cuff, receivedAt: Samples.t0, series: 2) != restarted)
        let unnumbered = Samples.bloodPressure()
        #expect(ReadingIdentity.identifier(for: unnumbered, sensor: Samples.cuff, receivedAt: Samples.t0, series: 3)
                == ReadingIdentity.identifier(for: unnumbered, sensor: Samples.cuff, receivedAt: Samples.t0))
    }

    @Test func aStoredReadingSurvivesReopening() async throws {
        let directory = TemporaryDirectory()
        let id: ReadingID
        do {
            let store = try directory.openStore()
            id = try await store.ingest(Samples.bloodPressure()).readingID
            try store.close()
        }
        let reopened = try directory.openStore()
        #expect(try await reopened.storedReading(id)?.reading == Samples.bloodPressure())
        #expect(try await reopened.ingest(Samples.bloodPressure()) == .duplicate(id))
    }

    @Test func concurrentIngestsOfTheSameRecordStoreItOnce() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        let outcomes = try await withThrowingTaskGroup(of: IngestOutcome.self) { group in
            for _ in 0..<20 { group.addTask { try await store.ingest(Samples.bloodPressure()) } }
            return try await group.reduce(into: [IngestOutcome]()) { $0.append($1) }
        }
        #expect(outcomes.filter { !$0.isDuplicate }.count == 1)
        #expect(Set(outcomes.map(\.readingID)).count == 1)
        #expect(try await store.readingCount() == 1)
    }

    @Test func batchIngestIsOneTransaction() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        let requests = (UInt16(1)...50).map {
            IngestRequest(reading: Samples.glucose(sequence: $0), rawFrame: [], sensor: Samples.cuff,
                          receivedAt: Samples.t0, measuredAt: Samples.t0)
        }
        let outcomes = try await store.ingest(contentsOf: requests + requests.prefix(3))
        #expect(outcomes.filter(\.isDuplicate).count == 3)
        #expect(try await store.readingCount() == 50)
    }

    @Test func readingsCanBeQueriedByTimeAndKind() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        for hour in 0..<5 {
            let at = Samples.t0.addingTimeInterval(Double(hour) * 3600)
            _ = try await store.ingest(Samples.bloodPressure(minute: hour), receivedAt: at)
            _ = try await store.ingest(Samples.glucose(sequence: UInt16(hour)), sensor: Samples.oximeter, receivedAt: at)
        }
        let window = DateInterval(start: Samples.t0.addingTimeInterval(3600), end: Samples.t0.addingTimeInterval(3 * 3600))
        let pressures = try await store.readings(measuredIn: window, kind: .bloodPressure)
        #expect(pressures.count == 3)
        #expect(pressures.map(\.measuredAt) == pressures.map(\.measuredAt).sorted())
        #expect(try await store.readings(measuredIn: window, sensor: Samples.oximeter).count == 3)
    }
}

@Suite struct IngestValidationTests {
    @Test func impossibleTimesAreRejectedAndNothingIsStored() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        for bad in [Date(timeIntervalSince1970: .nan), Date(timeIntervalSince1970: .infinity), Date.distantFuture.addingTimeInterval(1e12)] {
            await #expect(throws: StoreError.self) {
                try await store.ingest(Samples.bloodPressure(), rawFrame: [], sensor: Samples.cuff, receivedAt: Samples.t0,
                                       measuredAt: bad)
            }
        }
        #expect(try await store.readingCount() == 0)
    }
}
