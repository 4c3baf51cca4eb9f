public import DBus
public import HealthProfiles

/// One change of bluetoothd's object tree, typed: what `MirrorEvent` says with interface and property names,
/// said with values. One `MirrorEvent` can make several (a PropertiesChanged naming several properties, an object
/// added with several interfaces). A property the gateway does not read, or one of an unexpected type, makes none.
public enum BlueZEvent: Sendable, Hashable {
    case adapter(ObjectPath, AdapterEvent)
    case device(ObjectPath, DeviceEvent)
    case characteristic(ObjectPath, CharacteristicEvent)
    /// org.bluez.Battery1 on the device at the path reported a level (when it appeared or changed).
    case battery(ObjectPath, percentage: UInt8)
    /// bluetoothd left the bus; every object is gone (removals were announced just before).
    case serviceLost
    /// bluetoothd (re)appeared and the tree was loaded from it (additions were announced just before).
    case serviceAvailable(owner: String)
}

public enum AdapterEvent: Sendable, Hashable {
    case added(AdapterProperties)
    case removed
    case powered(Bool)
    case discovering(Bool)
}

public enum DeviceEvent: Sendable, Hashable {
    /// bluetoothd made an object for the device: it was discovered, or is known from pairing.
    case added(DeviceProperties)
    case removed
    case connected(Bool)
    case servicesResolved(Bool)
    case paired(Bool)
    /// The device advertised: bluetoothd reported a new RSSI or new advertising data.
    case advertised(Advertisement)
}

/// What one advertisement report changed; nil where it changed nothing.
public struct Advertisement: Sendable, Hashable {
    /// nil also when the controller reported "RSSI not available" (see `DeviceProperties.rssi`).
    public var rssi: Int16?
    public var manufacturerData: [UInt16: [UInt8]]?
    public var serviceData: [BluetoothUUID: [UInt8]]?

    public init(rssi: Int16? = nil, manufacturerData: [UInt16: [UInt8]]? = nil, serviceData: [BluetoothUUID: [UInt8]]? = nil) {
        self.rssi = rssi
        self.manufacturerData = manufacturerData
        self.serviceData = serviceData
    }
}

public enum CharacteristicEvent: Sendable, Hashable {
    /// bluetoothd exported the characteristic (after service discovery).
    case added(CharacteristicProperties)
    case removed
    /// A new value: a notification or indication, or the reply to a ReadValue (BlueZ reports both alike).
    case value([UInt8])
    case notifying(Bool)
}

extension BlueZEvent {
    /// The typed events `event` makes, in a fixed order.
    public static func decode(_ event: MirrorEvent) -> [BlueZEvent] {
        switch event {
        case .serviceLost:
            return [.serviceLost]
        case let .serviceAvailable(owner):
            return [.serviceAvailable(owner: owner)]
        case let .interfacesAdded(path, interfaces):
            return interfaces.keys.sorted().compactMap { interface in added(path, interface, interfaces[interface] ?? [:]) }
        case let .interfacesRemoved(path, interfaces):
            return interfaces.sorted().compactMap { removed(path, $0) }
        case let .propertiesChanged(path, interface, changed, _):
            // An invalidated property tells no new value: nothing to report.
            return propertiesChanged(path, interface, changed)
        }
    }

    private static func added(_ path: ObjectPath, _ interface: String, _ properties: [String: DBusValue]) -> BlueZEvent? {
        switch interface {
        case BlueZNames.adapter: .adapter(path, .added(AdapterProperties(properties)))
        case BlueZNames.device: .device(path, .added(DeviceProperties(properties)))
        case BlueZNames.gattCharacteristic: .characteristic(path, .added(CharacteristicProperties(properties)))
        case BlueZNames.battery: batteryLevel(path, properties)
        default: nil
        }
    }

    private static func removed(_ path: ObjectPath, _ interface: String) -> BlueZEvent? {
        switch interface {
        case BlueZNames.adapter: .adapter(path, .removed)
        case BlueZNames.device: .device(path, .removed)
        case BlueZNames.gattCharacteristic: .characteristic(path, .removed)
        default: nil
        }
    }

    private static func propertiesChanged(_ path: ObjectPath, _ interface: String, _ changed: [String: DBusValue]) -> [BlueZEvent] {
        switch interface {
        case BlueZNames.adapter: events(of: changed, adapterRules).map { .adapter(path, $0) }
        case BlueZNames.device: (events(of: changed, deviceRules) + advertised(changed)).map { .device(path, $0) }
        case BlueZNames.gattCharacteristic: events(of: changed, characteristicRules).map { .characteristic(path, $0) }
        case BlueZNames.battery: batteryLevel(path, changed).map { [$0] } ?? []
        default: []
        }
    }

    /// Which event each property makes of its value (nil: a value of another type), in the order they are reported.
    private typealias Rules<Name: BlueZPropertyName, Event> = [(Name, @Sendable (DBusValue) -> Event?)]

    private static let adapterRules: Rules<AdapterPropertyName, AdapterEvent> = [
        (.powered, { $0.boolValue.map(AdapterEvent.powered) }),
        (.discovering, { $0.boolValue.map(AdapterEvent.discovering) }),
    ]

    /// A connection comes first: whoever reacts to it and to an advertisement (a visit) knows the device connected.
    private static let deviceRules: Rules<DevicePropertyName, DeviceEvent> = [
        (.connected, { $0.boolValue.map(DeviceEvent.connected) }),
        (.servicesResolved, { $0.boolValue.map(DeviceEvent.servicesResolved) }),
        (.paired, { $0.boolValue.map(DeviceEvent.paired) }),
    ]

    private static let characteristicRules: Rules<GattCharacteristicPropertyName, CharacteristicEvent> = [
        (.value, { $0.bytesValue.map(CharacteristicEvent.value) }),
        (.notifying, { $0.boolValue.map(CharacteristicEvent.notifying) }),
    ]

    private static func events<Name, Event>(of changed: [String: DBusValue], _ rules: Rules<Name, Event>) -> [Event] {
        rules.compactMap { name, event in changed[name.rawValue].flatMap(event) }
    }

    /// The advertisement a change of RSSI, ManufacturerData or ServiceData reports; none when it names none of them.
    private static func advertised(_ changed: [String: DBusValue]) -> [DeviceEvent] {
        func value(_ name: DevicePropertyName) -> DBusValue? { changed[name.rawValue] }
        let rssi = value(.rssi).flatMap { $0.int16Value != nil ? $0 : nil }
        let advertisement = Advertisement(
            rssi: rssi.flatMap(DeviceProperties.rssi),
            manufacturerData: value(.manufacturerData).flatMap(DeviceProperties.manufacturerData),
            serviceData: value(.serviceData).flatMap(DeviceProperties.serviceData))
        guard rssi != nil || advertisement.manufacturerData != nil || advertisement.serviceData != nil else { return [] }
        return [.advertised(advertisement)]
    }

    private static func batteryLevel(_ path: ObjectPath, _ properties: [String: DBusValue]) -> BlueZEvent? {
        properties[BatteryPropertyName.percentage.rawValue]?.byteValue.map { .battery(path, percentage: $0) }
    }
}
