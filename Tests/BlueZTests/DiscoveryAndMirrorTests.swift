import BlueZ
import BlueZSimulator
import DBus
import HealthProfiles
import TestSupport
import Testing

@Suite struct DiscoveryAndMirrorTests {
    @Test func discoveryWithFilterFindsOnlyMatchingDevices() async throws {
        let fixture = try await Fixture.start(Scenarios.cuff(extra: "adapter: {powered: false}"))
        let adapter = try await fixture.adapter()
        #expect(await adapter.properties()?.powered == false)
        await #expect(throws: BlueZError.bluez(.notReady, message: "Resource Not Ready")) {
            try await adapter.startDiscovery()
        }
        try await adapter.powerOn()

        try await adapter.setDiscoveryFilter(DiscoveryFilter(uuids: [GATTService.bloodPressure.uuid], transport: .le))
        try await adapter.startDiscovery()
        let cuff = try await adapter.waitForDevice(Addresses.cuff, timeout: .seconds(10))
        // The scale advertises first in the scenario, so had the filter let it through its object would
        // already be here.
        #expect(await adapter.devices().map(\.path).contains(Addresses.scale.devicePath(on: adapter.path)) == false)
        try await fixture.client.mirror.waitForProperty(adapter.path, interface: BlueZNames.adapter, "Discovering",
                                                        timeout: .seconds(10)) { $0?.boolValue == true }

        let properties = try #require(await cuff.properties())
        #expect(properties.address == Addresses.cuff)
        #expect(properties.name == "UA-651BLE")
        #expect(properties.rssi == -58)
        #expect(properties.uuids == [GATTService.bloodPressure.uuid])
        #expect(properties.serviceData == [GATTService.bloodPressure.uuid: [0x01]])
        #expect(properties.manufacturerData == [0x0157: [0x01, 0x02]])
        #expect(!properties.paired && !properties.connected)

        // bluetoothd received exactly the filter the gateway uses.
        let state = try await fixture.control.adapterState()
        #expect(state.discoveryFilter["Transport"] == .string("le"))
        #expect(state.discoveryFilter["UUIDs"] == .strings(["00001810-0000-1000-8000-00805f9b34fb"]))
        #expect(try await adapter.discoveryFilterNames().contains("Transport"))

        // The health-device filter lets the scale through as well.
        try await adapter.stopDiscovery()
        try await adapter.setDiscoveryFilter(.healthDevices)
        try await adapter.startDiscovery()
        _ = try await adapter.waitForDevice(Addresses.scale, timeout: .seconds(10))
        #expect(try await fixture.control.adapterState().discoveryFilter["DuplicateData"] == .boolean(true))
        try await adapter.stopDiscovery()
        try await fixture.client.mirror.waitForProperty(adapter.path, interface: BlueZNames.adapter, "Discovering",
                                                        timeout: .seconds(10)) { $0?.boolValue == false }
        await #expect(throws: BlueZError.bluez(.failed, message: "No discovery started")) {
            try await adapter.stopDiscovery()
        }
        await fixture.stop()
    }

    @Test func mirrorFollowsAddedChangedAndRemovedObjects() async throws {
        let fixture = try await Fixture.start(Scenarios.cuff())
        let adapter = try await fixture.adapter()
        // Known from the start (bonded), loaded by GetManagedObjects.
        let away = try #require(await fixture.client.device(address: Addresses.away))
        #expect(await away.properties()?.paired == true)

        let events = StreamProbe(await fixture.client.mirror.events())
        try await adapter.startDiscovery()
        let cuffPath = Addresses.cuff.devicePath(on: adapter.path)
        let added = try await events.first(within: .seconds(10), "cuff added") {
            if case .interfacesAdded(cuffPath, let interfaces) = $0 { interfaces[BlueZNames.device] != nil } else { false }
        }
        #expect(added.path == cuffPath)
        let cuff = fixture.client.device(cuffPath)

        try await cuff.setTrusted(true)
        _ = try await events.first(within: .seconds(10), "Trusted changed") {
            if case .propertiesChanged(cuffPath, BlueZNames.device, let changed, _) = $0 {
                changed["Trusted"] == .boolean(true)
            } else { false }
        }
        #expect(await cuff.properties()?.trusted == true)

        try await adapter.removeDevice(cuffPath)
        _ = try await events.first(within: .seconds(10), "cuff removed") {
            if case .interfacesRemoved(cuffPath, let names) = $0 { names.contains(BlueZNames.device) } else { false }
        }
        #expect(await cuff.properties() == nil)
        await #expect(throws: BlueZError.bluez(.doesNotExist, message: "Does Not Exist")) {
            try await adapter.removeDevice(cuffPath)
        }
        await fixture.stop()
    }
}
