public import BlueZ
public import DBus
public import HealthProfiles

/// Typed access to a running simulator's control interface (see `SimulatorControl`), in-process or
/// `bluez-sim` on the same bus.
public struct SimulatorClient: Sendable {
    public let connection: DBusConnection

    public init(connection: DBusConnection) {
        self.connection = connection
    }

    @discardableResult
    func call(_ member: String, _ arguments: [DBusValue] = []) async throws(DBusError) -> [DBusValue] {
        try await connection.call(destination: SimulatorControl.busName, path: SimulatorControl.path,
                                  interface: SimulatorControl.interface, member: member, arguments: arguments)
    }

    public func setInRange(_ address: BluetoothAddress, _ inRange: Bool) async throws(DBusError) {
        try await call("SetInRange", [.string(address.description), .boolean(inRange)])
    }

    public func advertise(_ address: BluetoothAddress) async throws(DBusError) {
        try await call("Advertise", [.string(address.description)])
    }

    /// One advertisement of a broadcast-only device carrying `data`; whether bluetoothd saw it (discovery running,
    /// device in range and let through by a discovery filter).
    @discardableResult
    public func broadcast(_ address: BluetoothAddress, _ data: AdvertisedData) async throws(DBusError) -> Bool {
        let reply = try await call("Broadcast", [
            .string(address.description), SimulatedDevice.serviceDataValue(data.serviceData),
            SimulatedDevice.manufacturerDataValue(data.manufacturerData),
        ])
        return reply.first?.boolValue ?? false
    }

    public func queueFrames(_ address: BluetoothAddress, _ characteristic: BluetoothUUID, _ frames: [[UInt8]])
        async throws(DBusError) {
        try await call("QueueFrames", [.string(address.description), .string(characteristic.string),
                                       .array(.array(.byte), frames.map { .bytes($0) })])
    }

    /// Another bonded phone collects the device's queued records before the hub (`Simulator.collectElsewhere`).
    @discardableResult
    public func collectElsewhere(_ address: BluetoothAddress) async throws(DBusError) -> Int {
        Int(try await call("CollectElsewhere", [.string(address.description)]).first?.uint32Value ?? 0)
    }

    public func notify(_ address: BluetoothAddress, _ characteristic: BluetoothUUID, _ value: [UInt8])
        async throws(DBusError) {
        try await call("Notify", [.string(address.description), .string(characteristic.string), .bytes(value)])
    }

    public func addGlucoseRecords(_ address: BluetoothAddress, _ frames: [[UInt8]]) async throws(DBusError) {
        try await call("AddGlucoseRecords", [.string(address.description), .array(.array(.byte), frames.map { .bytes($0) })])
    }

    public func replaceGlucoseRecords(_ address: BluetoothAddress, _ frames: [[UInt8]]) async throws(DBusError) {
        try await call("ReplaceGlucoseRecords", [.string(address.description), .array(.array(.byte), frames.map { .bytes($0) })])
    }

    public func connectFromDevice(_ address: BluetoothAddress) async throws(DBusError) {
        try await call("ConnectFromDevice", [.string(address.description)])
    }

    /// Sets what reading the characteristic returns from now on (a firmware update, a new serial).
    public func setValue(_ address: BluetoothAddress, _ characteristic: BluetoothUUID, _ value: [UInt8]) async throws(DBusError) {
        try await call("SetValue", [.string(address.description), .string(characteristic.string), .bytes(value)])
    }

    /// Emits a Value change of any shape on the characteristic (`value` is sent inside a variant).
    public func sendRawValue(_ address: BluetoothAddress, _ characteristic: BluetoothUUID, _ value: DBusValue)
        async throws(DBusError) {
        try await call("SendRawValue", [.string(address.description), .string(characteristic.string), .variant(value)])
    }

    public func setRawDeviceProperty(_ address: BluetoothAddress, _ name: String, _ value: DBusValue)
        async throws(DBusError) {
        try await call("SetRawDeviceProperty", [.string(address.description), .string(name), .variant(value)])
    }

    public func disconnect(_ address: BluetoothAddress) async throws(DBusError) {
        try await call("DisconnectDevice", [.string(address.description)])
    }

    public func exportGatt(_ address: BluetoothAddress) async throws(DBusError) {
        try await call("ExportGatt", [.string(address.description)])
    }

    /// The device forgets its bond and clock (battery change, reset) while bluetoothd keeps the keys.
    public func loseBond(_ address: BluetoothAddress) async throws(DBusError) {
        try await call("LoseBond", [.string(address.description)])
    }

    public func setBattery(_ address: BluetoothAddress, _ percentage: UInt8) async throws(DBusError) {
        try await call("SetBattery", [.string(address.description), .byte(percentage)])
    }

    public func restartBluetoothd() async throws(DBusError) {
        try await call("RestartBluetoothd")
    }

    public func removeAdapter() async throws(DBusError) {
        try await call("RemoveAdapter")
    }

    public func addAdapter() async throws(DBusError) {
        try await call("AddAdapter")
    }

    public func writtenValues(_ address: BluetoothAddress, _ characteristic: BluetoothUUID) async throws(DBusError)
        -> [[UInt8]]
    {
        let reply = try await call("WrittenValues", [.string(address.description), .string(characteristic.string)])
        return reply.first?.arrayValue?.compactMap(\.bytesValue) ?? []
    }

    public func deviceState(_ address: BluetoothAddress) async throws(DBusError) -> SimulatedDeviceState {
        let reply = try await call("DeviceState", [.string(address.description)])
        return SimulatedDeviceState(reply.first?.variantDictionaryValue ?? [:])
    }

    public func adapterState() async throws(DBusError) -> SimulatedAdapterState {
        SimulatedAdapterState(try await call("AdapterState").first?.variantDictionaryValue ?? [:])
    }
}

/// What `DeviceState` reports.
public struct SimulatedDeviceState: Sendable, Hashable {
    public let exists: Bool
    public let connected: Bool
    public let paired: Bool
    public let trusted: Bool
    public let inRange: Bool
    public let connectAttempts: Int
    public let pairAttempts: Int
    public let gattExported: Bool
    public let notifying: [BluetoothUUID]
    public let queued: [BluetoothUUID: Int]
    public let glucoseRecords: Int
    public let battery: UInt8?

    init(_ state: [String: DBusValue]) {
        exists = state["Exists"]?.boolValue ?? false
        connected = state["Connected"]?.boolValue ?? false
        paired = state["Paired"]?.boolValue ?? false
        trusted = state["Trusted"]?.boolValue ?? false
        inRange = state["InRange"]?.boolValue ?? false
        connectAttempts = Int(state["ConnectAttempts"]?.uint32Value ?? 0)
        pairAttempts = Int(state["PairAttempts"]?.uint32Value ?? 0)
        gattExported = state["GattExported"]?.boolValue ?? false
        notifying = state["Notifying"]?.stringsValue?.compactMap(BluetoothUUID.init) ?? []
        var queued: [BluetoothUUID: Int] = [:]
        for entry in state["Queued"]?.dictionaryEntries ?? [] {
            if let uuid = entry.key.stringValue.flatMap(BluetoothUUID.init), let count = entry.value.uint32Value {
                queued[uuid] = Int(count)
            }
        }
        self.queued = queued
        glucoseRecords = Int(state["GlucoseRecords"]?.uint32Value ?? 0)
        battery = state["Battery"]?.byteValue
    }
}

/// What `AdapterState` reports.
public struct SimulatedAdapterState: Sendable, Hashable {
    public let present: Bool
    public let powered: Bool
    public let discovering: Bool
    public let discoverySessions: Int
    /// The last SetDiscoveryFilter argument, variants removed.
    public let discoveryFilter: [String: DBusValue]
    public let agents: Int
    public let hasDefaultAgent: Bool
    /// Unique name of the current simulated bluetoothd.
    public let bluetoothdName: String
    /// Adapter setup calls answered org.bluez.Error.Busy (scenario `adapter.busyAfterRestart`, `.poweringAfterRestartMs`).
    public let busyReplies: Int

    init(_ state: [String: DBusValue]) {
        present = state["Present"]?.boolValue ?? false
        powered = state["Powered"]?.boolValue ?? false
        discovering = state["Discovering"]?.boolValue ?? false
        discoverySessions = Int(state["DiscoverySessions"]?.uint32Value ?? 0)
        discoveryFilter = state["DiscoveryFilter"]?.variantDictionaryValue ?? [:]
        agents = Int(state["Agents"]?.uint32Value ?? 0)
        hasDefaultAgent = state["HasDefaultAgent"]?.boolValue ?? false
        bluetoothdName = state["BluetoothdName"]?.stringValue ?? ""
        busyReplies = Int(state["BusyReplies"]?.uint32Value ?? 0)
    }
}
