public import DBus
public import HealthProfiles

/// The mirrored tree read as typed properties, so that no caller looks a BlueZ property up by name.
extension MirrorView {
    /// The adapter at `path`; nil when bluetoothd has none there.
    public func adapter(_ path: ObjectPath) -> AdapterProperties? {
        properties(path, BlueZNames.adapter).map(AdapterProperties.init)
    }

    /// The device at `path`; nil when bluetoothd has none there.
    public func device(_ path: ObjectPath) -> DeviceProperties? {
        properties(path, BlueZNames.device).map(DeviceProperties.init)
    }

    /// The GATT characteristics exported below `device`, sorted by path (i.e. in handle order).
    public func characteristics(under device: ObjectPath) -> [(path: ObjectPath, properties: CharacteristicProperties)] {
        objects(with: BlueZNames.gattCharacteristic, under: device).map { ($0.path, CharacteristicProperties($0.properties)) }
    }

    /// The UUID of the GATT service at `path`.
    public func gattServiceUUID(_ path: ObjectPath) -> BluetoothUUID? {
        properties(path, BlueZNames.gattService)?[GattServicePropertyName.uuid.rawValue]?.stringValue.flatMap(BluetoothUUID.init)
    }

    /// The battery level org.bluez.Battery1 reports for the device at `path`.
    public func batteryPercentage(_ path: ObjectPath) -> UInt8? {
        properties(path, BlueZNames.battery)?[BatteryPropertyName.percentage.rawValue]?.byteValue
    }
}
