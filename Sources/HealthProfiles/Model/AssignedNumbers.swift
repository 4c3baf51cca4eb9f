/// Bluetooth SIG 16-bit assigned numbers for the health services and characteristics the gateway uses.
public enum GATTService: UInt16, Sendable, Hashable, Codable, CaseIterable {
    case genericAccess = 0x1800
    case deviceInformation = 0x180A
    case battery = 0x180F
    case currentTime = 0x1805
    case healthThermometer = 0x1809
    case glucose = 0x1808
    case bloodPressure = 0x1810
    case pulseOximeter = 0x1822
    case bodyComposition = 0x181B
    case weightScale = 0x181D

    public var uuid: BluetoothUUID { BluetoothUUID(short: rawValue) }
}

/// A GATT characteristic: its Bluetooth SIG 16-bit assigned number, specification name, and how and where the
/// service specifications use it.
///
/// A struct rather than an enum so that each characteristic's number is declared in the file of its codec
/// (`extension GATTCharacteristic { public static let ... }`): adding one is that file plus one line in
/// `CharacteristicRegistry`. The set the gateway knows is the registry's, so `init?(rawValue:)` and `allCases`
/// still refuse a number no codec handles, as the enum did.
public struct GATTCharacteristic: RawRepresentable, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    public let rawValue: UInt16
    /// The specification name without the number, e.g. "Blood Pressure Measurement".
    public let specificationName: String
    /// How its service specifications let a client use it (the modes a device profile may name).
    public let access: CharacteristicAccess
    /// The services whose specification includes it (where a device profile may use it).
    public let services: Set<GATTService>

    /// Declares a characteristic (for its codec's file); use `init?(rawValue:)` to look one up.
    public init(_ number: UInt16, _ specificationName: String, access: CharacteristicAccess, services: Set<GATTService>) {
        rawValue = number
        self.specificationName = specificationName
        self.access = access
        self.services = services
    }

    /// The registered characteristic with this number; nil when no codec handles it.
    public init?(rawValue: UInt16) {
        guard let known = CharacteristicRegistry.type(for: rawValue)?.characteristic else { return nil }
        self = known
    }

    public static var allCases: [GATTCharacteristic] { CharacteristicRegistry.types.map { $0.characteristic } }

    public var uuid: BluetoothUUID { BluetoothUUID(short: rawValue) }

    /// The name used in error messages and logs, e.g. "Blood Pressure Measurement (0x2A35)".
    public var displayName: String { "\(specificationName) (0x\(String(rawValue, radix: 16, uppercase: true)))" }

    public var description: String { displayName }

    // Identity is the number; the rest is the specification's description of it, carried along.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.rawValue == rhs.rawValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }

    /// Encoded as the bare number, as the enum was; an unregistered number does not decode.
    public init(from decoder: any Decoder) throws {
        let number = try decoder.singleValueContainer().decode(UInt16.self)
        guard let known = GATTCharacteristic(rawValue: number) else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath, debugDescription: "unknown characteristic \(number)"))
        }
        self = known
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// A Bluetooth UUID in the canonical lower-case 128-bit text form BlueZ uses on D-Bus.
public struct BluetoothUUID: Sendable, Hashable, Codable, CustomStringConvertible {
    public let string: String
    static let baseSuffix = "-0000-1000-8000-00805f9b34fb"

    public init(short: UInt16) {
        let hex = String(short, radix: 16)
        string = "0000" + String(repeating: "0", count: 4 - hex.count) + hex + Self.baseSuffix
    }

    /// Accepts "2a35", "0x2A35", "00002a35" or the full 128-bit form, any case; nil if malformed.
    public init?(_ text: String) {
        var lower = text.lowercased()
        if lower.hasPrefix("0x") { lower.removeFirst(2) }
        let hexDigits = "0123456789abcdef"
        switch lower.count {
        case 4, 8:
            guard lower.allSatisfy({ hexDigits.contains($0) }) else { return nil }
            string = String(repeating: "0", count: 8 - lower.count) + lower + Self.baseSuffix
        case 36:
            let groups = lower.split(separator: "-", omittingEmptySubsequences: false)
            guard groups.map(\.count) == [8, 4, 4, 4, 12],
                  groups.allSatisfy({ $0.allSatisfy { hexDigits.contains($0) } })
            else { return nil }
            string = lower
        default:
            return nil
        }
    }

    /// The 16-bit assigned number when this UUID is on the Bluetooth base UUID.
    public var short: UInt16? {
        guard string.hasSuffix(Self.baseSuffix), string.hasPrefix("0000") else { return nil }
        let start = string.index(string.startIndex, offsetBy: 4)
        let end = string.index(start, offsetBy: 4)
        return UInt16(string[start..<end], radix: 16)
    }

    public var description: String { string }
}
