import BlueZ
import FHIRTestSupport
import Foundation
import GatewayTestSupport
import HealthProfiles
import Testing

extension DeviceModelFaults {
    /// The centre's inventory of the patient's devices (README "The hub at the centre"): the sensor's Device is
    /// updated when its firmware or battery changes, the battery level arrives as the PHD IG's
    /// MDC_ATTR_VAL_BATT_CHARGE Observation, a low battery is a technical Flag, and a forgotten device is inactive.
    @Suite struct DeviceInventoryTests {
        static let cuff = BluetoothAddress("A0:9E:1A:00:00:01")!
        static let sensorIdentifier = "bt:A0:9E:1A:00:00:01"

        static func cuffDevice(_ gateway: GatewayHarness) async throws -> [String: Any]? {
            try await gateway.receiver.resources("Device").first { device in
                (device["identifier"] as? [[String: Any]] ?? []).contains { $0["value"] as? String == sensorIdentifier }
            }
        }

        static func firmware(_ device: [String: Any]?) -> String? {
            (device?["version"] as? [[String: Any]])?.first?["value"] as? String
        }

        /// The battery levels the centre has, as MDC_ATTR_VAL_BATT_CHARGE Observations.
        static func batteryLevels(_ gateway: GatewayHarness) async throws -> [Int] {
            try await gateway.receiver.search("Observation", "code=urn:iso:std:iso:11073:10101%7C67996").compactMap {
                ($0["valueQuantity"] as? [String: Any])?["value"] as? Int
            }.sorted()
        }

        /// The status of the centre's Flag for the technical alert `code`.
        static func technicalFlag(_ gateway: GatewayHarness, _ code: String) async throws -> String? {
            try await gateway.receiver.resources("Flag").first { flag in
                (((flag["code"] as? [String: Any])?["coding"] as? [[String: Any]])?.first?["code"] as? String) == code
            }?["status"] as? String
        }

        @Test func firmwareAndBatteryChangesUpdateTheCentresDeviceAndAForgottenDeviceIsInactive() async throws {
            let gateway = try await GatewayHarness.start(
                extraConfiguration: "alerts:\n  schedule-check-interval: 1s\n", revisitInterval: "1s",
                centreSettings: ["battery-low-below: 20"])
            try await withGateway("device-inventory", gateway) {
                let paired = try await gateway.dhoctl(["pair", Self.cuff.description, "--by", "technician-e2e"])
                #expect(paired.status == 0, "\(paired.stderr)")
                try await gateway.waitUntil("the cuff in the centre's inventory with its battery") {
                    let device = try await Self.cuffDevice(gateway)
                    let levels = try await Self.batteryLevels(gateway)
                    return device?["status"] as? String == "active" && Self.firmware(device) == "1.2.0" && levels == [80]
                }

                // A firmware update and a battery running low, seen on the next visit (after this one has ended).
                try await gateway.waitUntil("the first visit over") {
                    try await !gateway.simulatorControl.deviceState(Self.cuff).connected
                }
                try await gateway.simulatorControl.setValue(Self.cuff, BluetoothUUID("2A26")!, Array("1.3.0".utf8))
                try await gateway.simulatorControl.setBattery(Self.cuff, 15)
                let frame = try DeviceRecords.bloodPressure(
                    systolic: 131, diastolic: 84, pulse: 66, at: try DeviceRecords.deviceTime(secondsAgo: 60))
                try await gateway.measure(Self.cuff, "2A35", frame, expecting: 3)
                try await gateway.waitUntil("the new firmware, the new battery level and a battery-low Flag at the centre") {
                    let firmware = Self.firmware(try await Self.cuffDevice(gateway))
                    let levels = try await Self.batteryLevels(gateway)
                    let flag = try await Self.technicalFlag(gateway, "battery-low")
                    return firmware == "1.3.0" && levels == [15, 80] && flag == "active"
                }
                #expect(try await gateway.technicalAlerts().contains("battery-low"))
                let devices = try await gateway.receiver.resources("Device").count
                #expect(devices == 2, "the hub and the cuff, each updated in place: \(devices)")

                // Forgotten: inactive at the centre, its battery problem cleared.
                let forgotten = try await gateway.dhoctl(["forget", Self.cuff.description])
                #expect(forgotten.status == 0, "\(forgotten.stderr)")
                try await gateway.waitUntil("the cuff inactive at the centre") {
                    try await Self.cuffDevice(gateway)?["status"] as? String == "inactive"
                }
                try await gateway.waitUntil("the battery-low Flag cleared") { try await Self.technicalFlag(gateway, "battery-low") == "inactive" }
                #expect(try await Self.batteryLevels(gateway) == [15, 80])
                #expect(try await gateway.receiver.violations().isEmpty)
            }
        }

        @Test func aDeviceNotSeenForTooLongIsATechnicalProblemAtTheCentreUntilItIsSeenAgain() async throws {
            let thermometer = BluetoothAddress("00:09:1F:00:00:05")!
            let gateway = try await GatewayHarness.start(
                extraConfiguration: "alerts:\n  schedule-check-interval: 1s\n", revisitInterval: "1s",
                centreSettings: ["reports: [technical-alerts]", "device-silent-after: 4s"])
            try await withGateway("device-not-seen", gateway) {
                let paired = try await gateway.dhoctl(["pair", thermometer.description, "--by", "technician-e2e"])
                #expect(paired.status == 0, "\(paired.stderr)")
                try await gateway.waitUntil("the thermometer's reading stored") { try await gateway.status()["readingsStored"] as? Int == 1 }
                try await gateway.waitUntil("device-not-seen at the centre") { try await Self.technicalFlag(gateway, "device-not-seen") == "active" }
                #expect(try await gateway.technicalAlerts().contains("device-not-seen"))
                // The patient measures again: seen, the problem is over.
                try await gateway.measure(thermometer, "2A1C", [0x04, 0x72, 0x01, 0x00, 0xFF, 0x03], expecting: 2)
                try await gateway.waitUntil("device-not-seen cleared at the centre") { try await Self.technicalFlag(gateway, "device-not-seen") == "inactive" }
            }
        }
    }
}
