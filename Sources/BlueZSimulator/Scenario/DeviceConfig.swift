public import BlueZ
public import HealthProfiles

/// One simulated device.
public struct DeviceConfig: Sendable, Decodable {
    public enum GattExport: String, Sendable, Decodable {
        /// Objects appear before ServicesResolved turns true (well-behaved).
        case immediate
        /// Objects appear `timing.gattExportDelayMs` after ServicesResolved (the BlueZ pitfall).
        case delayed
        /// Objects appear only when the control interface says ExportGatt.
        case manual
    }

    public var address: BluetoothAddress
    public var name: String?
    public var addressType: String = "public"
    public var rssi: Int16 = -60
    /// Advertising (discoverable and connectable) at start.
    public var inRange: Bool = true
    public var advertisedServices: [BluetoothUUID] = []
    public var serviceData: [BluetoothUUID: [UInt8]] = [:]
    public var manufacturerData: [UInt16: [UInt8]] = [:]
    /// Bonded before the simulation starts: bluetoothd knows it without discovery.
    public var paired = false
    public var trusted = false
    /// org.bluez.Battery1 Percentage once connected; nil for no battery.
    public var battery: UInt8?
    /// The first N Connect() calls fail with le-connection-abort-by-local even in range.
    public var connectFailures = 0
    public var gattExport: GattExport = .delayed
    /// BlueZ keeps the GATT objects of a known device across disconnects (and notify sessions with them).
    public var keepGattOnDisconnect = true
    public var pairing: PairingConfig?
    public var services: [ServiceConfig] = []
    /// Stored glucose records served through the Record Access Control Point.
    public var glucoseRecords: [ScriptedGlucoseRecord] = []
    /// How bluetoothd misreports this device (none by default).
    public var faults = DeviceFaults()
    /// How the real bluetoothd treats this device where it differs from its documentation (none by default).
    public var bluetoothd = BluetoothdQuirks()
    /// How the device's firmware departs from its profile (none by default).
    public var quirks = DeviceQuirks()
    /// A User Data Service device's users and their consent codes (`UserDataConfig`); nil: none.
    public var userData: UserDataConfig?
    /// A broadcast-only device's advertisements, played from the start (`BroadcastConfig`); nil: none.
    public var broadcasts: BroadcastConfig?

    static let keys: Set<String> = [
        "address", "name", "addressType", "rssi", "inRange", "advertisedServices", "serviceData",
        "manufacturerData", "paired", "trusted", "battery", "connectFailures", "gattExport",
        "keepGattOnDisconnect", "deviceInformation", "pairing", "services", "glucoseRecords", "faults", "bluetoothd",
        "quirks",
        "userData", "broadcasts",
    ]

    public init(address: BluetoothAddress) {
        self.address = address
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(DeviceConfig.keys, in: "device")
        let container = try decoder.container(keyedBy: AnyKey.self)
        let addressText: AddressText = try container.required("address")
        address = addressText.address
        name = try container.optional("name")
        addressType = try container.value("addressType", default: addressType)
        guard addressType == "public" || addressType == "random" else {
            throw ScenarioError("addressType of \(address) must be public or random")
        }
        rssi = try container.value("rssi", default: rssi)
        inRange = try container.value("inRange", default: inRange)
        advertisedServices = try container.value("advertisedServices", default: [UUIDText]()).map(\.uuid)
        serviceData = try BroadcastConfig.serviceData(try container.value("serviceData", default: [:]))
        manufacturerData = try BroadcastConfig.manufacturerData(try container.value("manufacturerData", default: [:]))
        paired = try container.value("paired", default: paired)
        trusted = try container.value("trusted", default: trusted)
        battery = try container.optional("battery")
        if let battery, battery > 100 { throw ScenarioError("battery of \(address) must be 0...100") }
        connectFailures = try container.value("connectFailures", default: connectFailures)
        gattExport = try container.value("gattExport", default: gattExport)
        keepGattOnDisconnect = try container.value("keepGattOnDisconnect", default: keepGattOnDisconnect)
        pairing = try container.optional("pairing")
        services = try container.value("services", default: [])
        glucoseRecords = try container.value("glucoseRecords", default: [])
        faults = try container.value("faults", default: DeviceFaults())
        bluetoothd = try container.value("bluetoothd", default: BluetoothdQuirks())
        quirks = try container.value("quirks", default: DeviceQuirks())
        userData = try container.optional("userData")
        broadcasts = try container.optional("broadcasts")
        if userData != nil, !services.contains(where: { $0.uuid == UserDataConfig.service }) {
            services.append(UserDataConfig.standardService)
        }
        if let information: DeviceInformation = try container.optional("deviceInformation") {
            services.insert(information.service, at: 0)
        }
        // bluetoothd registers its own service before any application's, so it has the lowest handles.
        if bluetoothd.pnpIdService { services.insert(BluetoothdQuirks.pnpIdService, at: 0) }
        if !glucoseRecords.isEmpty, !services.contains(where: { $0.uuid == GATTService.glucose.uuid }) {
            services.append(ServiceConfig.standardGlucose)
        }
        if quirks.ascensiaClock, !services.contains(where: { $0.uuid == AscensiaClock.service }) {
            services.append(ServiceConfig.ascensiaClock)
        }
    }

    func validate() throws(ScenarioError) {
        var characteristicUUIDs = Set<BluetoothUUID>()
        for service in services {
            for characteristic in service.characteristics {
                guard characteristicUUIDs.insert(characteristic.uuid).inserted else {
                    throw ScenarioError("characteristic \(characteristic.uuid) appears twice on \(address)")
                }
            }
        }
        if !glucoseRecords.isEmpty {
            for needed in [GATTCharacteristic.glucoseMeasurement, .recordAccessControlPoint]
            where !characteristicUUIDs.contains(needed.uuid) {
                throw ScenarioError("\(address) has glucoseRecords but no \(needed.displayName) characteristic")
            }
        }
        if let userData, !characteristicUUIDs.contains(userData.measurement) {
            throw ScenarioError("\(address) has userData but no \(userData.measurement) characteristic to send on")
        }
        if let pairing, pairing.method != .justWorks, pairing.passkey == nil {
            throw ScenarioError("pairing of \(address) needs a passkey for method \(pairing.method.rawValue)")
        }
    }

    /// The configuration of the characteristic with `uuid`, if the device has it.
    func characteristic(_ uuid: BluetoothUUID) -> CharacteristicConfig? {
        for service in services {
            if let found = service.characteristics.first(where: { $0.uuid == uuid }) { return found }
        }
        return nil
    }

    /// The service holding the characteristic with `uuid`.
    func service(containing uuid: BluetoothUUID) -> ServiceConfig? {
        services.first { $0.characteristics.contains { $0.uuid == uuid } }
    }
}

public struct PairingConfig: Sendable, Decodable {
    public enum Method: String, Sendable, Decodable {
        /// The device shows a passkey; the gateway's agent is asked for it (RequestPasskey).
        case passkeyEntry
        /// Both sides show the passkey; the agent confirms it (RequestConfirmation).
        case numericComparison
        /// The gateway shows the passkey; the device's user types it (DisplayPasskey).
        case displayPasskey
        /// No user interaction.
        case justWorks
    }

    public enum OnInsufficientAuthentication: String, Sendable, Decodable {
        /// Access to protected characteristics fails with org.bluez.Error.NotPermitted until paired.
        case reject
        /// bluetoothd pairs on the spot through the default agent, then the access goes through.
        case pair
    }

    public var method: Method = .passkeyEntry
    public var passkey: UInt32?
    /// Services whose characteristics need an encrypted (paired) link.
    public var requiredForServices: [BluetoothUUID] = []
    public var onInsufficientAuthentication: OnInsufficientAuthentication = .reject

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(["method", "passkey", "requiredForServices", "onInsufficientAuthentication"],
                                      in: "pairing")
        let container = try decoder.container(keyedBy: AnyKey.self)
        method = try container.value("method", default: method)
        passkey = try container.optional("passkey")
        if let passkey, passkey > 999_999 { throw ScenarioError("passkey must be 0...999999") }
        requiredForServices = try container.value("requiredForServices", default: [UUIDText]()).map(\.uuid)
        onInsufficientAuthentication = try container.value("onInsufficientAuthentication",
                                                           default: onInsufficientAuthentication)
    }
}

public struct ServiceConfig: Sendable, Decodable {
    public var uuid: BluetoothUUID
    public var characteristics: [CharacteristicConfig]

    init(uuid: BluetoothUUID, characteristics: [CharacteristicConfig]) {
        self.uuid = uuid
        self.characteristics = characteristics
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(["uuid", "characteristics"], in: "service")
        let container = try decoder.container(keyedBy: AnyKey.self)
        let uuidText: UUIDText = try container.required("uuid")
        uuid = uuidText.uuid
        characteristics = try container.value("characteristics", default: [])
    }

    /// Ascensia's proprietary service with its clock characteristic (`quirks.ascensiaClock`).
    static let ascensiaClock = ServiceConfig(uuid: AscensiaClock.service, characteristics: [
        CharacteristicConfig(uuid: AscensiaClock.characteristic, flags: ["write", "notify"]),
    ])

    static let standardGlucose = ServiceConfig(uuid: GATTService.glucose.uuid, characteristics: [
        CharacteristicConfig(uuid: GATTCharacteristic.glucoseMeasurement.uuid, flags: ["notify"]),
        CharacteristicConfig(uuid: GATTCharacteristic.glucoseFeature.uuid, flags: ["read"], value: [0x00, 0x00]),
        CharacteristicConfig(uuid: GATTCharacteristic.recordAccessControlPoint.uuid, flags: ["write", "indicate"]),
    ])
}

public struct CharacteristicConfig: Sendable, Decodable {
    public var uuid: BluetoothUUID
    /// GattCharacteristic1 Flags: read, write, write-without-response, notify, indicate, ...
    public var flags: [String]
    /// Value returned by ReadValue.
    public var value: [UInt8]
    /// Frames indicated/notified after StartNotify on each connection, oldest first; each is sent once.
    public var stored: [[UInt8]] = []
    /// Hang up after the last stored frame was sent (as blood-pressure cuffs and scales do).
    public var disconnectAfterStored = false
    /// Frames notified periodically while notifying and connected (continuous oximetry).
    public var stream: StreamConfig?

    static let knownFlags: Set<String> = [
        "broadcast", "read", "write-without-response", "write", "notify", "indicate",
        "authenticated-signed-writes", "extended-properties", "reliable-write", "writable-auxiliaries",
        "encrypt-read", "encrypt-write", "encrypt-authenticated-read", "encrypt-authenticated-write", "authorize",
    ]

    init(uuid: BluetoothUUID, flags: [String], value: [UInt8] = []) {
        self.uuid = uuid
        self.flags = flags
        self.value = value
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(["uuid", "flags", "value", "text", "stored", "disconnectAfterStored", "stream"],
                                      in: "characteristic")
        let container = try decoder.container(keyedBy: AnyKey.self)
        let uuidText: UUIDText = try container.required("uuid")
        uuid = uuidText.uuid
        flags = try container.value("flags", default: ["read"])
        if let unknown = flags.first(where: { !CharacteristicConfig.knownFlags.contains($0) }) {
            throw ScenarioError("unknown characteristic flag '\(unknown)' on \(uuid)")
        }
        let hex: HexBytes? = try container.optional("value")
        let text: String? = try container.optional("text")
        if hex != nil, text != nil { throw ScenarioError("characteristic \(uuid) has both value and text") }
        value = hex?.bytes ?? text.map { Array($0.utf8) } ?? []
        stored = try container.value("stored", default: [HexBytes]()).map(\.bytes)
        disconnectAfterStored = try container.value("disconnectAfterStored", default: false)
        stream = try container.optional("stream")
        if !stored.isEmpty || stream != nil, !flags.contains("notify"), !flags.contains("indicate") {
            throw ScenarioError("characteristic \(uuid) sends frames but has neither notify nor indicate flag")
        }
    }
}

public struct StreamConfig: Sendable, Decodable {
    public var intervalMs: Int
    public var frames: [[UInt8]]
    /// Start over after the last frame (otherwise stop sending).
    public var `repeat`: Bool

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(["intervalMs", "frames", "repeat"], in: "stream")
        let container = try decoder.container(keyedBy: AnyKey.self)
        intervalMs = try container.value("intervalMs", default: 1000)
        guard intervalMs >= 1 else { throw ScenarioError("stream.intervalMs must be at least 1") }
        frames = try container.required("frames", as: [HexBytes].self).map(\.bytes)
        guard !frames.isEmpty else { throw ScenarioError("stream.frames must not be empty") }
        self.repeat = try container.value("repeat", default: true)
    }
}

/// Device Information Service (0x180A) strings; generates the service.
struct DeviceInformation: Decodable {
    var service: ServiceConfig

    init(from decoder: any Decoder) throws {
        let fields: [(String, GATTCharacteristic)] = [
            ("manufacturer", .manufacturerNameString), ("model", .modelNumberString),
            ("serial", .serialNumberString), ("firmware", .firmwareRevisionString),
            ("hardware", .hardwareRevisionString), ("software", .softwareRevisionString),
        ]
        try decoder.rejectUnknownKeys(Set(fields.map(\.0)), in: "deviceInformation")
        let container = try decoder.container(keyedBy: AnyKey.self)
        var characteristics: [CharacteristicConfig] = []
        for (key, characteristic) in fields {
            if let text: String = try container.optional(key) {
                characteristics.append(CharacteristicConfig(uuid: characteristic.uuid, flags: ["read"],
                                                            value: Array(text.utf8)))
            }
        }
        service = ServiceConfig(uuid: GATTService.deviceInformation.uuid, characteristics: characteristics)
    }
}

/// One stored glucose record: the Glucose Measurement frame, and its sequence number (bytes 1–2 of the
/// frame unless given, so that deliberately malformed frames can still be numbered).
public struct ScriptedGlucoseRecord: Sendable, Decodable, Hashable {
    public var sequence: UInt16
    public var frame: [UInt8]
    /// Its Glucose Measurement Context (0x2A34), notified right after the measurement when subscribed (as the
    /// Accu-Chek Guide sends it for a record whose flags say a context follows).
    public var context: [UInt8]?

    public init(sequence: UInt16, frame: [UInt8], context: [UInt8]? = nil) {
        self.sequence = sequence
        self.frame = frame
        self.context = context
    }

    public init(frame: [UInt8]) throws(ScenarioError) {
        guard frame.count >= 3 else {
            throw ScenarioError("glucose record '\(frame)' is too short to hold a sequence number; give one")
        }
        self.init(sequence: UInt16(frame[1]) | UInt16(frame[2]) << 8, frame: frame)
    }

    public init(from decoder: any Decoder) throws {
        if let text = try? decoder.singleValueContainer().decode(String.self) {
            try self.init(frame: try HexBytes(text: text).bytes)
            return
        }
        try decoder.rejectUnknownKeys(["sequence", "frame", "context"], in: "glucose record")
        let container = try decoder.container(keyedBy: AnyKey.self)
        let frame: HexBytes = try container.required("frame")
        if let sequence: UInt16 = try container.optional("sequence") {
            self.init(sequence: sequence, frame: frame.bytes)
        } else {
            try self.init(frame: frame.bytes)
        }
        context = (try container.optional("context") as HexBytes?)?.bytes
    }
}

extension KeyedDecodingContainer where Key == AnyKey {
    fileprivate func required<T: Decodable>(_ key: String, as type: T.Type) throws -> T {
        try decode(T.self, forKey: AnyKey(stringValue: key))
    }
}
