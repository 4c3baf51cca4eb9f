import BlueZ
import DBus

/// `dhoctl pair --renew` and the check that a pairing really bonded.
extension GatewayCommands {
    /// The provisioned device whose bond is renewed, after its stale bond was removed from bluetoothd
    /// (Adapter.RemoveDevice): the device forgot the keys, so the pairing must start from nothing. The registry
    /// entry (profile, record cursor, memory owner, provisioning) is left as it is.
    func removeStaleBond(_ address: BluetoothAddress, _ arguments: CommandArguments)
        async throws(ControlError) -> ProvisionedDevice {
        // The provisioning is kept as it is: options that would change it belong to a pairing without --renew.
        if let option = ["profile", "user"].first(where: { arguments.optional($0) != nil })
            ?? (arguments.flag("memory-is-patients") ? "memory-is-patients" : nil) {
            throw .badArguments("--renew keeps the device's provisioning; --\(option) cannot change it (dhoctl forget, then pair)")
        }
        let provisioned = try await failing("registry") { try await runtime.registry.device(address: address.description) }
        guard let provisioned else {
            throw ControlError("not-found", "\(address) is not provisioned on this hub: pair it without --renew")
        }
        let path = address.devicePath(on: adapter.path)
        do {
            try await adapter.removeDevice(path)
            // The device is looked for next: the old object (Paired, stale keys) must not be taken for it. Gone,
            // or already back from a new advertisement unpaired, will do.
            _ = try? await runtime.bluez.mirror.waitFor("\(address) removed", timeout: .seconds(5)) { view in
                view.device(path)?.paired == true ? nil : true
            }
        } catch .bluez(.doesNotExist, _) {
            // bluetoothd holds no bond for it: pairing starts from nothing anyway.
        } catch {
            throw ControlError("pairing-failed", "the stale bond of \(address) could not be removed: \(error)")
        }
        runtime.logger.notice("stale bond removed for renewal", metadata: ["device": "\(address)"])
        return provisioned
    }

    /// Whether bluetoothd reports the device paired, read from bluetoothd itself: Pair() can answer success
    /// without a bond having been stored (the device did not distribute keys), and the mirror may not have
    /// seen the change yet.
    static func reportsPaired(_ device: Device) async -> Bool {
        await device.refreshProperties()
        return await device.properties()?.paired == true
    }

    static func bondNotStored(_ address: BluetoothAddress) -> String {
        "Pair() answered, but bluetoothd does not report \(address) paired: no bond was stored and the device "
            + "would refuse the hub; nothing was provisioned. Put it in pairing mode again and retry"
    }
}
