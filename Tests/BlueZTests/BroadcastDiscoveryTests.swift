import BlueZ
import BlueZSimulator
import DBus
import HealthProfiles
import TestSupport
import Testing

/// A broadcast-only scale as bluetoothd reports it (the simulator's `broadcasts` scenario key and `Broadcast`
/// control): nothing while nobody discovers, nothing through a UUID filter its manufacturer data cannot match,
/// every advertisement's data as a typed `.advertised` event through the wide filter.
@Suite struct BroadcastDiscoveryTests {
    static let scale = BluetoothAddress("B4:56:5D:37:76:9A")!
    /// homeassistant-okokscale issue 7: 75.45 kg under two company identifiers (the high byte moves).
    static let scenario = """
        \(Scenarios.fastTiming)
        devices:
          - address: "\(scale)"
            broadcasts:
              intervalMs: 20
              repeat: true
              frames:
                - {manufacturerData: {"0x45C0": "1D7917700A0125B4565D37769A"}}
                - {manufacturerData: {"0x46C0": "1D7917700A0125B4565D37769A"}}
        """

    @Test func aScaleIsHeardOnlyThroughTheWideFilterWhileDiscovering() async throws {
        let fixture = try await Fixture.start(Self.scenario)
        let adapter = try await fixture.adapter()
        let path = Self.scale.devicePath(on: adapter.path)
        let events = StreamProbe(await fixture.client.mirror.typedEvents())

        // Not discovering: the scale's broadcasts reach nobody.
        #expect(try await fixture.control.broadcast(Self.scale, AdvertisedData(manufacturerData: [0x45C0: [0x00]])) == false)
        // Discovering for the GATT health services: manufacturer data matches no UUID.
        try await adapter.setDiscoveryFilter(.healthDevices)
        try await adapter.startDiscovery()
        #expect(try await fixture.control.broadcast(Self.scale, AdvertisedData(manufacturerData: [0x45C0: [0x00]])) == false)
        try await adapter.stopDiscovery()

        try await adapter.setDiscoveryFilter(.healthAndBroadcastDevices)
        try await adapter.startDiscovery()
        let advertised = try await events.first(within: .seconds(10), "the scale's manufacturer data") { event in
            if case let .device(eventPath, .advertised(advertisement)) = event, eventPath == path,
               advertisement.manufacturerData != nil { true } else { false }
        }
        guard case let .device(_, .advertised(advertisement)) = advertised else { return }
        let data = AdvertisedData(manufacturerData: try #require(advertisement.manufacturerData))
        #expect(data.manufacturerData.count == 1, "replaced, not merged: \(data.manufacturerData)")
        #expect(advertisement.rssi == -60)
        let weighing = try #require(try OKOKScale.weighings(in: data).first)
        #expect(weighing.weight == DecimalNumber("75.45") && weighing.isFinal)
        #expect(try await fixture.control.adapterState().discoveryFilter["UUIDs"] == nil)

        // Discovery stopped: the simulator reports the scale's broadcasts as unseen again.
        try await adapter.stopDiscovery()
        try await fixture.client.mirror.waitForProperty(adapter.path, interface: BlueZNames.adapter, "Discovering",
                                                        timeout: .seconds(10)) { $0?.boolValue == false }
        #expect(try await fixture.control.broadcast(Self.scale, data) == false)
        await fixture.stop()
    }
}
