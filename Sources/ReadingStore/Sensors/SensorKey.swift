/// The stable identity of a sensor device as the gateway knows it: normally its Bluetooth identity address
/// ("bt:AA:BB:CC:DD:EE:FF"), or its IEEE system ID when it has one. Opaque to the store; it is part of every
/// reading identifier, so it must not change for the same physical device.
public struct SensorKey: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public let rawValue: String

    /// Accepts 1...128 printable ASCII characters (no spaces), so a key is safe in logs, SQL and FHIR.
    public init?(rawValue: String) {
        guard (1...128).contains(rawValue.utf8.count),
              rawValue.utf8.allSatisfy({ (0x21...0x7E).contains($0) })
        else { return nil }
        self.rawValue = rawValue
    }

    /// As `init?(rawValue:)`, with a typed error that says what is wrong.
    public init(_ text: String) throws(StoreError) {
        guard let key = SensorKey(rawValue: text) else {
            throw .invalidArgument("sensor key must be 1...128 printable ASCII characters without spaces")
        }
        self = key
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let key = SensorKey(rawValue: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad sensor key"))
        }
        self = key
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    public static func < (lhs: SensorKey, rhs: SensorKey) -> Bool { lhs.rawValue < rhs.rawValue }
}
