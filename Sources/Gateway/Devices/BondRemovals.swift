import BlueZ
import Logging

/// The half of a hub reset that cannot be in the database transaction: removing the previous patient's
/// bonds from bluetoothd. The reset's transaction lists the forgotten devices (`DeviceRegistry.forgetAll(in:)`);
/// this removes each bond and crosses it off only once bluetoothd has let go of it. It runs right after the
/// reset, at every start-up before the supervisor follows any device, and from the maintenance loop, so a
/// kill, a bluetoothd restart or a missing adapter only delays it.
enum BondRemovals {
    /// Removes the pending bonds; returns how many are still pending (bluetoothd or the adapter unavailable).
    @discardableResult
    static func finish(registry: DeviceRegistry, bluez: BlueZClient, adapterName: String, logger: Logger) async -> Int {
        let adapter = bluez.adapter(named: adapterName)
        let pending: [String]
        do { pending = try await registry.pendingBondRemovals() } catch {
            logger.warning("cannot read the bonds left to remove: \(error)")
            return -1
        }
        var remaining = 0
        for address in pending {
            guard let bluetoothAddress = BluetoothAddress(address) else {
                try? await registry.bondRemoved(address: address)
                continue
            }
            do {
                try await adapter.removeDevice(bluetoothAddress.devicePath(on: adapter.path))
            } catch .bluez(.doesNotExist, _) {
                // bluetoothd does not know the device (any more): nothing is left to remove.
            } catch {
                remaining += 1
                logger.warning("bond of a device of the previous patient not removed yet; trying again later: \(error)",
                               metadata: ["device": "\(address)"])
                continue
            }
            do { try await registry.bondRemoved(address: address) } catch {
                remaining += 1
                continue
            }
            logger.notice("bond of a device of the previous patient removed", metadata: ["device": "\(address)"])
        }
        return remaining
    }
}
