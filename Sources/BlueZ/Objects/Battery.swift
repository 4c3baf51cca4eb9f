public import DBus

/// org.bluez.Battery1 on a device object: bluetoothd reads the Battery service itself and hides it
/// from the GATT API, so this is the only way to the battery level.
public struct Battery: Sendable {
    public let path: ObjectPath
    let client: BlueZClient

    /// Percentage (0–100) as last reported; nil when the device exposes no battery.
    public func percentage() async -> UInt8? {
        await client.mirror.view.batteryPercentage(path)
    }

    /// Waits until bluetoothd exposes the battery level (after connecting) and returns it.
    public func waitForPercentage(timeout: Duration) async throws(BlueZError) -> UInt8 {
        let path = path
        return try await client.mirror.waitFor("battery level of \(path)", timeout: timeout) { view in
            view.batteryPercentage(path)
        }
    }

    /// Every new battery level from now on.
    public func percentageUpdates() async -> AsyncStream<UInt8> {
        let path = path
        return await client.mirror.subscribeTyped { event in
            guard case .battery(path, let percentage) = event else { return nil }
            return percentage
        }
    }
}
