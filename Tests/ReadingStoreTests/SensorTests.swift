import Foundation
import ReadingStore
import Testing

@Suite struct SensorTests {
    @Test func upsertMergesWhatEachSourceKnows() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        try await store.upsertSensor(SensorUpdate(
            key: Samples.cuff, address: "00:1C:05:FF:E8:74", manufacturer: "A&D", model: "UA-651BLE",
            serial: "5170900123", firmware: "1.2", systemID: "001C05FFFEE87400", profile: "blood-pressure",
            seenAt: Samples.t0))
        // A later battery notification knows only the battery level and the time.
        try await store.upsertSensor(SensorUpdate(
            key: Samples.cuff, batteryLevel: 80, clockOffset: -12.5, seenAt: Samples.t0.addingTimeInterval(60)))
        // An older event must not move lastSeen backwards.
        try await store.upsertSensor(SensorUpdate(key: Samples.cuff, firmware: "1.3", seenAt: Samples.t0))

        let record = try #require(try await store.sensor(Samples.cuff))
        #expect(record.manufacturer == "A&D")
        #expect(record.model == "UA-651BLE")
        #expect(record.serial == "5170900123")
        #expect(record.firmware == "1.3")
        #expect(record.systemID == "001C05FFFEE87400")
        #expect(record.batteryLevel == 80)
        #expect(record.clockOffset == -12.5)
        #expect(record.firstSeenAt == Samples.t0)
        #expect(record.lastSeenAt == Samples.t0.addingTimeInterval(60))
    }

    @Test func ingestRegistersAnUnknownSensor() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        _ = try await store.ingest(Samples.bloodPressure(), sensor: Samples.oximeter)
        let sensors = try await store.sensors()
        #expect(sensors.map(\.key) == [Samples.oximeter])
        #expect(try await store.sensors([Samples.oximeter, Samples.cuff]).keys.sorted() == [Samples.oximeter])
    }

    @Test func invalidValuesAreRejectedWithAClearError() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        await #expect(throws: StoreError.self) {
            try await store.upsertSensor(SensorUpdate(key: Samples.cuff, batteryLevel: 140))
        }
        #expect(try await store.sensors().isEmpty)
        #expect(SensorKey(rawValue: "") == nil)
        #expect(SensorKey(rawValue: "has space") == nil)
        #expect(throws: StoreError.self) { try SensorKey(String(repeating: "x", count: 129)) }
    }
}
