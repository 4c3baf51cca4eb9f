import BlueZ
import HealthProfiles

/// Why a scenario file was refused.
public struct ScenarioError: Error, Sendable, CustomStringConvertible, Hashable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "invalid scenario: \(message)" }
}

/// Any coding key, to find keys a scenario author misspelled.
struct AnyKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension Decoder {
    /// Throws when the mapping has a key outside `allowed`: a typo must not silently fall back to a default.
    func rejectUnknownKeys(_ allowed: Set<String>, in what: String) throws {
        let container = try container(keyedBy: AnyKey.self)
        let unknown = container.allKeys.map(\.stringValue).filter { !allowed.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw ScenarioError("unknown key(s) \(unknown.joined(separator: ", ")) in \(what) at "
                + codingPath.map(\.stringValue).joined(separator: "."))
        }
    }
}

extension KeyedDecodingContainer where Key == AnyKey {
    func value<T: Decodable>(_ key: String, default fallback: T) throws -> T {
        try decodeIfPresent(T.self, forKey: AnyKey(stringValue: key)) ?? fallback
    }

    func optional<T: Decodable>(_ key: String) throws -> T? {
        try decodeIfPresent(T.self, forKey: AnyKey(stringValue: key))
    }

    func required<T: Decodable>(_ key: String) throws -> T {
        try decode(T.self, forKey: AnyKey(stringValue: key))
    }
}

/// Bytes written as hex text: "1E 8A 00", "1e8a00" and "1E:8A:00" are the same.
public struct HexBytes: Decodable, Sendable, Hashable {
    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public init(text: String) throws(ScenarioError) {
        let digits = text.filter { !$0.isWhitespace && $0 != ":" && $0 != "-" }
        guard digits.count.isMultiple(of: 2) else { throw ScenarioError("odd number of hex digits in '\(text)'") }
        var bytes: [UInt8] = []
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            guard let byte = UInt8(digits[index..<next], radix: 16) else {
                throw ScenarioError("'\(digits[index..<next])' is not hex in '\(text)'")
            }
            bytes.append(byte)
            index = next
        }
        self.bytes = bytes
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(text: text)
    }
}

/// A Bluetooth UUID in any of the accepted spellings ("2A35", "0x2A35", full 128-bit).
struct UUIDText: Decodable, Hashable {
    let uuid: BluetoothUUID

    init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let uuid = BluetoothUUID(text) else { throw ScenarioError("'\(text)' is not a Bluetooth UUID") }
        self.uuid = uuid
    }
}

struct AddressText: Decodable {
    let address: BluetoothAddress

    init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let address = BluetoothAddress(text) else { throw ScenarioError("'\(text)' is not a device address") }
        self.address = address
    }
}
