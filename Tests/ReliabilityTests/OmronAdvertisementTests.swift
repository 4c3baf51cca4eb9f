import BlueZ
import Foundation
import GatewayTestSupport
import HealthProfiles
import Testing

extension DeviceModelFaults {
    /// An Omron cuff tells in its manufacturer data (0x020E) whether it is in pairing mode and how many records each
    /// user slot holds (issue 15): the hub connects on an advertisement only when the patient's slot holds records,
    /// and tells the technician when the cuff waits to be paired.
    @Suite struct OmronAdvertisementTests {
        static let cuff = "28:FF:B2:00:00:21"
        static let scenario = """
            adapter: {name: hci0, address: "00:1A:7D:DA:71:13", alias: dho-gateway, powered: false}
            timing: \(Scenarios.quickRadio)
            devices:
              - address: "\(cuff)"
                name: "BLEsmart_0000011628FFB2000021"
                advertisedServices: ["1810"]
                paired: true
                trusted: true
                manufacturerData: {"0x020E": "01 21 0000 00 0000 00"}
                services:
                  - uuid: "1810"
                    characteristics:
                      - {uuid: "2A35", flags: [indicate], disconnectAfterStored: true}
                      - {uuid: "2A49", flags: [read], value: "0300"}

            """

        static func state(pairing: Bool = false, user1: UInt8, user2: UInt8) -> AdvertisedData {
            OmronAdvertisement(pairingMode: pairing, users: [.init(user: 1, sequenceNumber: UInt16(user1), records: user1),
                                                             .init(user: 2, sequenceNumber: 7, records: user2)]).encoded
        }

        @Test func theCuffIsVisitedOnlyWhenThePatientsSlotHoldsRecords() async throws {
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("dho-omron-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: work) }
            let gateway = try await GatewayHarness.start(scenario: try Scenarios.write(Self.scenario, in: work), revisitInterval: "1s")
            let cuff = try #require(BluetoothAddress(Self.cuff))
            try await withGateway("omron-advertisement", gateway) {
                // Its advertised name picks the Omron profile, which wants the patient's user slot.
                let paired = try await gateway.dhoctlJSON(["pair", Self.cuff, "--user", "1", "--by", "technician-e2e"]) as? [String: Any]
                #expect(paired?["profile"] as? String == "omron-blood-pressure", "\(paired ?? [:])")
                try await gateway.waitUntil("the first visit to end") {
                    (try await gateway.dhoctlJSON(["devices"]) as? [[String: Any]])?.first?["lastVisit"] != nil
                }
                let visited = try await gateway.simulatorControl.deviceState(cuff).connectAttempts
                try await Task.sleep(for: .milliseconds(1200))  // past the revisit interval

                // Another user measured: records for user 2 only. Heard (dhoctl devices says so), not visited.
                for _ in 0..<3 { try await gateway.simulatorControl.broadcast(cuff, Self.state(user1: 0, user2: 3)) }
                try await gateway.waitUntil("the advertised state to be shown") {
                    try await gateway.dhoctl(["devices"]).stdout.contains("advertises: transfer mode, records: user 1: 0, user 2: 3")
                }
                // Pairing mode (the blinking P): not visited; the technician sees it.
                for _ in 0..<3 { try await gateway.simulatorControl.broadcast(cuff, Self.state(pairing: true, user1: 0, user2: 3)) }
                try await gateway.waitUntil("pairing mode to be shown") {
                    try await gateway.dhoctl(["devices"]).stdout.contains("advertises: pairing mode")
                }
                #expect(gateway.daemonLog.contains("device is in pairing mode"))
                try await Task.sleep(for: .seconds(1))  // a visit would have connected by now
                #expect(try await gateway.simulatorControl.deviceState(cuff).connectAttempts == visited)
                #expect(try await gateway.status()["readingsStored"] as? Int == 0)

                // The patient measured: one record in slot 1. Visited, the reading stored.
                let reading = try DeviceRecords.bloodPressure(systolic: 128, diastolic: 82, pulse: 64, at: nil)
                try await gateway.simulatorControl.queueFrames(cuff, GATTCharacteristic.bloodPressureMeasurement.uuid, [reading])
                try await gateway.simulatorControl.broadcast(cuff, Self.state(user1: 1, user2: 3))
                try await gateway.waitUntil("the patient's reading") { try await gateway.status()["readingsStored"] as? Int == 1 }
                #expect(try await gateway.simulatorControl.deviceState(cuff).connectAttempts == visited + 1)
            }
        }
    }
}
