public import DBus

/// The D-Bus types bluetoothd gives the properties the gateway reads (BlueZ doc/org.bluez.*.rst).
///
/// The mirror drops a property of another type, and a characteristic or descriptor value longer than ATT allows,
/// and says so in the log: code reading the tree then meets such a property as absent, never as a value of a
/// surprising shape, and a misbehaving bluetoothd (or anything else owning org.bluez) cannot push a megabyte
/// "measurement" into the gateway. Properties not listed here pass unchanged.
public enum PropertySchema {
    /// Attribute values are at most 512 bytes (Bluetooth Core, Vol 3, Part F, 3.2.9).
    public static let maximumAttributeValue = 512

    static let expected: [String: [String: DBusType]] = [
        schema(of: AdapterPropertyName.self), schema(of: DevicePropertyName.self), schema(of: GattServicePropertyName.self),
        schema(of: GattCharacteristicPropertyName.self), schema(of: GattDescriptorPropertyName.self),
        schema(of: BatteryPropertyName.self),
    ].reduce(into: [:]) { result, entry in result[entry.interface] = entry.types }

    private static func schema<Name: BlueZPropertyName>(of _: Name.Type) -> (interface: String, types: [String: DBusType]) {
        (Name.interface, Dictionary(uniqueKeysWithValues: Name.allCases.map { ($0.rawValue, $0.type) }))
    }

    /// The properties holding an attribute's value.
    private static let attributeValues: Set<String> = [
        GattCharacteristicPropertyName.value.rawValue, GattDescriptorPropertyName.value.rawValue,
    ]

    /// Why `value` may not be used as property `name` of `interface`; nil when it may.
    public static func problem(_ interface: String, _ name: String, _ value: DBusValue) -> String? {
        guard let type = expected[interface]?[name] else { return nil }
        guard value.type == type else { return "has type \(value.type), expected \(type)" }
        if attributeValues.contains(name), case let .array(_, items) = value, items.count > maximumAttributeValue {
            return "holds \(items.count) bytes, more than the \(maximumAttributeValue) an attribute can have"
        }
        return nil
    }

    /// `properties` without those that may not be used, and a description of each one left out.
    public static func filter(_ interface: String, _ properties: [String: DBusValue])
        -> (kept: [String: DBusValue], dropped: [String])
    {
        guard expected[interface] != nil else { return (properties, []) }
        var kept = properties
        var dropped: [String] = []
        for (name, value) in properties.sorted(by: { $0.key < $1.key }) {
            if let problem = problem(interface, name, value) {
                kept[name] = nil
                dropped.append("\(interface).\(name) \(problem)")
            }
        }
        return (kept, dropped)
    }
}
