import BlueZ
import DBus
import Gateway
import Testing

/// bluetoothd asks the agent to authorise a device that pairs or uses a service by itself (no technician waiting):
/// only a provisioned device is let in, recognised by the address its object path names.
@Suite struct PairingCoordinatorTests {
    static let provisioned = BluetoothAddress("A0:9E:1A:00:00:01")!
    static let stranger = BluetoothAddress("A0:9E:1A:00:00:02")!
    static let adapter: ObjectPath = "/org/bluez/hci0"

    @Test func onlyAProvisionedDeviceIsAuthorisedWithoutATechnician() async throws {
        let coordinator = PairingCoordinator { $0 == Self.provisioned }
        let device = Self.provisioned.devicePath(on: Self.adapter)
        try await coordinator.requestAuthorization(for: device)
        try await coordinator.authorizeService("00001810-0000-1000-8000-00805f9b34fb", for: device)
        for path in [Self.stranger.devicePath(on: Self.adapter), Self.adapter, device.appending("service0010")] {
            await #expect(throws: AgentError.rejected, "\(path)") { try await coordinator.requestAuthorization(for: path) }
            await #expect(throws: AgentError.rejected, "\(path)") {
                try await coordinator.authorizeService("00001810-0000-1000-8000-00805f9b34fb", for: path)
            }
        }
    }
}
