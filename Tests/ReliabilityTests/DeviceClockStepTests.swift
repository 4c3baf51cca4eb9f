import BlueZ
import Foundation
import GatewayTestSupport
import HealthProfiles
import Testing

extension DeviceDataFaults {
    /// A&D's UA-651BLE cuff and UC-352BLE scale take the time only through Date Time (0x2A08) written before their
    /// measurements are subscribed; otherwise they stamp them in 2000 (simulator quirk `dateTimeBeforeSubscribing`).
    /// Their model profiles (profiles/devices/and-*.yaml) make that the gateway's clock step for them.
    @Suite struct DeviceClockStepTests {
        static let cuff = BluetoothAddress(Scenarios.cuff)!
        static let scale = BluetoothAddress("5C:31:3E:00:00:04")!

        /// A Weight Measurement of `kilograms` (resolution 5 g) stamped `secondsAgo` by a clock that is right.
        static func weight(_ kilograms: Double, secondsAgo: Int) throws -> [UInt8] {
            let raw = UInt16(kilograms / 0.005)
            let stamp = try CurrentTime(setting: try DeviceRecords.deviceTime(secondsAgo: secondsAgo)).encoded().prefix(7)
            return [0x02, UInt8(raw & 0xFF), UInt8(raw >> 8)] + stamp
        }

        static func scenario() throws -> String {
            """
            adapter: {name: hci0, address: "00:1A:7D:DA:71:13", alias: dho-gateway, powered: false}
            timing: \(Scenarios.quickRadio)
            devices:
              - address: "\(Scenarios.cuff)"
                name: "A&D_UA-651BLE_5A1B2C"
                advertisedServices: ["1810"]
                deviceInformation: {manufacturer: "A&D Medical", model: "UA-651BLE", serial: "5150123456"}
                pairing: {method: justWorks, requiredForServices: ["1810"]}
                quirks: {dateTimeBeforeSubscribing: true}
                services:
                  - uuid: "1810"
                    characteristics:
                      - uuid: "2A35"
                        flags: [indicate]
                        stored: ["\(DeviceRecords.hex(try ClockJumpTests.bloodPressure(127, minutesAgo: 2)))"]
                        disconnectAfterStored: true
                      - {uuid: "2A49", flags: [read], value: "0300"}
                      - {uuid: "2A08", flags: [write]}
              - address: "\(Self.scale)"
                name: "A&D_UC-352BLE_7C8D9E"
                advertisedServices: ["181D"]
                deviceInformation: {manufacturer: "A&D Medical", model: "UC-352BLE", serial: "UC35200991"}
                pairing: {method: justWorks, requiredForServices: ["181D"]}
                quirks: {dateTimeBeforeSubscribing: true}
                services:
                  - uuid: "181D"
                    characteristics:
                      - uuid: "2A9D"
                        flags: [indicate]
                        stored: ["\(DeviceRecords.hex(try Self.weight(72.8, secondsAgo: 180)))"]
                        disconnectAfterStored: true
                      - {uuid: "2A9E", flags: [read], value: "00000000"}
                      - {uuid: "2A08", flags: [write]}

            """
        }

        static func measuredTimes(_ gateway: GatewayHarness) async throws -> [Date] {
            let readings = try await gateway.dhoctlJSON(["readings"]) as? [[String: Any]] ?? []
            return readings.compactMap { ($0["measuredAt"] as? String).flatMap(ISO8601DateFormatter().date(from:)) }
        }

        @Test func theAandDModelsGetTheirDateTimeBeforeSubscribing() async throws {
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("dho-clockstep-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: work) }
            let gateway = try await GatewayHarness.start(scenario: try Scenarios.write(try Self.scenario(), in: work))
            try await withGateway("clock-step-and", gateway) {
                for (address, profile) in [(Scenarios.cuff, "and-ua-651ble"), (Self.scale.description, "and-uc-352ble")] {
                    let paired = try await gateway.dhoctl(["pair", address, "--by", "technician-e2e", "--memory-is-patients"])
                    #expect(paired.status == 0 && paired.stdout.contains(" as \(profile) "), "\(paired.stdout) \(paired.stderr)")
                }
                try await gateway.waitUntil("both readings stored and forwarded") {
                    let status = try await gateway.status()
                    return status["readingsStored"] as? Int == 2 && (status["queue"] as? [String: Any])?["undelivered"] as? Int == 0
                }
                // Stamped by clocks the gateway set first: the cuff's 2 and the scale's 3 minutes ago (their own
                // stamps), not in 2000 (which would leave only the time of receipt).
                let measured = try await Self.measuredTimes(gateway).map { -$0.timeIntervalSinceNow }.sorted()
                #expect(measured.count == 2, "\(measured)")
                #expect(abs(measured.first.map { $0 - 120 } ?? 999) < 60 && abs(measured.last.map { $0 - 180 } ?? 999) < 60, "\(measured)")
                #expect(!gateway.daemonLog.contains("device clock not set"))
                for device in [Self.cuff, Self.scale] {
                    let written = try await gateway.simulatorControl.writtenValues(device, BluetoothUUID("2A08")!)
                    let clock = try #require(written.first.map { try DeviceDateTime.decode($0) })
                    #expect(written.count == 1 && clock.year == Calendar(identifier: .gregorian).component(.year, from: Date()), "\(written)")
                }
            }
        }

        /// The same cuff paired with the general blood-pressure profile (Current Time after subscribing, which it
        /// lacks): its reading comes stamped in 2000, as from the real cuff, and is dated by its time of receipt.
        @Test func underTheGeneralProfileTheCuffStampsTheYear2000() async throws {
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("dho-clockstep-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: work) }
            let gateway = try await GatewayHarness.start(scenario: try Scenarios.write(try Self.scenario(), in: work))
            try await withGateway("clock-step-general", gateway) {
                let paired = try await gateway.dhoctl(["pair", Scenarios.cuff, "--profile", "blood-pressure", "--by", "technician-e2e",
                                                       "--memory-is-patients"])
                #expect(paired.status == 0, "\(paired.stderr)")
                try await gateway.waitUntil("the reading stored") { try await gateway.status()["readingsStored"] as? Int == 1 }
                #expect(try await gateway.simulatorControl.writtenValues(Self.cuff, BluetoothUUID("2A08")!).isEmpty)
                #expect(gateway.daemonLog.contains("device clock not set (2000-"), "the cuff's stamp was not from 2000")
                let measured = try #require(try await Self.measuredTimes(gateway).first)
                #expect(abs(measured.timeIntervalSinceNow) < 60, "not the time of receipt: \(measured)")
            }
        }
    }
}
