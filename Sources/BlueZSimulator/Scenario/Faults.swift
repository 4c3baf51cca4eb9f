public import DBus

/// A value of the wrong shape where bluetoothd would send `ay` (a characteristic value): what a broken or
/// hostile owner of org.bluez could send, for tests that the gateway ignores it.
public enum MalformedValue: String, Sendable, Decodable, CaseIterable {
    /// A string (`s`).
    case string
    /// An array of int32 (`ai`).
    case intArray = "int-array"
    /// Bytes wrapped in variants (`av`).
    case variantArray = "variant-array"
    /// A byte array of 1 MiB: the right type, but far longer than the 512 bytes an attribute holds.
    case huge
    /// An int32 array of 256 Ki elements (1 MiB on the wire).
    case hugeIntArray = "huge-int-array"

    public var value: DBusValue {
        switch self {
        case .string: .string("1E 8A 00 58 00")
        case .intArray: .array(.int32, [0x1E, 0x8A, 0x00, 0x58].map { .int32($0) })
        case .variantArray: .array(.variant, [0x1E, 0x8A].map { .variant(.byte($0)) })
        case .huge: .bytes([UInt8](repeating: 0x5A, count: 1 << 20))
        case .hugeIntArray: .array(.int32, [DBusValue](repeating: .int32(7), count: 1 << 18))
        }
    }
}

/// Scenario `faults`: how the simulated bluetoothd breaks the D-Bus contract as a whole.
public struct BusFaults: Sendable, Decodable {
    /// The first N GetManagedObjects replies have the wrong signature (`a{sa{sv}}`, string keys instead of
    /// object paths).
    public var malformedObjectTrees = 0

    public init() {}

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(["malformedObjectTrees"], in: "faults")
        let container = try decoder.container(keyedBy: AnyKey.self)
        malformedObjectTrees = try container.value("malformedObjectTrees", default: 0)
        guard malformedObjectTrees >= 0 else { throw ScenarioError("faults.malformedObjectTrees must not be negative") }
    }

    /// A reply of GetManagedObjects' content in the wrong shape.
    static let malformedObjectTree = DBusValue.dictionary(key: .string, value: .variantDictionary, [
        DBusDictEntry(key: .string("/org/bluez/hci0"), value: .variantDictionary(["Powered": .boolean(true)])),
    ])
}

/// A device's `faults`: how bluetoothd misreports this device.
public struct DeviceFaults: Sendable, Decodable {
    /// ReadValue on any of the device's characteristics answers this instead of the value.
    public var readValue: MalformedValue?
    /// Device1 properties are exported with wrong types throughout (Address as `u`, Connected as `s`, UUIDs as
    /// `ai`, ...), at discovery and in every change.
    public var wrongPropertyTypes = false
    /// Before each notification or indication, Value changes of these shapes are emitted on the same
    /// characteristic.
    public var notificationNoise: [MalformedValue] = []
    /// Every notification or indication is delivered a second time, byte for byte, this many milliseconds
    /// later (while the device stays connected): a BlueZ seen to report one indication twice ~100 ms apart.
    public var duplicateNotificationsAfterMs: Int?

    public init() {}

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(
            ["readValue", "wrongPropertyTypes", "notificationNoise", "duplicateNotificationsAfterMs"], in: "device faults")
        let container = try decoder.container(keyedBy: AnyKey.self)
        readValue = try container.optional("readValue")
        wrongPropertyTypes = try container.value("wrongPropertyTypes", default: false)
        notificationNoise = try container.value("notificationNoise", default: [])
        duplicateNotificationsAfterMs = try container.optional("duplicateNotificationsAfterMs")
        if let delay = duplicateNotificationsAfterMs, !(0...10_000).contains(delay) {
            throw ScenarioError("faults.duplicateNotificationsAfterMs must be 0...10000")
        }
    }

    /// `value` as a broken bluetoothd would type it.
    static func wronglyTyped(_ value: DBusValue) -> DBusValue {
        switch value {
        case let .boolean(flag): .string(flag ? "true" : "false")
        case let .string(text): .uint32(UInt32(clamping: text.utf8.count))
        case let .int16(number): .string(String(number))
        case let .objectPath(path): .string(path.rawValue)
        case let .array(_, items): .array(.int32, items.indices.map { .int32(Int32(clamping: $0)) })
        case .dictionary: .strings(["malformed"])
        default: .string("malformed")
        }
    }
}
