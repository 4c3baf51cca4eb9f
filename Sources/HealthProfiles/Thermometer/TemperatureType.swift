/// Temperature Type (0x2A1D, and the optional field of Temperature Measurement): the measurement site.
/// 0 and 10-255 are reserved and rejected.
public enum TemperatureType: UInt8, Sendable, Hashable, Codable, CaseIterable {
    case armpit = 1, body, ear, finger, gastrointestinalTract, mouth, rectum, toe, tympanum

    /// Stable qualifier code.
    public var code: String {
        switch self {
        case .armpit: return "armpit"
        case .body: return "body"
        case .ear: return "ear"
        case .finger: return "finger"
        case .gastrointestinalTract: return "gastrointestinal-tract"
        case .mouth: return "mouth"
        case .rectum: return "rectum"
        case .toe: return "toe"
        case .tympanum: return "tympanum"
        }
    }

    /// Decodes a stand-alone Temperature Type characteristic value.
    public static func decode(_ bytes: some Collection<UInt8>) throws(DecodeError) -> TemperatureType {
        var reader = ByteReader(bytes, characteristic: GATTCharacteristic.temperatureType.displayName)
        let value = try reader.code(try reader.uint8("Temperature Type"), TemperatureType.self, "Temperature Type")
        try reader.expectEnd()
        return value
    }

    public func encoded() -> [UInt8] { [rawValue] }
}

/// Flags bit 0 of the temperature characteristics.
public enum TemperatureUnit: String, Sendable, Hashable, Codable {
    case celsius
    case fahrenheit

    public var ucum: UCUMUnit { self == .celsius ? .celsius : .fahrenheit }
}

extension GATTCharacteristic {
    public static let temperatureType = GATTCharacteristic(
        0x2A1D, "Temperature Type", access: .read, services: [.healthThermometer])
}

extension TemperatureType: HealthCharacteristic {
    public static var characteristic: GATTCharacteristic { .temperatureType }
}
