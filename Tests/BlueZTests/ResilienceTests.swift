import BlueZ
import BlueZSimulator
import DBus
import HealthProfiles
import TestSupport
import Testing

@Suite struct ResilienceTests {
    @Test func mirrorAndAgentSurviveABluetoothdRestart() async throws {
        let fixture = try await Fixture.start(Scenarios.cuff())
        let agent = TestAgent(passkey: 123456)
        let service = try await AgentService.start(client: fixture.client, agent: agent)
        let adapter = try await fixture.adapter()
        try await adapter.startDiscovery()
        let cuff = try await adapter.waitForDevice(Addresses.cuff, timeout: .seconds(10))
        try await cuff.connect()
        let oldOwner = try #require(await fixture.client.mirror.serviceOwner)

        let events = StreamProbe(await fixture.client.mirror.events())
        let registrations = StreamProbe(service.registrations())
        let pendingWait = Task {
            try await fixture.client.mirror.waitForObject("/org/bluez/hci0/dev_00_00_00_00_00_00",
                                                          interface: BlueZNames.device, timeout: .seconds(30))
        }
        try await fixture.control.restartBluetoothd()

        _ = try await events.first(within: .seconds(10), "service lost") { $0 == .serviceLost }
        await #expect(throws: BlueZError.serviceUnavailable) { _ = try await pendingWait.value }
        let back = try await events.first(within: .seconds(10), "service back") {
            if case .serviceAvailable = $0 { true } else { false }
        }
        guard case .serviceAvailable(let newOwner) = back else { return }
        #expect(newOwner != oldOwner)

        // The adapter and the bonded device are back; the discovered, unbonded cuff is forgotten.
        _ = try await fixture.client.waitForAdapter(timeout: .seconds(10))
        #expect(await fixture.client.device(address: Addresses.away) != nil)
        #expect(await cuff.properties() == nil)

        // The agent registered itself with the new bluetoothd.
        #expect(try await registrations.next(within: .seconds(10), "agent registered again") == newOwner)
        let state = try await fixture.control.adapterState()
        #expect(state.bluetoothdName == newOwner)
        #expect(state.agents == 1 && state.hasDefaultAgent)
        await service.stop()
        await fixture.stop()
    }

    @Test func pairingWorksAfterRestartThroughTheReRegisteredAgent() async throws {
        let fixture = try await Fixture.start(Scenarios.glucometer())
        let agent = TestAgent(passkey: 123456)
        let service = try await AgentService.start(client: fixture.client, agent: agent)
        let registrations = StreamProbe(service.registrations())
        try await fixture.control.restartBluetoothd()
        let newOwner = try #require(try await registrations.next(within: .seconds(10), "agent registered again"))
        #expect(try await fixture.control.adapterState().bluetoothdName == newOwner)
        let meter = try await fixture.discover(Addresses.glucometer)
        try await meter.pair()
        #expect(agent.log == ["RequestPasskey \(meter.path)"])
        #expect(try await fixture.control.adapterState().agents == 1)
        await service.stop()
        await fixture.stop()
    }

    @Test func adapterRemovedAndAddedAgain() async throws {
        let fixture = try await Fixture.start(Scenarios.cuff())
        let adapter = try await fixture.adapter()
        let events = StreamProbe(await fixture.client.mirror.events())
        try await fixture.control.removeAdapter()
        _ = try await events.first(within: .seconds(10), "adapter removed") {
            if case .interfacesRemoved(adapter.path, let names) = $0 { names.contains(BlueZNames.adapter) } else { false }
        }
        #expect(await fixture.client.adapters().isEmpty)
        #expect(await fixture.client.devices().isEmpty)
        await #expect(throws: BlueZError.self) { try await adapter.startDiscovery() }

        let waiting = Task { try await fixture.client.waitForAdapter(timeout: .seconds(10)) }
        try await fixture.control.addAdapter()
        #expect(try await waiting.value == adapter)
        #expect(await fixture.client.device(address: Addresses.away) != nil)
        try await adapter.startDiscovery()
        _ = try await adapter.waitForDevice(Addresses.cuff, timeout: .seconds(10))
        await fixture.stop()
    }

    @Test func clientStartedBeforeBluetoothdLoadsItWhenItAppears() async throws {
        let bus = try await PrivateBus.start()
        let client = try await BlueZClient.connect(to: .address(bus.address))
        #expect(await client.mirror.isServiceAvailable == false)
        let waiting = Task { try await client.waitForAdapter(timeout: .seconds(10)) }
        let simulator = Simulator(scenario: try Scenario.parse(yaml: Scenarios.cuff()), bus: .address(bus.address))
        try await simulator.start()
        let adapter = try await waiting.value
        #expect(adapter.path == "/org/bluez/hci0")
        #expect(await client.device(address: Addresses.away) != nil)
        await client.close()
        await simulator.stop()
        bus.stop()
    }
}
