import BlueZ
import BlueZSimulator
import DBus
import HealthProfiles
import TestSupport
import Testing

@Suite struct PairingTests {
    @Test func glucometerPairsWithThePasskeyTheTechnicianTyped() async throws {
        let fixture = try await Fixture.start(Scenarios.glucometer())
        let agent = TestAgent(passkey: 123456)
        let service = try await AgentService.start(client: fixture.client, agent: agent)
        let meter = try await fixture.discover(Addresses.glucometer)
        try await meter.connect()

        // Unpaired, the protected service refuses access as bluetoothd does.
        let measurement = try await meter.characteristic(GATTCharacteristic.glucoseMeasurement.uuid)
        await #expect(throws: BlueZError.bluez(.notPermitted, message: "Not paired")) {
            try await measurement.startNotify()
        }

        try await meter.pair()
        #expect(agent.log == ["RequestPasskey \(meter.path)"])
        try await fixture.client.mirror.waitForProperty(meter.path, interface: BlueZNames.device, "Paired",
                                                        timeout: .seconds(10)) { $0?.boolValue == true }
        try await meter.setTrusted(true)
        let state = try await fixture.control.deviceState(Addresses.glucometer)
        #expect(state.paired && state.trusted)
        try await measurement.startNotify()
        try await meter.pair()  // already paired: fine
        await service.stop()
        await fixture.stop()
    }

    @Test func wrongPasskeyFailsAuthentication() async throws {
        let fixture = try await Fixture.start(Scenarios.glucometer())
        let agent = TestAgent(passkey: 654321)
        let service = try await AgentService.start(client: fixture.client, agent: agent)
        let meter = try await fixture.discover(Addresses.glucometer)
        await #expect(throws: BlueZError.bluez(.authenticationFailed, message: "Authentication Failed")) {
            try await meter.pair()
        }
        #expect(agent.log == ["RequestPasskey \(meter.path)"])
        #expect(await meter.properties()?.paired == false)
        #expect(try await fixture.control.deviceState(Addresses.glucometer).paired == false)
        await service.stop()
        await fixture.stop()
    }

    @Test func rejectedPromptAndMissingAgentFail() async throws {
        let fixture = try await Fixture.start(Scenarios.glucometer())
        let meter = try await fixture.discover(Addresses.glucometer)
        await #expect(throws: BlueZError.bluez(.authenticationFailed, message: "Authentication Failed")) {
            try await meter.pair()  // no agent registered at all
        }
        let service = try await AgentService.start(client: fixture.client, agent: TestAgent(passkey: nil))
        await #expect(throws: BlueZError.bluez(.authenticationRejected, message: "Authentication Rejected")) {
            try await meter.pair()
        }
        await service.stop()
        #expect(try await fixture.control.adapterState().agents == 0)
        await fixture.stop()
    }

    @Test func agentRefusesCallersOtherThanBluetoothd() async throws {
        let fixture = try await Fixture.start(Scenarios.glucometer())
        let agent = TestAgent(passkey: 123456)
        let service = try await AgentService.start(client: fixture.client, agent: agent, path: "/test/agent")
        let intruder = try await DBusConnection.connect(to: .address(fixture.bluetooth.bus.address))
        await #expect(throws: DBusError.remote(name: "org.bluez.Error.Rejected", message: "Rejected by the gateway")) {
            _ = try await intruder.call(destination: fixture.client.connection.uniqueName, path: "/test/agent",
                                        interface: BlueZNames.agent, member: "RequestPasskey",
                                        arguments: [.objectPath("/org/bluez/hci0/dev_C4_AD_34_00_00_03")])
        }
        #expect(agent.log.isEmpty)
        await intruder.close()
        await service.stop()
        await fixture.stop()
    }

    @Test func insufficientAuthenticationTriggersPairingThroughTheDefaultAgent() async throws {
        let fixture = try await Fixture.start(Scenarios.glucometer(onInsufficientAuthentication: "pair"))
        let agent = TestAgent(passkey: 123456)
        let service = try await AgentService.start(client: fixture.client, agent: agent)
        let meter = try await fixture.discover(Addresses.glucometer)
        try await meter.connect()
        let racp = try await meter.characteristic(GATTCharacteristic.recordAccessControlPoint.uuid)
        try await racp.startNotify()  // pairs mid-way, as a meter demanding encryption makes bluetoothd do
        #expect(agent.log == ["RequestPasskey \(meter.path)"])
        #expect(try await fixture.control.deviceState(Addresses.glucometer).paired)
        await service.stop()
        await fixture.stop()
    }

    @Test func numericComparisonIsConfirmedByTheAgent() async throws {
        let fixture = try await Fixture.start(Scenarios.glucometer(method: "numericComparison"))
        let agent = TestAgent(passkey: 123456)
        let service = try await AgentService.start(client: fixture.client, agent: agent)
        let meter = try await fixture.discover(Addresses.glucometer)
        try await meter.pair()
        #expect(agent.log == ["RequestConfirmation 123456 \(meter.path)"])
        #expect(await meter.properties()?.paired == true)
        await service.stop()
        await fixture.stop()
    }

    @Test func cancelPairingEndsAnOpenPrompt() async throws {
        let fixture = try await Fixture.start(Scenarios.glucometer())
        let agent = UnansweredAgent()
        let service = try await AgentService.start(client: fixture.client, agent: agent)
        let meter = try await fixture.discover(Addresses.glucometer)
        let pairing = Task { try await meter.pair() }
        _ = try await StreamProbe(agent.asked).next(within: .seconds(10), "passkey prompt")
        try await meter.cancelPairing()
        await #expect(throws: BlueZError.bluez(.authenticationCanceled, message: "Authentication Canceled")) {
            try await pairing.value
        }
        _ = try await StreamProbe(agent.cancelled).next(within: .seconds(10), "Agent1.Cancel")
        #expect(await meter.properties()?.paired == false)
        await #expect(throws: BlueZError.bluez(.doesNotExist, message: "Does Not Exist")) {
            try await meter.cancelPairing()
        }
        await service.stop()
        await fixture.stop()
    }
}
