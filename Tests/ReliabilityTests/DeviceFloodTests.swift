import Foundation
import GatewayTestSupport
import HealthProfiles
import Testing

extension DeviceFaults {
    /// A provisioned thermometer gone mad sends a new temperature every few milliseconds: only what its profile's
    /// rate limit allows is stored, the rest is counted and shown, the flood is one technical problem logged once,
    /// and it clears once the device has been calm.
    @Suite struct DeviceFloodTests {
        static let floodFrames = 300

        /// Distinct temperatures (so that none is a repeated delivery), each with its own time stamp.
        static func flood() throws -> [String] {
            try (0..<floodFrames).map { index in
                let measurement = TemperatureMeasurement(
                    unit: .celsius, temperature: .finite(DecimalNumber(mantissa: Int64(3500 + index), exponent: -2)),
                    timestamp: try DeviceRecords.deviceTime(secondsAgo: floodFrames - index), temperatureType: .ear)
                return "\"\(DeviceRecords.hex(try measurement.encoded()))\""
            }
        }

        static func scenario() throws -> String {
            Scenarios.thermometerHome(
                sends: ["stream: {intervalMs: 2, repeat: false, frames: [\(try flood().joined(separator: ", "))]}"],
                timing: "{gattExportDelayMs: 30, connectDelayMs: 5, resolveDelayMs: 5}")
        }

        @Test func aFloodingDeviceIsLimitedCountedAndReportedOncePerEpisode() async throws {
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("dho-flood-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: work) }
            let gateway = try await GatewayHarness.start(scenario: try Scenarios.write(try Self.scenario(), in: work), startDaemon: false)
            // The thermometer's calm period cut to 2 s, so that the test need not wait 5 minutes.
            try gateway.editDeviceProfile("thermometer.yaml") {
                $0.replacingOccurrences(of: "calm_after_seconds: 300", with: "calm_after_seconds: 2")
            }
            try await gateway.startDaemon()
            try await withGateway("device-flood", gateway) {
                let paired = try await gateway.dhoctl(["pair", Scenarios.thermometer, "--by", "technician-e2e"])
                #expect(paired.status == 0, "\(paired.stderr)")

                // The flood is raised as a technical problem naming the device.
                try await gateway.waitUntil("the device-flooding problem") { try await gateway.technicalAlerts().contains("device-flooding") }
                let status = try await gateway.dhoctl(["status"])
                #expect(status.stdout.contains("PROBLEM:    device \(Scenarios.thermometer) sends more readings than it can measure"),
                        "\(status.stdout)")

                // Every frame is either stored (the burst of 40, plus what 4 a minute adds) or counted as dropped.
                @Sendable func dropped() async throws -> Int {
                    let devices = try await gateway.dhoctlJSON(["devices"]) as? [[String: Any]] ?? []
                    return devices.first { $0["address"] as? String == Scenarios.thermometer }?["droppedByRateLimit"] as? Int ?? -1
                }
                try await gateway.waitUntil("all \(Self.floodFrames) frames stored or dropped") {
                    let stored = try await gateway.status()["readingsStored"] as? Int ?? 0
                    return try await stored + dropped() == Self.floodFrames
                }
                let stored = try #require(try await gateway.status()["readingsStored"] as? Int)
                #expect(stored >= 40 && stored <= 45, "stored \(stored)")
                let droppedCount = try await dropped()
                let json = try await gateway.status()
                let limited = json["rateLimited"] as? [[String: Any]] ?? []
                #expect(limited.first?["address"] as? String == Scenarios.thermometer)
                #expect(limited.first?["droppedByRateLimit"] as? Int == droppedCount)
                let devicesText = try await gateway.dhoctl(["devices"])
                #expect(devicesText.stdout.contains("OVER LIMIT") && devicesText.stdout.contains(" \(droppedCount)\n"), "\(devicesText.stdout)")
                let statusText = try await gateway.dhoctl(["status"])
                #expect(statusText.stdout.contains(
                    "rate limit: \(Scenarios.thermometer) \(droppedCount) reading frame(s) over its limit not stored"), "\(statusText.stdout)")

                // Calm for 2 s: the problem clears, and the episode is one line at each end, not one per frame.
                try await gateway.waitUntil("the flood to be over") { try await !gateway.technicalAlerts().contains("device-flooding") }
                let log = gateway.daemonLog
                #expect(log.components(separatedBy: "sends more readings than it can measure").count - 1 == 1)
                #expect(log.contains("device calm again: \(droppedCount) reading frame(s) over its rate limit were not stored"))

                try await gateway.waitUntil("what was stored delivered") {
                    (try await gateway.status()["queue"] as? [String: Any])?["undelivered"] as? Int == 0
                }
                // Each stored temperature and its coincident time stamp.
                #expect(try await gateway.receiver.identifiers("Observation").count == 2 * stored)
            }
        }
    }
}
