import BlueZ
import Foundation
import HealthProfiles

/// A glucometer's identity as a restart signal: its serial number (Device Information 0x2A25) or its Glucose
/// Feature (0x2A51) differing from what the same address said at the last visit means the meter was replaced or
/// reset (`recordCursor`). Both are read on every visit of a device with records (a couple of short reads).
extension DeviceVisit {
    /// Reads the identity, compares it with the one recorded at the last visit and records it; the change, if any.
    /// A meter that gives neither (no Device Information, reads failing) is not judged by this signal.
    func identityChange() async -> DeviceIdentity.Change? {
        let observed = DeviceIdentity(
            serialNumber: await readIdentityValue(.serialNumberString).flatMap { try? SerialNumberString.decode($0).text },
            glucoseFeatures: await readIdentityValue(.glucoseFeature))
        guard observed.serialNumber != nil || observed.glucoseFeatures != nil else { return nil }
        let registry = DeviceRegistry(store: store)
        do {
            let change = try await registry.identity(address: device.address)?.change(to: observed)
            try await registry.saveIdentity(address: device.address, observed)
            return change
        } catch {
            logger.warning("the meter's identity could not be checked: \(error)", metadata: ["device": "\(device.address)"])
            return nil
        }
    }

    private func readIdentityValue(_ characteristic: GATTCharacteristic) async -> [UInt8]? {
        guard let gatt = try? await bluetoothDevice.characteristic(characteristic.uuid, timeout: .milliseconds(1)) else { return nil }
        return try? await gatt.readValue()
    }
}
