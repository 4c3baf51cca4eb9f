public import DBus

/// The properties of one org.bluez interface that the gateway reads, each with the D-Bus type bluetoothd gives it
/// (BlueZ doc/org.bluez.*.rst). Every BlueZ property name is written here and nowhere else: the typed property
/// values (`DeviceProperties`, ...), the typed events (`BlueZEvent`) and the schema the mirror checks incoming
/// values against (`PropertySchema`) are all built from these.
public protocol BlueZPropertyName: RawRepresentable, CaseIterable, Sendable where RawValue == String {
    /// The interface the property belongs to.
    static var interface: String { get }
    /// The type bluetoothd gives the property; a value of another type is dropped by the mirror.
    var type: DBusType { get }
}

/// org.bluez.Adapter1.
public enum AdapterPropertyName: String, BlueZPropertyName {
    case address = "Address", addressType = "AddressType", name = "Name", alias = "Alias", powered = "Powered"
    case discoverable = "Discoverable", pairable = "Pairable", discovering = "Discovering", uuids = "UUIDs"

    public static var interface: String { BlueZNames.adapter }
    public var type: DBusType {
        switch self {
        case .address, .addressType, .name, .alias: .string
        case .powered, .discoverable, .pairable, .discovering: .boolean
        case .uuids: .array(.string)
        }
    }
}

/// org.bluez.Device1.
public enum DevicePropertyName: String, BlueZPropertyName {
    case address = "Address", addressType = "AddressType", name = "Name", alias = "Alias", adapter = "Adapter"
    case paired = "Paired", bonded = "Bonded", trusted = "Trusted", blocked = "Blocked", connected = "Connected"
    case servicesResolved = "ServicesResolved", rssi = "RSSI", txPower = "TxPower", uuids = "UUIDs"
    case serviceData = "ServiceData", manufacturerData = "ManufacturerData", appearance = "Appearance", deviceClass = "Class"

    public static var interface: String { BlueZNames.device }
    public var type: DBusType {
        switch self {
        case .address, .addressType, .name, .alias: .string
        case .adapter: .objectPath
        case .paired, .bonded, .trusted, .blocked, .connected, .servicesResolved: .boolean
        case .rssi, .txPower: .int16
        case .uuids: .array(.string)
        case .serviceData: .variantDictionary
        case .manufacturerData: .dictionary(key: .uint16, value: .variant)
        case .appearance: .uint16
        case .deviceClass: .uint32
        }
    }
}

/// org.bluez.GattService1.
public enum GattServicePropertyName: String, BlueZPropertyName {
    case uuid = "UUID", primary = "Primary", device = "Device", handle = "Handle"

    public static var interface: String { BlueZNames.gattService }
    public var type: DBusType {
        switch self {
        case .uuid: .string
        case .primary: .boolean
        case .device: .objectPath
        case .handle: .uint16
        }
    }
}

/// org.bluez.GattCharacteristic1.
public enum GattCharacteristicPropertyName: String, BlueZPropertyName {
    case uuid = "UUID", service = "Service", value = "Value", notifying = "Notifying", flags = "Flags"
    case handle = "Handle", mtu = "MTU"

    public static var interface: String { BlueZNames.gattCharacteristic }
    public var type: DBusType {
        switch self {
        case .uuid: .string
        case .service: .objectPath
        case .value: .array(.byte)
        case .notifying: .boolean
        case .flags: .array(.string)
        case .handle, .mtu: .uint16
        }
    }
}

/// org.bluez.GattDescriptor1.
public enum GattDescriptorPropertyName: String, BlueZPropertyName {
    case uuid = "UUID", characteristic = "Characteristic", value = "Value"

    public static var interface: String { BlueZNames.gattDescriptor }
    public var type: DBusType {
        switch self {
        case .uuid: .string
        case .characteristic: .objectPath
        case .value: .array(.byte)
        }
    }
}

/// org.bluez.Battery1.
public enum BatteryPropertyName: String, BlueZPropertyName {
    case percentage = "Percentage"

    public static var interface: String { BlueZNames.battery }
    public var type: DBusType { .byte }
}
