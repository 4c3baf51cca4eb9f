import Foundation
import HealthProfiles
import ReadingStore

/// A fresh directory per test, removed when the value goes away.
final class TemporaryDirectory: Sendable {
    let path: String

    init() {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("dho-store-tests-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    func openStore(retentionDays: Int = 90, migrations: [StoreMigration] = []) throws -> ReadingStore {
        try ReadingStore.open(
            StoreConfiguration(path: file("gateway.sqlite"), retentionDays: retentionDays), migrations: migrations)
    }
}

enum Samples {
    static let cuff = SensorKey(rawValue: "bt:00:1C:05:FF:E8:74")!
    static let oximeter = SensorKey(rawValue: "bt:00:1C:05:AA:BB:CC")!
    static let t0 = Date(timeIntervalSince1970: 1_750_000_000)

    static func time(_ minute: Int, second: Int = 0) -> DeviceDateTime? {
        try? DeviceDateTime(year: 2025, month: 4, day: 17, hours: 20, minutes: minute, seconds: second)
    }

    static func number(_ text: String) -> MeasuredValue { .number(DecimalNumber(text) ?? DecimalNumber(0)) }

    static func bloodPressure(
        systolic: String = "138", diastolic: String = "88", pulse: String = "60", minute: Int = 41,
        flags: [ReadingFlag] = []
    ) -> Reading {
        Reading(
            kind: .bloodPressure, characteristic: 0x2A35, deviceTime: time(minute, second: 59),
            components: [
                ReadingComponent(.systolicPressure, number(systolic), .millimetreOfMercury),
                ReadingComponent(.diastolicPressure, number(diastolic), .millimetreOfMercury),
                ReadingComponent(.meanArterialPressure, number("120"), .millimetreOfMercury),
                ReadingComponent(.pulseRate, number(pulse), .perMinute),
            ],
            flags: flags, userID: 1)
    }

    static func glucose(sequence: UInt16, value: String = "5.4") -> Reading {
        Reading(
            kind: .glucose, characteristic: 0x2A18, deviceTime: time(10),
            components: [ReadingComponent(.glucose, number(value), .millimolePerLitre)], sequenceNumber: sequence)
    }

    /// A thermometer without a clock: neither device time nor sequence number.
    static func clocklessTemperature(_ value: String = "36.8") -> Reading {
        Reading(
            kind: .bodyTemperature, characteristic: 0x2A1C,
            components: [ReadingComponent(.bodyTemperature, number(value), .celsius)])
    }

    static let frame: [UInt8] = [0x1E, 0x8A, 0x00, 0x58, 0x00, 0x78, 0x00, 0x00, 0x00, 0x04, 0x11, 0x14, 0x29, 0x3B]
}

extension ReadingStore {
    /// Ingests with sensible defaults for tests.
    func ingest(
        _ reading: Reading, sensor: SensorKey = Samples.cuff, receivedAt: Date = Samples.t0,
        frame: [UInt8] = Samples.frame
    ) async throws(StoreError) -> IngestOutcome {
        try await ingest(reading, rawFrame: frame, sensor: sensor, receivedAt: receivedAt, measuredAt: receivedAt)
    }
}
