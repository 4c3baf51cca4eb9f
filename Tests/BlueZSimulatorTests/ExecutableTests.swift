import BlueZ
import BlueZSimulator
import DBus
import Foundation
import HealthProfiles
import TestSupport
import Testing

/// The `bluez-sim` executable itself, as the demo and the gateway's end-to-end tests run it.
@Suite struct ExecutableTests {
    @Test func demoScenarioServesACuffReadingOverTheSystemBusVariable() async throws {
        let bus = try await PrivateBus.start()
        // Given only DBUS_SYSTEM_BUS_ADDRESS, the simulator connects to "the system bus": libdbus's
        // DBUS_BUS_SYSTEM honours the variable, which is how it takes bluetoothd's place on a hub.
        let simulator = try await SimulatorProcess.launch(bus: bus, scenarioPath: ScenarioTests.demoPath,
                                                          viaSystemBusVariable: true)
        let client = try await BlueZClient.connect(to: .address(bus.address))
        let adapter = try await client.waitForAdapter(timeout: .seconds(10))
        #expect(adapter.path == "/org/bluez/hci0")
        #expect(await client.device(address: BluetoothAddress("A0:9E:1A:00:00:06")!) != nil)

        try await adapter.setDiscoveryFilter(.healthDevices)
        try await adapter.startDiscovery()
        let cuff = try await adapter.waitForDevice(BluetoothAddress("A0:9E:1A:00:00:01")!, timeout: .seconds(10))
        try await cuff.connect(retrying: .bluetoothConnect)  // the demo cuff aborts its first connection
        let measurement = try await cuff.characteristic(GATTCharacteristic.bloodPressureMeasurement.uuid)
        let values = StreamProbe(await measurement.valueUpdates())
        try await measurement.startNotify()
        #expect(try await values.next(within: .seconds(10), "stored reading")?.first == 0x1E)
        #expect(try await values.next(within: .seconds(10), "error frame")?.first == 0x16)
        try await cuff.waitUntilDisconnected(timeout: .seconds(10))
        #expect(simulator.log.contains("sent 2 stored frame(s)"))

        await client.close()
        #expect(await simulator.terminate() == 0)
        #expect(simulator.log.contains("stopping (SIGTERM)"))
        bus.stop()
    }

    @Test func terminatesCleanlyAndReleasesTheNames() async throws {
        let bus = try await PrivateBus.start()
        let simulator = try await SimulatorProcess.launch(bus: bus, scenarioPath: ScenarioTests.demoPath)
        let observer = try await DBusConnection.connect(to: .address(bus.address))
        #expect(try await observer.nameOwner(of: "org.bluez") != nil)
        #expect(try await observer.nameOwner(of: SimulatorControl.busName) != nil)
        let names = StreamProbe(try await observer.signals(matching: .nameOwnerChanged("org.bluez")))
        #expect(await simulator.terminate() == 0)
        let released = try #require(try await names.next(within: .seconds(10), "org.bluez released"))
        #expect(NameOwnerChange(released)?.newOwner == nil)
        #expect(try await observer.nameOwner(of: SimulatorControl.busName) == nil)
        await observer.close()
        bus.stop()
    }

    @Test func stopsWhenItsParentGoesAway() async throws {
        let bus = try await PrivateBus.start()
        let simulator = try await SimulatorProcess.launch(bus: bus, scenarioPath: ScenarioTests.demoPath)
        simulator.stop()  // closes its stdin, as the kernel does when the test process dies
        #expect(simulator.log.contains("stopping (standard input closed)"))
        let observer = try await DBusConnection.connect(to: .address(bus.address))
        #expect(try await observer.nameOwner(of: "org.bluez") == nil)
        await observer.close()
        bus.stop()
    }

    @Test func invalidScenarioExitsWithAClearMessage() async throws {
        let bus = try await PrivateBus.start()
        let path = bus.directory.appendingPathComponent("broken.yaml").path
        try "devices: [{address: \"A0:9E:1A:00:00:01\", colour: red}]".write(toFile: path, atomically: true,
                                                                              encoding: .utf8)
        do {
            _ = try await SimulatorProcess.launch(bus: bus, scenarioPath: path)
            Issue.record("started with an invalid scenario")
        } catch let failure as SimulatorProcess.LaunchFailed {
            #expect(failure.log.contains("unknown key(s) colour"))
        }
        bus.stop()
    }

    @Test func controlInterfaceAnswersUnknownDevicesWithATypedError() async throws {
        let bluetooth = try await SimulatedBluetooth.start(scenario: "devices: []", mode: .executable)
        await #expect {
            try await bluetooth.control.setInRange(BluetoothAddress("00:11:22:33:44:55")!, true)
        } throws: { ($0 as? DBusError)?.remoteName == SimulatorControl.unknownDeviceError }
        let state = try await bluetooth.control.adapterState()
        #expect(state.present && state.powered && !state.discovering)
        await bluetooth.stop()
    }
}
