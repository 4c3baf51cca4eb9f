public import DBus
public import HealthProfiles

/// The org.bluez.Device1 properties the gateway reads, typed.
public struct DeviceProperties: Sendable, Hashable {
    public let address: BluetoothAddress?
    public let addressType: String?
    public let name: String?
    public let alias: String?
    public let adapter: ObjectPath?
    public let paired: Bool
    public let bonded: Bool
    public let trusted: Bool
    public let connected: Bool
    public let servicesResolved: Bool
    public let rssi: Int16?
    public let uuids: [BluetoothUUID]
    /// Advertised service data by service UUID.
    public let serviceData: [BluetoothUUID: [UInt8]]
    /// Advertised manufacturer data by company identifier.
    public let manufacturerData: [UInt16: [UInt8]]

    public init(_ properties: [String: DBusValue]) {
        func value(_ name: DevicePropertyName) -> DBusValue? { properties[name.rawValue] }
        address = value(.address)?.stringValue.flatMap(BluetoothAddress.init)
        addressType = value(.addressType)?.stringValue
        name = value(.name)?.stringValue
        alias = value(.alias)?.stringValue
        adapter = value(.adapter)?.objectPathValue
        paired = value(.paired)?.boolValue ?? false
        bonded = value(.bonded)?.boolValue ?? false
        trusted = value(.trusted)?.boolValue ?? false
        connected = value(.connected)?.boolValue ?? false
        servicesResolved = value(.servicesResolved)?.boolValue ?? false
        rssi = value(.rssi).flatMap(Self.rssi)
        uuids = value(.uuids)?.stringsValue?.compactMap(BluetoothUUID.init) ?? []
        serviceData = value(.serviceData).flatMap(Self.serviceData) ?? [:]
        manufacturerData = value(.manufacturerData).flatMap(Self.manufacturerData) ?? [:]
    }

    /// An RSSI reading; nil when there is none. 127 is HCI's "RSSI is not available" (btvirt and some controllers
    /// report nothing else).
    static func rssi(_ value: DBusValue) -> Int16? {
        value.int16Value.flatMap { $0 == 127 ? nil : $0 }
    }

    /// ServiceData (a{sv}, service UUID to bytes); nil when the value has another shape (also the simulator's control).
    public static func serviceData(_ value: DBusValue) -> [BluetoothUUID: [UInt8]]? {
        guard let entries = value.dictionaryEntries else { return nil }
        var serviceData: [BluetoothUUID: [UInt8]] = [:]
        for entry in entries {
            if let key = entry.key.stringValue.flatMap(BluetoothUUID.init), let bytes = entry.value.bytesValue {
                serviceData[key] = bytes
            }
        }
        return serviceData
    }

    /// ManufacturerData (a{qv}, company identifier to bytes); nil when the value has another shape.
    public static func manufacturerData(_ value: DBusValue) -> [UInt16: [UInt8]]? {
        guard let entries = value.dictionaryEntries else { return nil }
        var manufacturerData: [UInt16: [UInt8]] = [:]
        for entry in entries {
            if let key = entry.key.uint16Value, let bytes = entry.value.bytesValue { manufacturerData[key] = bytes }
        }
        return manufacturerData
    }
}
