import Foundation
import GatewayTestSupport
#if canImport(Glibc)
import Glibc
#endif
import HealthProfiles
import ReadingStore

/// Shared helpers: sample readings, temp directories, timing.
enum BenchSupport {
    static let sensor = SensorKey(rawValue: "bt:00:1C:05:FF:E8:74")!
    static let baseSeconds: Int64 = 63_880_000_000  // 2025 in the device's calendar

    /// A distinct blood-pressure reading per index (the device clock advances a minute each time).
    static func reading(_ index: Int) -> Reading {
        let time = DeviceDateTime(secondsSinceEpochOfCalendar: baseSeconds + Int64(index) * 60)
        func value(_ number: Int) -> MeasuredValue { .number(DecimalNumber(number)) }
        return Reading(
            kind: .bloodPressure, characteristic: 0x2A35, deviceTime: time,
            components: [
                ReadingComponent(.systolicPressure, value(110 + index % 60), .millimetreOfMercury),
                ReadingComponent(.diastolicPressure, value(70 + index % 30), .millimetreOfMercury),
                ReadingComponent(.meanArterialPressure, value(90 + index % 20), .millimetreOfMercury),
                ReadingComponent(.pulseRate, value(55 + index % 40), .perMinute),
            ],
            userID: 1)
    }

    static let frame: [UInt8] = [0x1E, 0x8A, 0x00, 0x58, 0x00, 0x78, 0x00, 0x00, 0x00, 0x04, 0x11, 0x14, 0x29, 0x3B,
                                 0x3C, 0x00, 0x01, 0x27, 0x00]

    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dho-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// User + system CPU time of this process so far.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2]
            : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// Runs a command (found on PATH) to completion without blocking the concurrency pool.
    static func run(_ arguments: [String], stdin: String? = nil, in directory: String) async throws -> CommandOutput {
        try await ProcessRunner.run(
            URL(fileURLWithPath: "/usr/bin/env"), arguments, stdin: stdin, workingDirectory: URL(fileURLWithPath: directory))
    }
}
