import BlueZ
import DBus
import HealthProfiles

/// Where a simulated device's GATT attributes live on D-Bus, named as bluetoothd names them
/// (`service000a/char000b/desc000d`, from the attribute handles).
struct GattLayout: Sendable {
    struct Characteristic: Sendable {
        let path: ObjectPath
        let servicePath: ObjectPath
        let config: CharacteristicConfig
        /// The Client Characteristic Configuration descriptor, for notify/indicate characteristics.
        let cccdPath: ObjectPath?
        let handle: UInt16
    }

    struct Service: Sendable {
        let path: ObjectPath
        let config: ServiceConfig
        let handle: UInt16
    }

    let services: [Service]
    let characteristics: [BluetoothUUID: Characteristic]
    let uuidByPath: [ObjectPath: BluetoothUUID]

    init(device path: ObjectPath, services configs: [ServiceConfig]) {
        var handle: UInt16 = 0x000A
        var services: [Service] = []
        var characteristics: [BluetoothUUID: Characteristic] = [:]
        var uuidByPath: [ObjectPath: BluetoothUUID] = [:]
        for config in configs {
            let servicePath = path.appending("service" + GattLayout.hex(handle))
            services.append(Service(path: servicePath, config: config, handle: handle))
            handle &+= 1
            for characteristic in config.characteristics {
                let characteristicPath = servicePath.appending("char" + GattLayout.hex(handle))
                let valueHandle = handle &+ 1
                handle &+= 2
                var cccd: ObjectPath?
                if characteristic.flags.contains("notify") || characteristic.flags.contains("indicate") {
                    cccd = characteristicPath.appending("desc" + GattLayout.hex(handle))
                    handle &+= 1
                }
                characteristics[characteristic.uuid] = Characteristic(
                    path: characteristicPath, servicePath: servicePath, config: characteristic, cccdPath: cccd,
                    handle: valueHandle)
                uuidByPath[characteristicPath] = characteristic.uuid
            }
        }
        self.services = services
        self.characteristics = characteristics
        self.uuidByPath = uuidByPath
    }

    static func hex(_ value: UInt16) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    static let cccdUUID = BluetoothUUID(short: 0x2902)
}
