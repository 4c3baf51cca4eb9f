public import BlueZ
public import DBus
import DeviceProfiles
import Foundation
import Synchronization
public import HealthProfiles

/// Carries a provisioned device's notified and indicated values from bluetoothd to its frame processor,
/// in bus order, for as long as the device is provisioned.
///
/// Only the device's own object subtree is watched, and only the characteristics its profile subscribes
/// to: values of other devices (a neighbour's cuff) never reach the pipeline, and ReadValue replies (which
/// BlueZ also reports as Value changes) of read-only characteristics are not mistaken for measurements.
public enum DeviceFramePump {
    /// Hands the device's values to `processor` from the mirror's turn, in bus order (`handleTyped`): no task of
    /// its own between the mirror and the frame queue (issue 16: each such hop was a task wake-up per frame, two
    /// frames per reading). Returns when the task running it is cancelled or the mirror stops.
    public static func run(client: BlueZClient, devicePath: ObjectPath, subscribed: Set<GATTCharacteristic>,
                           processor: DeviceFrameProcessor) async {
        let routes = CharacteristicRoutes()
        let handling = await client.mirror.handleTyped(seed: { view in
            for entry in view.characteristics(under: devicePath) {
                routes.set(entry.path, known(entry.properties.uuid, subscribed))
            }
        }) { event in
            guard case let .characteristic(path, change) = event, path.isDescendant(of: devicePath, orSelf: false) else {
                return
            }
            switch change {
            case let .added(properties): routes.set(path, known(properties.uuid, subscribed))
            case .removed: routes.set(path, nil)
            case let .value(bytes): if let characteristic = routes[path] { processor.submit(characteristic, bytes) }
            case .notifying: break
            }
        }
        for await _ in handling {}
    }

    private static func known(_ uuid: BluetoothUUID?, _ subscribed: Set<GATTCharacteristic>) -> GATTCharacteristic? {
        guard let short = uuid?.short, let characteristic = GATTCharacteristic(rawValue: short),
              subscribed.contains(characteristic)
        else { return nil }
        return characteristic
    }
}

/// Which of the device's characteristic objects carries which subscribed characteristic. Only the mirror's turns
/// touch it, one at a time; the lock is what lets the handler be `Sendable`.
private final class CharacteristicRoutes: Sendable {
    private let routes = Mutex<[ObjectPath: GATTCharacteristic]>([:])

    func set(_ path: ObjectPath, _ characteristic: GATTCharacteristic?) {
        routes.withLock { $0[path] = characteristic }
    }

    subscript(path: ObjectPath) -> GATTCharacteristic? { routes.withLock { $0[path] } }
}
