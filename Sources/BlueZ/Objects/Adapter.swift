public import DBus
public import HealthProfiles

/// org.bluez.Adapter1 (BlueZ doc/org.bluez.Adapter.rst).
public struct Adapter: BlueZObject {
    public let path: ObjectPath
    let client: BlueZClient

    init(path: ObjectPath, client: BlueZClient) {
        self.path = path
        self.client = client
    }

    /// The adapter's properties as last reported; nil when the adapter is gone.
    public func properties() async -> AdapterProperties? {
        await client.mirror.view.adapter(path)
    }

    public func setPowered(_ powered: Bool) async throws(BlueZError) {
        try await client.setProperty(path, AdapterPropertyName.powered, .boolean(powered))
    }

    /// Powers the adapter on if needed and waits until it reports Powered.
    public func powerOn(timeout: Duration = .seconds(10)) async throws(BlueZError) {
        if await properties()?.powered == true { return }
        try await setPowered(true)
        let path = path
        _ = try await client.mirror.waitFor("\(path) to be powered", timeout: timeout) { view -> Bool? in
            view.adapter(path)?.powered == true ? true : nil
        }
    }

    public func setDiscoveryFilter(_ filter: DiscoveryFilter) async throws(BlueZError) {
        _ = try await client.call(path, BlueZNames.adapter, "SetDiscoveryFilter", [filter.dbusValue])
    }

    public func startDiscovery() async throws(BlueZError) {
        _ = try await client.call(path, BlueZNames.adapter, "StartDiscovery")
    }

    public func stopDiscovery() async throws(BlueZError) {
        _ = try await client.call(path, BlueZNames.adapter, "StopDiscovery")
    }

    /// Forgets a device, bonding keys included (the "reset/forget" step when a hub is reissued).
    public func removeDevice(_ device: ObjectPath) async throws(BlueZError) {
        _ = try await client.call(path, BlueZNames.adapter, "RemoveDevice", [.objectPath(device)])
    }

    public func discoveryFilterNames() async throws(BlueZError) -> [String] {
        let reply = try await client.call(path, BlueZNames.adapter, "GetDiscoveryFilters")
        guard let names = reply.first?.stringsValue else { throw .unexpected("GetDiscoveryFilters returned (\(reply.signature)) instead of (as)") }
        return names
    }

    /// The devices bluetoothd knows on this adapter.
    public func devices() async -> [Device] {
        await client.mirror.view.objects(with: BlueZNames.device, under: path).map { client.device($0.path) }
    }

    /// The device object for `address` on this adapter (it may not exist yet).
    public func device(_ address: BluetoothAddress) -> Device {
        client.device(address.devicePath(on: path))
    }

    /// Waits until bluetoothd has an object for `address` on this adapter (i.e. it was discovered or is
    /// known from pairing).
    public func waitForDevice(_ address: BluetoothAddress, timeout: Duration) async throws(BlueZError) -> Device {
        let devicePath = address.devicePath(on: path)
        _ = try await client.mirror.waitForObject(devicePath, interface: BlueZNames.device, timeout: timeout)
        return client.device(devicePath)
    }
}

/// The org.bluez.Adapter1 properties the gateway reads, typed.
public struct AdapterProperties: Sendable, Hashable {
    public let address: BluetoothAddress?
    public let name: String?
    public let alias: String?
    public let powered: Bool
    public let discovering: Bool

    public init(_ properties: [String: DBusValue]) {
        func value(_ name: AdapterPropertyName) -> DBusValue? { properties[name.rawValue] }
        address = value(.address)?.stringValue.flatMap(BluetoothAddress.init)
        name = value(.name)?.stringValue
        alias = value(.alias)?.stringValue
        powered = value(.powered)?.boolValue ?? false
        discovering = value(.discovering)?.boolValue ?? false
    }
}

/// Adapter1.SetDiscoveryFilter options.
public struct DiscoveryFilter: Sendable, Hashable {
    public enum Transport: String, Sendable {
        case auto, bredr, le
    }

    public var uuids: [BluetoothUUID]
    public var transport: Transport?
    public var rssi: Int16?
    public var duplicateData: Bool?
    public var pattern: String?

    public init(uuids: [BluetoothUUID] = [], transport: Transport? = .le, rssi: Int16? = nil,
                duplicateData: Bool? = nil, pattern: String? = nil) {
        self.uuids = uuids
        self.transport = transport
        self.rssi = rssi
        self.duplicateData = duplicateData
        self.pattern = pattern
    }

    /// LE scan for the health services the gateway reads (BP, PLX, glucose, weight, body composition,
    /// thermometer). DuplicateData lets a re-advertising cuff wake the gateway every time.
    public static let healthDevices = DiscoveryFilter(
        uuids: [GATTService.bloodPressure, .pulseOximeter, .glucose, .weightScale, .bodyComposition,
                .healthThermometer].map(\.uuid),
        transport: .le, duplicateData: true)

    /// Every LE advertisement, for devices that only broadcast their readings: manufacturer data names no
    /// service, so no UUID can be filtered on (the GATT health devices come through as well). DuplicateData makes
    /// bluetoothd report every advertisement, with the service and manufacturer data of that one only.
    public static let healthAndBroadcastDevices = DiscoveryFilter(uuids: [], transport: .le, duplicateData: true)

    public var dbusValue: DBusValue {
        var options: [String: DBusValue] = [:]
        if !uuids.isEmpty { options["UUIDs"] = .strings(uuids.map(\.string)) }
        if let transport { options["Transport"] = .string(transport.rawValue) }
        if let rssi { options["RSSI"] = .int16(rssi) }
        if let duplicateData { options["DuplicateData"] = .boolean(duplicateData) }
        if let pattern { options["Pattern"] = .string(pattern) }
        return .variantDictionary(options)
    }
}
