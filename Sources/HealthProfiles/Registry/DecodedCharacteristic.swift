/// A decoded characteristic value of any kind the gateway understands (a type in `CharacteristicRegistry`).
///
/// Code that needs one kind asks for it by type: `decoded.value as? CurrentTime`.
public struct DecodedCharacteristic: Sendable, Hashable, CustomStringConvertible {
    public let value: any HealthCharacteristic

    public init(_ value: some HealthCharacteristic) { self.value = value }

    init(_ value: any HealthCharacteristic) { self.value = value }

    public var characteristic: GATTCharacteristic { type(of: value).characteristic }

    /// The normalised readings this value stands for on its own (see `HealthCharacteristic.frameReadings`).
    public var readings: [Reading] { value.frameReadings }

    /// The wire form of the value (what a device would send), for simulators and round-trip checks.
    public func encoded() throws(EncodeError) -> [UInt8] { try value.encoded() }

    public var description: String { "\(characteristic.displayName): \(value)" }

    public static func == (lhs: Self, rhs: Self) -> Bool { AnyHashable(lhs.value) == AnyHashable(rhs.value) }
    public func hash(into hasher: inout Hasher) { hasher.combine(AnyHashable(value)) }
}

extension DecodedCharacteristic: Encodable {
    private enum Key: String, CodingKey { case characteristic, uuid, value }

    /// `{"characteristic": "blood-pressure-measurement", "uuid": "0x2A35", "value": {...}}` for the CLI and logs.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(characteristic.slug, forKey: .characteristic)
        try container.encode("0x" + String(characteristic.rawValue, radix: 16, uppercase: true), forKey: .uuid)
        try container.encode(Shown(value: value.shownValue), forKey: .value)
    }

    /// Lets the container encode an existential value (its `encode` takes a concrete type). The shown values are
    /// the codec types, strings and numbers, never the Foundation types a JSON encoder treats specially.
    private struct Shown: Encodable {
        let value: any Encodable
        func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
    }
}
