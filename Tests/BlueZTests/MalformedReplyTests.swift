import BlueZ
import BlueZSimulator
import DBus
import HealthProfiles
import TestSupport
import Testing

/// bluetoothd (here the simulator, told to break the D-Bus contract) answering with the wrong types and shapes:
/// the client stays up, reports a typed error or a log line, drops the bad data, and goes on with the good.
@Suite struct MalformedReplyTests {
    /// A simulator running `scenario` and a client logging into `log`.
    static func start(_ scenario: String, log: LogCapture) async throws -> (SimulatedBluetooth, BlueZClient) {
        let bluetooth = try await SimulatedBluetooth.start(scenario: scenario)
        let client = try await BlueZClient.connect(to: .address(bluetooth.bus.address), logger: log.logger(level: .info))
        return (bluetooth, client)
    }

    static func device(_ extra: String, address: String = "A0:9E:1A:00:00:01") -> String {
        """
        \(Scenarios.fastTiming)
        devices:
          - address: "\(address)"
            name: "UA-651BLE"
            paired: true
            advertisedServices: ["1810"]
            gattExport: immediate
            deviceInformation: {manufacturer: "A&D Medical", serial: "5150123456"}
        \(extra)
            services:
              - uuid: "1810"
                characteristics:
                  - uuid: "2A35"
                    flags: [indicate]
                    stored: ["1E 8A 00 58 00 78 00 00 00 04 11 14 29 3B 3C 00 01 27 00", "16 FF 07 FF 07 FF 07 E8 07 06 17 0E 23 0A FF 07 00 00"]
        """
    }

    @Test func aMalformedObjectTreeIsLoggedAndLoadedAgain() async throws {
        let log = LogCapture()
        let (bluetooth, client) = try await Self.start("faults: {malformedObjectTrees: 2}\n" + Self.device(""), log: log)
        // The first two GetManagedObjects replies are refused; the third is good and the tree appears.
        do { _ = try await client.waitForAdapter(timeout: .seconds(20)) } catch { Issue.record("\(error)\n\(log.text)") }
        #expect(await client.device(address: Addresses.cuff) != nil)
        #expect(log.contains("bluetoothd sent a malformed object tree (unexpected D-Bus reply: expected a{oa{sa{sv}}}, got a{sa{sv}})"))
        #expect(log.contains("loading org.bluez's objects again"))
        await client.close()
        await bluetooth.stop()
    }

    @Test(arguments: [
        (MalformedValue.string, "ReadValue returned (s) instead of (ay)"),
        (.intArray, "ReadValue returned (ai) instead of (ay)"),
        (.variantArray, "ReadValue returned (av) instead of (ay)"),
        (.hugeIntArray, "ReadValue returned (ai) instead of (ay)"),
        (.huge, "ReadValue returned 1048576 bytes; an attribute holds at most 512"),
    ])
    func aReadValueReplyOfTheWrongShapeIsATypedError(_ fault: MalformedValue, _ message: String) async throws {
        let log = LogCapture()
        let (bluetooth, client) = try await Self.start(Self.device("    faults: {readValue: \(fault.rawValue)}"), log: log)
        _ = try await client.waitForAdapter(timeout: .seconds(10))
        let cuff = try #require(await client.device(address: Addresses.cuff))
        try await cuff.connect()
        let manufacturer = try await cuff.characteristic(GATTCharacteristic.manufacturerNameString.uuid)
        await #expect(throws: BlueZError.unexpected(message)) { _ = try await manufacturer.readValue() }
        // The link and the client are fine: the device still indicates its readings.
        #expect(await cuff.properties()?.connected == true)
        await client.close()
        await bluetooth.stop()
    }

    @Test func valueChangesOfTheWrongShapeAreDroppedAndTheGoodOnesArrive() async throws {
        let log = LogCapture()
        let noise = MalformedValue.allCases.map(\.rawValue).joined(separator: ", ")
        let (bluetooth, client) = try await Self.start(Self.device("    faults: {notificationNoise: [\(noise)]}"), log: log)
        _ = try await client.waitForAdapter(timeout: .seconds(10))
        let cuff = try #require(await client.device(address: Addresses.cuff))
        try await cuff.connect()
        let measurement = try await cuff.characteristic(GATTCharacteristic.bpm)
        let values = StreamProbe(await measurement.valueUpdates())
        try await measurement.startNotify()
        #expect(try await values.next(within: .seconds(20), "first reading") == Frames.bloodPressure)
        #expect(try await values.next(within: .seconds(20), "second reading") == Frames.cuffError)

        // A raw Value change of a wrong type on its own: dropped, and no event carries it.
        try await bluetooth.control.sendRawValue(Addresses.cuff, GATTCharacteristic.bpm, .array(.uint16, [.uint16(1)]))
        try await bluetooth.control.sendRawValue(Addresses.cuff, GATTCharacteristic.bpm, .bytes(Frames.bloodPressure))
        #expect(try await values.next(within: .seconds(10), "raw good value") == Frames.bloodPressure)
        #expect(await measurement.properties()?.value == Frames.bloodPressure)
        for expected in [
            "ignoring org.bluez.GattCharacteristic1.Value has type s, expected ay",
            "ignoring org.bluez.GattCharacteristic1.Value has type ai, expected ay",
            "ignoring org.bluez.GattCharacteristic1.Value has type av, expected ay",
            "ignoring org.bluez.GattCharacteristic1.Value holds 1048576 bytes, more than the 512 an attribute can have",
            "ignoring org.bluez.GattCharacteristic1.Value has type aq, expected ay",
        ] {
            #expect(log.contains(expected), "\(expected)")
        }
        await client.close()
        await bluetooth.stop()
    }

    @Test func devicePropertiesOfWrongTypesReadAsAbsent() async throws {
        let log = LogCapture()
        let scenario = Self.device("    faults: {wrongPropertyTypes: true}") + """

          - address: "00:A0:50:00:00:02"
            name: "Nonin3230"
            paired: true
            advertisedServices: ["1822"]
        """
        let (bluetooth, client) = try await Self.start(scenario, log: log)
        let adapter = try await client.waitForAdapter(timeout: .seconds(10))
        let broken = try await adapter.waitForDevice(Addresses.cuff, timeout: .seconds(10))
        let properties = try #require(await broken.properties())
        #expect(properties.address == nil && properties.name == nil && properties.uuids.isEmpty && !properties.paired)
        #expect(log.contains("ignoring org.bluez.Device1.Address has type u, expected s"))
        #expect(log.contains("ignoring org.bluez.Device1.UUIDs has type ai, expected as"))
        // The good device next to it reads normally, also after a wrongly typed change on it.
        let good = try await adapter.waitForDevice(Addresses.oximeter, timeout: .seconds(10))
        try await bluetooth.control.setRawDeviceProperty(Addresses.oximeter, "Connected", .string("yes"))
        try await bluetooth.control.setRawDeviceProperty(Addresses.oximeter, "Alias", .string("renamed"))
        try await client.mirror.waitForProperty(good.path, interface: BlueZNames.device, "Alias", timeout: .seconds(10)) {
            $0?.stringValue == "renamed"
        }
        #expect(await good.properties()?.name == "Nonin3230")
        #expect(await good.properties()?.connected == false)
        #expect(log.contains("ignoring org.bluez.Device1.Connected has type s, expected b"))
        await client.close()
        await bluetooth.stop()
    }
}
