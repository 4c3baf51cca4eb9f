import BlueZ
import DBus
import HealthProfiles
import TestSupport
import Testing

/// `BlueZEvent.decode`: the mirror's changes, named by interface and property, as typed events. Every property the
/// gateway reacts to makes its event; a property it does not read, or one of another type than BlueZ documents,
/// makes none (and nothing crashes).
@Suite struct TypedEventTests {
    static let adapter: ObjectPath = "/org/bluez/hci0"
    static let device: ObjectPath = "/org/bluez/hci0/dev_A0_9E_1A_00_00_01"
    static let characteristic: ObjectPath = "/org/bluez/hci0/dev_A0_9E_1A_00_00_01/service0010/char0011"

    static func changed(_ path: ObjectPath, _ interface: String, _ properties: [String: DBusValue]) -> [BlueZEvent] {
        BlueZEvent.decode(.propertiesChanged(path, interface: interface, changed: properties, invalidated: []))
    }

    static let bloodPressure = BluetoothUUID("1810")!

    @Test(arguments: [
        ("Connected", DBusValue.boolean(true), DeviceEvent.connected(true)),
        ("Connected", .boolean(false), .connected(false)),
        ("ServicesResolved", .boolean(true), .servicesResolved(true)),
        ("Paired", .boolean(false), .paired(false)),
        ("RSSI", .int16(-61), .advertised(Advertisement(rssi: -61))),
        // HCI's "RSSI not available" is still an advertisement, with no reading.
        ("RSSI", .int16(127), .advertised(Advertisement())),
        ("ManufacturerData", .dictionary(key: .uint16, value: .variant, [DBusDictEntry(key: .uint16(0x0157), value: .variant(.bytes([1, 2])))]),
         .advertised(Advertisement(manufacturerData: [0x0157: [1, 2]]))),
        ("ServiceData", .variantDictionary(["00001810-0000-1000-8000-00805f9b34fb": .bytes([1])]),
         .advertised(Advertisement(serviceData: [bloodPressure: [1]]))),
    ])
    func eachDevicePropertyMakesItsEvent(_ name: String, _ value: DBusValue, _ expected: DeviceEvent) {
        #expect(Self.changed(Self.device, BlueZNames.device, [name: value]) == [.device(Self.device, expected)])
    }

    @Test func adapterCharacteristicAndBatteryPropertiesMakeTheirEvents() {
        #expect(Self.changed(Self.adapter, BlueZNames.adapter, ["Powered": .boolean(false)]) == [.adapter(Self.adapter, .powered(false))])
        #expect(Self.changed(Self.adapter, BlueZNames.adapter, ["Discovering": .boolean(true)])
            == [.adapter(Self.adapter, .discovering(true))])
        #expect(Self.changed(Self.characteristic, BlueZNames.gattCharacteristic, ["Value": .bytes([0x1E, 0x8A])])
            == [.characteristic(Self.characteristic, .value([0x1E, 0x8A]))])
        #expect(Self.changed(Self.characteristic, BlueZNames.gattCharacteristic, ["Notifying": .boolean(true)])
            == [.characteristic(Self.characteristic, .notifying(true))])
        #expect(Self.changed(Self.device, BlueZNames.battery, ["Percentage": .byte(80)]) == [.battery(Self.device, percentage: 80)])
    }

    @Test func severalPropertiesInOneChangeMakeOneEventEachConnectionFirst() {
        let events = Self.changed(Self.device, BlueZNames.device, [
            "RSSI": .int16(-50), "Connected": .boolean(true), "ServicesResolved": .boolean(true), "Alias": .string("cuff"),
        ])
        #expect(events == [
            .device(Self.device, .connected(true)), .device(Self.device, .servicesResolved(true)),
            .device(Self.device, .advertised(Advertisement(rssi: -50))),
        ])
    }

    @Test(arguments: [
        // Properties the gateway does not react to.
        (BlueZNames.device, "Alias", DBusValue.string("cuff")),
        (BlueZNames.device, "Modalias", .string("usb:v1234")),
        (BlueZNames.adapter, "Name", .string("hub")),
        (BlueZNames.gattCharacteristic, "MTU", .uint16(185)),
        ("org.bluez.MediaControl1", "Connected", .boolean(true)),
        // Properties of another type than BlueZ documents.
        (BlueZNames.device, "Connected", .string("yes")),
        (BlueZNames.device, "RSSI", .int32(-50)),
        (BlueZNames.device, "ManufacturerData", .string("0102")),
        (BlueZNames.device, "ServiceData", .bytes([1])),
        (BlueZNames.adapter, "Powered", .byte(1)),
        (BlueZNames.gattCharacteristic, "Value", .string("138/88")),
        (BlueZNames.gattCharacteristic, "Value", .array(.uint16, [.uint16(1)])),
        (BlueZNames.gattCharacteristic, "Notifying", .uint32(1)),
        (BlueZNames.battery, "Percentage", .string("80%")),
    ])
    func anUnknownOrMistypedPropertyMakesNoEvent(_ interface: String, _ name: String, _ value: DBusValue) {
        #expect(Self.changed(Self.device, interface, [name: value]).isEmpty)
        // Next to a good one, only the good one counts.
        #expect(Self.changed(Self.device, BlueZNames.device, [name: value, "Paired": .boolean(true)])
            .contains(.device(Self.device, .paired(true))))
    }

    @Test func invalidatedPropertiesMakeNoEvent() {
        #expect(BlueZEvent.decode(.propertiesChanged(Self.device, interface: BlueZNames.device, changed: [:],
                                                     invalidated: ["Connected", "RSSI"])).isEmpty)
    }

    @Test func addedAndRemovedObjectsMakeOneEventPerKnownInterface() {
        let added = BlueZEvent.decode(.interfacesAdded(Self.device, [
            BlueZNames.device: ["Address": .string("A0:9E:1A:00:00:01"), "Connected": .boolean(false)],
            BlueZNames.battery: ["Percentage": .byte(55)],
            "org.freedesktop.DBus.Introspectable": [:],
        ]))
        #expect(added.count == 2)
        #expect(added.contains(.battery(Self.device, percentage: 55)))
        guard case let .device(path, .added(properties))? = added.first(where: { if case .device = $0 { true } else { false } })
        else { Issue.record("no device event in \(added)"); return }
        #expect(path == Self.device)
        #expect(properties.address == BluetoothAddress("A0:9E:1A:00:00:01"))

        let characteristic = BlueZEvent.decode(.interfacesAdded(Self.characteristic, [
            BlueZNames.gattCharacteristic: [
                "UUID": .string("00002a35-0000-1000-8000-00805f9b34fb"), "Flags": .strings(["indicate", "read", "vendor-thing"]),
            ],
        ]))
        guard case let .characteristic(_, .added(gatt))? = characteristic.first else {
            Issue.record("no characteristic event in \(characteristic)")
            return
        }
        #expect(gatt.uuid == GATTCharacteristic.bloodPressureMeasurement.uuid)
        #expect(gatt.flags == [.indicate, .read])

        #expect(BlueZEvent.decode(.interfacesRemoved(Self.device, [BlueZNames.battery, BlueZNames.device]))
            == [.device(Self.device, .removed)])
        #expect(BlueZEvent.decode(.interfacesRemoved(Self.adapter, [BlueZNames.adapter])) == [.adapter(Self.adapter, .removed)])
        #expect(BlueZEvent.decode(.serviceLost) == [.serviceLost])
        #expect(BlueZEvent.decode(.serviceAvailable(owner: ":1.7")) == [.serviceAvailable(owner: ":1.7")])
    }

    @Test func characteristicFlagsReadBlueZsNamesAndIgnoreUnknownOnes() {
        let flags = CharacteristicFlags(names: ["write-without-response", "encrypt-authenticated-read", "notify", "new-in-5.80"])
        #expect(flags == [.writeWithoutResponse, .encryptAuthenticatedRead, .notify])
        #expect(flags.names == ["write-without-response", "notify", "encrypt-authenticated-read"])
        #expect(!flags.isDisjoint(with: .writable) && !flags.contains(.write))
        #expect(CharacteristicFlags(names: flags.names) == flags)
        #expect(CharacteristicFlags(names: []).isEmpty)
    }

    @Test func aDevicePathNamesItsAddressAndNoOtherPathDoes() {
        #expect(BluetoothAddress(devicePath: Self.device) == BluetoothAddress("A0:9E:1A:00:00:01"))
        let address = BluetoothAddress("c4:ad:34:00:00:03")!
        #expect(BluetoothAddress(devicePath: address.devicePath(on: Self.adapter)) == address)
        for path: ObjectPath in [Self.adapter, Self.characteristic, "/org/bluez", "/org/bluez/hci0/dev_A0_9E_1A_00_00",
                                 "/org/bluez/hci0/dev_A0_9E_1A_00_00_01_02", "/org/bluez/hci0/dev_ZZ_9E_1A_00_00_01",
                                 "/org/bluez/hci0/xdev_A0_9E_1A_00_00_01"] {
            #expect(BluetoothAddress(devicePath: path) == nil, "\(path)")
        }
    }

    @Test func bluetoothdsErrorTextsAreReadOnceInBlueZ() {
        #expect(BlueZError.bluez(.failed, message: "Operation failed with ATT error: 0x80").attErrorCode == 0x80)
        #expect(BlueZError.bluez(.failed, message: "Operation failed with ATT error: 0x0e").attErrorCode == 0x0E)
        #expect(BlueZError.bluez(.failed, message: "le-connection-abort-by-local").attErrorCode == nil)
        #expect(BlueZError.bluez(.notPermitted, message: "ATT error: 0x80").attErrorCode == nil)
        #expect(BlueZError.bluez(.authenticationFailed, message: "").isBondLoss)
        #expect(BlueZError.bluez(.failed, message: "Connection Failed: PIN or Key Missing").isBondLoss)
        #expect(!BlueZError.bluez(.failed, message: "le-connection-abort-by-local").isBondLoss)
    }

    /// Through the bus: bluetoothd's PropertiesChanged signals arrive as typed events in its order; a property of the
    /// wrong type is dropped by the mirror before it could become one.
    @Test func theMirrorDeliversTypedEventsInOrderWithoutMistypedOnes() async throws {
        let fixture = try await Fixture.start(Scenarios.cuff())
        let cuff = try await fixture.discover(Addresses.cuff)
        let cuffPath = cuff.path
        let events = StreamProbe(await fixture.client.mirror.subscribeTyped { event -> DeviceEvent? in
            // Discovery goes on reporting advertisements; this test is about the properties it sets itself.
            guard case let .device(path, change) = event, path == cuffPath else { return nil }
            if case .advertised = change { return nil }
            return change
        })
        // A second typed subscriber and a raw one see the same change (it is decoded once for all typed ones).
        let everything = StreamProbe(await fixture.client.mirror.typedEvents())
        let raw = StreamProbe(await fixture.client.mirror.subscribe { event -> Bool? in
            guard case let .propertiesChanged(path, _, changed, _) = event, path == cuffPath else { return nil }
            return changed["Paired"] != nil ? true : nil
        })
        try await fixture.control.setRawDeviceProperty(Addresses.cuff, "Connected", .string("yes"))
        try await fixture.control.setRawDeviceProperty(Addresses.cuff, "Paired", .boolean(true))
        try await fixture.control.setRawDeviceProperty(Addresses.cuff, "Connected", .boolean(true))
        #expect(try await events.next(within: .seconds(10), "Paired") == .paired(true))
        #expect(try await events.next(within: .seconds(10), "Connected") == .connected(true))
        #expect(await cuff.properties()?.connected == true)
        #expect(try await raw.next(within: .seconds(10), "raw Paired") == true)
        var seen: [BlueZEvent] = []
        while !seen.contains(.device(cuffPath, .connected(true))), let event = try await everything.next(within: .seconds(10), "typed") {
            seen.append(event)
        }
        #expect(seen.contains(.device(cuffPath, .paired(true))))
        await fixture.stop()
    }
}
