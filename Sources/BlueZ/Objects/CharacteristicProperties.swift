public import DBus
public import HealthProfiles

/// The org.bluez.GattCharacteristic1 properties the gateway reads, typed.
public struct CharacteristicProperties: Sendable, Hashable {
    public let uuid: BluetoothUUID?
    public let service: ObjectPath?
    public let flags: CharacteristicFlags
    public let notifying: Bool
    public let value: [UInt8]?

    public init(_ properties: [String: DBusValue]) {
        func value(_ name: GattCharacteristicPropertyName) -> DBusValue? { properties[name.rawValue] }
        uuid = value(.uuid)?.stringValue.flatMap(BluetoothUUID.init)
        service = value(.service)?.objectPathValue
        flags = CharacteristicFlags(names: value(.flags)?.stringsValue ?? [])
        notifying = value(.notifying)?.boolValue ?? false
        self.value = value(.value)?.bytesValue
    }
}
