import BlueZ
import BlueZSimulator
import DBus
import Foundation
import GatewayTestSupport
import HealthProfiles
import Testing

/// The daemon facing bad input from the Bluetooth side: a bluetoothd that breaks the D-Bus contract, and
/// health devices that are not the patient's. Real daemon, real dhoctl, bluez-sim on a private bus.
@Suite struct BadBluetoothInputTests {
    static let cuff = BluetoothAddress("A0:9E:1A:00:00:01")!
    static let scale = BluetoothAddress("5C:31:3E:00:00:04")!
    static let brokenOximeter = BluetoothAddress("00:A0:50:00:00:07")!
    static let neighbour = BluetoothAddress("A0:9E:1A:00:00:99")!
    static let measurement = BluetoothUUID("2A35")!
    static let laterReading: [UInt8] = [0x1E, 0x8C, 0x00, 0x56, 0x00, 0x76, 0x00, 0xE8, 0x07, 0x04, 0x11, 0x15, 0x00, 0x00,
                                        0x40, 0x00, 0x01, 0x00, 0x00]

    /// bluetoothd answers GetManagedObjects once with the wrong signature, precedes every cuff indication with
    /// Value changes of the wrong types and sizes, answers every read of the scale with a string, and reports an
    /// oximeter with wrongly typed properties.
    static let malformedScenario = """
        adapter: {name: hci0, address: "00:1A:7D:DA:71:13", alias: dho-gateway, powered: false}
        timing: {notificationIntervalMs: 20, disconnectAfterLastMs: 200, gattExportDelayMs: 150}
        faults: {malformedObjectTrees: 1}
        devices:
          - address: "A0:9E:1A:00:00:01"
            name: "UA-651BLE"
            advertisedServices: ["1810"]
            pairing: {method: justWorks}
            deviceInformation: {manufacturer: "A&D Medical", model: "UA-651BLE", serial: "5150123456"}
            faults: {notificationNoise: [string, int-array, variant-array, huge, huge-int-array]}
            services:
              - uuid: "1810"
                characteristics:
                  - uuid: "2A35"
                    flags: [indicate]
                    stored: ["1E 8A 00 58 00 78 00 E8 07 04 11 14 29 3B 3C 00 01 00 00"]
                    disconnectAfterStored: true
                  - {uuid: "2A49", flags: [read], value: "0300"}
          - address: "5C:31:3E:00:00:04"
            name: "UC-352BLE"
            advertisedServices: ["181D"]
            pairing: {method: justWorks}
            deviceInformation: {manufacturer: "A&D Medical", model: "UC-352BLE", serial: "UC35200991"}
            faults: {readValue: string}
            services:
              - uuid: "181D"
                characteristics:
                  - uuid: "2A9D"
                    flags: [indicate]
                    stored: ["02 E4 38 E8 07 04 11 07 00 00"]
                    disconnectAfterStored: true
                  - {uuid: "2A9E", flags: [read], value: "00000000"}
              - uuid: "1805"
                characteristics:
                  - {uuid: "2A2B", flags: [read, write], value: "E8 07 04 11 14 2A 1E 03 00 00"}
          - address: "00:A0:50:00:00:07"
            name: "Nonin3230"
            advertisedServices: ["1822"]
            faults: {wrongPropertyTypes: true}
            services:
              - uuid: "1822"
                characteristics:
                  - {uuid: "2A5E", flags: [indicate], stored: ["00 56 00 68 00"]}

        """

    static func readings(_ gateway: GatewayHarness) async throws -> [[String: Any]] {
        try await gateway.dhoctlJSON(["readings"]) as? [[String: Any]] ?? []
    }

    static func waitForReadings(_ gateway: GatewayHarness, _ count: Int) async throws {
        try await gateway.waitUntil("\(count) readings stored and forwarded") {
            let status = try await gateway.dhoctlJSON(["status"]) as? [String: Any] ?? [:]
            let queue = status["queue"] as? [String: Any]
            return status["readingsStored"] as? Int ?? 0 >= count && queue?["undelivered"] as? Int == 0
        }
    }

    @Test func malformedDBusRepliesAreLoggedAndIgnoredWhileGoodDevicesAreServed() async throws {
        let scenario = FileManager.default.temporaryDirectory.appendingPathComponent("malformed-\(UUID().uuidString).yaml")
        try Self.malformedScenario.write(to: scenario, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: scenario) }
        let gateway = try await GatewayHarness.start(scenario: scenario.path)

        for address in [Self.cuff, Self.scale] {
            let output = try await gateway.dhoctl(["pair", address.description, "--by", "technician-e2e", "--memory-is-patients"])
            #expect(output.status == 0, "pair \(address): \(output.stderr)")
        }
        // Its Service UUIDs arrive as `ai`, which the gateway does not use: it cannot tell what the device is.
        let broken = try await gateway.dhoctl(["pair", Self.brokenOximeter.description, "--by", "technician-e2e", "--timeout", "5"])
        #expect(broken.status == 1)
        #expect(broken.stderr.contains("advertises no supported health service"), "\(broken.stderr)")

        // Both good devices delivered their reading; the noise before each indication never became a frame.
        try await Self.waitForReadings(gateway, 2)
        let devices = try await gateway.dhoctlJSON(["devices"]) as? [[String: Any]] ?? []
        let cuff = try #require(devices.first { $0["address"] as? String == Self.cuff.description })
        #expect(cuff["serial"] as? String == "5150123456")
        #expect(cuff["malformed"] as? Int == 0)
        // Every read of the scale failed with a typed error; its reading came anyway.
        let scale = try #require(devices.first { $0["address"] as? String == Self.scale.description })
        #expect(scale["serial"] == nil || scale["serial"] is NSNull)
        #expect(scale["stored"] as? Int == 1)

        // A wrongly typed Value on its own, then a good one: the first is dropped, the second stored and forwarded.
        try await gateway.simulatorControl.sendRawValue(Self.cuff, Self.measurement, .array(.int32, [.int32(0x1E)]))
        try await gateway.simulatorControl.sendRawValue(Self.cuff, Self.measurement, .bytes(Self.laterReading))
        try await Self.waitForReadings(gateway, 3)
        #expect(try await Self.readings(gateway).count == 3)
        let observations = try await gateway.receiver.identifiers("Observation")
        #expect(observations.count == 8)  // two BP panels + pulses, one weight, a coincident time stamp for each
        #expect(observations.values.allSatisfy { $0 == 1 })

        let log = gateway.daemonLog
        for line in [
            "bluetoothd sent a malformed object tree (unexpected D-Bus reply: expected a{oa{sa{sv}}}, got a{sa{sv}})",
            "ignoring org.bluez.GattCharacteristic1.Value has type s, expected ay",
            "ignoring org.bluez.GattCharacteristic1.Value has type ai, expected ay",
            "ignoring org.bluez.GattCharacteristic1.Value has type av, expected ay",
            "ignoring org.bluez.GattCharacteristic1.Value holds 1048576 bytes, more than the 512 an attribute can have",
            "ignoring org.bluez.Device1.Address has type u, expected s",
            "Manufacturer Name String (0x2A29) unreadable: unexpected reply from bluetoothd: ReadValue returned (s) instead of (ay)",
        ] {
            #expect(log.contains(line), "log lacks: \(line)")
        }
        #expect(try await gateway.dhoctl(["status"]).status == 0)
        await gateway.stop()
    }

    /// The neighbour's cuff in profiles/sim/home.yaml advertises the same service under the same name as the
    /// patient's cuff. It advertises, links up by itself and sends a measurement; the gateway must not touch it.
    @Test func aDeviceThatIsNotProvisionedIsNeverConnectedAndItsDataNeverAccepted() async throws {
        let gateway = try await GatewayHarness.start()
        // The cuff's memory and `laterReading` are stamped in 2024: the patient's own, not a previous user's.
        let paired = try await gateway.dhoctl(["pair", Self.cuff.description, "--by", "technician-e2e", "--memory-is-patients"])
        #expect(paired.status == 0, "\(paired.stderr)")
        try await Self.waitForReadings(gateway, 2)

        let control = gateway.simulatorControl
        try await control.advertise(Self.neighbour)
        try await control.connectFromDevice(Self.neighbour)
        let neighbourReading: [UInt8] = [0x1E, 0xB4, 0x00, 0x64, 0x00, 0x8C, 0x00, 0xE8, 0x07, 0x04, 0x11, 0x14, 0x29, 0x3B,
                                         0x5A, 0x00, 0x01, 0x00, 0x00]
        try await control.sendRawValue(Self.neighbour, Self.measurement, .bytes(neighbourReading))
        // Nobody subscribed to it, so it cannot even indicate the ordinary way.
        await #expect(throws: DBusError.self) { try await control.notify(Self.neighbour, Self.measurement, neighbourReading) }
        try await control.advertise(Self.neighbour)

        // A later reading of the patient's cuff passes through the same event stream after all of that.
        // (Advertisements right after a visit are ignored for a while; the technician's `visit` is not.)
        try await control.queueFrames(Self.cuff, Self.measurement, [Self.laterReading])
        let visit = try await gateway.dhoctl(["visit", Self.cuff.description])
        #expect(visit.status == 0, "\(visit.stderr)")
        try await Self.waitForReadings(gateway, 3)

        let state = try await control.deviceState(Self.neighbour)
        #expect(state.connected)  // it is linked, by its own doing
        #expect(state.connectAttempts == 0 && state.pairAttempts == 0)
        #expect(state.notifying.isEmpty && !state.paired && !state.trusted)
        let readings = try await Self.readings(gateway)
        #expect(readings.count == 3)
        #expect(readings.allSatisfy { $0["device"] as? String == Self.cuff.description })
        let status = try await gateway.dhoctlJSON(["status"]) as? [String: Any] ?? [:]
        #expect(status["devices"] as? Int == 1)
        // The follow-up centre knows the hub and the patient's cuff, nothing of the neighbour's.
        let deviceResources = try await gateway.receiver.resources("Device")
        #expect(deviceResources.count == 2)
        let text = String(decoding: try JSONSerialization.data(withJSONObject: deviceResources), as: UTF8.self)
        #expect(!text.contains("A0:9E:1A:00:00:99") && !text.uppercased().contains("A09E1A000099"))
        // A BP panel, a pulse and the cuff's coincident time stamp per reading.
        #expect(try await gateway.receiver.identifiers("Observation").count == 9)
        // Nothing in the daemon did anything with it.
        #expect(!gateway.daemonLog.contains(Self.neighbour.description))
        await gateway.stop()
    }
}
