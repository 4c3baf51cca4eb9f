public import BlueZ
public import DBus
import DeviceProfiles
import Foundation
public import HealthProfiles

/// Carries a provisioned device's notified and indicated values from bluetoothd to its frame processor,
/// in bus order, for as long as the device is provisioned.
///
/// Only the device's own object subtree is watched, and only the characteristics its profile subscribes
/// to: values of other devices (a neighbour's cuff) never reach the pipeline, and ReadValue replies (which
/// BlueZ also reports as Value changes) of read-only characteristics are not mistaken for measurements.
public enum DeviceFramePump {
    public static func run(client: BlueZClient, devicePath: ObjectPath, subscribed: Set<GATTCharacteristic>,
                           processor: DeviceFrameProcessor) async {
        enum Change: Sendable {
            case characteristic(ObjectPath, BluetoothUUID?)
            case value(ObjectPath, [UInt8])
            case removed(ObjectPath)
        }
        // Subscribe first, then snapshot: a characteristic exported in between is seen by both, harmlessly.
        let changes = await client.mirror.subscribeTyped { event -> Change? in
            guard case let .characteristic(path, change) = event, path.isDescendant(of: devicePath, orSelf: false) else {
                return nil
            }
            switch change {
            case let .added(properties): return .characteristic(path, properties.uuid)
            case .removed: return .removed(path)
            case let .value(bytes): return .value(path, bytes)
            case .notifying: return nil
            }
        }
        var characteristics: [ObjectPath: GATTCharacteristic] = [:]
        for entry in await client.mirror.view.characteristics(under: devicePath) {
            if let known = known(entry.properties.uuid, subscribed) { characteristics[entry.path] = known }
        }
        for await change in changes {
            switch change {
            case let .characteristic(path, uuid):
                characteristics[path] = known(uuid, subscribed)
            case let .removed(path):
                characteristics[path] = nil
            case let .value(path, bytes):
                if let characteristic = characteristics[path] { processor.submit(characteristic, bytes) }
            }
        }
    }

    private static func known(_ uuid: BluetoothUUID?, _ subscribed: Set<GATTCharacteristic>) -> GATTCharacteristic? {
        guard let short = uuid?.short, let characteristic = GATTCharacteristic(rawValue: short),
              subscribed.contains(characteristic)
        else { return nil }
        return characteristic
    }
}
