/// Temperature Measurement (0x2A1C), indicated by a thermometer; Intermediate Temperature (0x2A1E) has the
/// same layout and is notified while the reading settles.
///
/// Layout: Flags uint8 | Temperature FLOAT (unit by bit 0: 0 °C, 1 °F) | Time Stamp (bit 1) |
/// Temperature Type uint8 (bit 2). Bits 3-7 are reserved.
public struct TemperatureMeasurement: Sendable, Hashable, Codable {
    public var unit: TemperatureUnit
    public var temperature: MedicalFloat
    public var timestamp: DeviceDateTime?
    public var temperatureType: TemperatureType?

    public init(unit: TemperatureUnit, temperature: MedicalFloat, timestamp: DeviceDateTime? = nil, temperatureType: TemperatureType? = nil) {
        self.unit = unit
        self.temperature = temperature
        self.timestamp = timestamp
        self.temperatureType = temperatureType
    }

    enum Flag {
        static let fahrenheit: UInt8 = 1 << 0
        static let timestamp: UInt8 = 1 << 1
        static let temperatureType: UInt8 = 1 << 2
        static let defined: UInt8 = 0x07
    }

    public static func decode(_ bytes: some Collection<UInt8>) throws(DecodeError) -> TemperatureMeasurement {
        try decode(bytes, as: .temperatureMeasurement)
    }

    static func decode(_ bytes: some Collection<UInt8>, as characteristic: GATTCharacteristic) throws(DecodeError)
        -> TemperatureMeasurement
    {
        var reader = ByteReader(bytes, characteristic: characteristic.displayName)
        let flags = try reader.uint8("Flags")
        try reader.checkReserved(UInt32(flags), allowed: UInt32(Flag.defined))
        let temperature = try reader.float("Temperature Measurement Value")
        let timestamp = flags & Flag.timestamp != 0 ? try reader.dateTime("Time Stamp") : nil
        let type = flags & Flag.temperatureType != 0
            ? try reader.code(try reader.uint8("Temperature Type"), TemperatureType.self, "Temperature Type") : nil
        try reader.expectEnd()
        return TemperatureMeasurement(
            unit: flags & Flag.fahrenheit != 0 ? .fahrenheit : .celsius, temperature: temperature, timestamp: timestamp,
            temperatureType: type)
    }

    /// One body-temperature reading; the site comes from the frame or, failing that, from the thermometer's
    /// separate Temperature Type characteristic (`defaultSite`), which the session reads once.
    public func readings(defaultSite: TemperatureType? = nil) -> [Reading] {
        var qualifiers: [String: String] = [:]
        if let site = temperatureType ?? defaultSite { qualifiers[ReadingQualifier.temperatureSite] = site.code }
        return [Reading(
            kind: .bodyTemperature, characteristic: GATTCharacteristic.temperatureMeasurement.rawValue,
            deviceTime: timestamp, components: [ReadingComponent(.bodyTemperature, temperature, unit.ucum)],
            qualifiers: qualifiers)]
    }

    public var readings: [Reading] { readings() }
}

/// Intermediate Temperature (0x2A1E): the settling value; decoded fully, never stored.
public struct IntermediateTemperature: Sendable, Hashable, Codable {
    public var value: TemperatureMeasurement

    public init(_ value: TemperatureMeasurement) { self.value = value }

    public static func decode(_ bytes: some Collection<UInt8>) throws(DecodeError) -> IntermediateTemperature {
        IntermediateTemperature(try TemperatureMeasurement.decode(bytes, as: .intermediateTemperature))
    }

    public var readings: [Reading] { [] }
}

extension GATTCharacteristic {
    public static let temperatureMeasurement = GATTCharacteristic(
        0x2A1C, "Temperature Measurement", access: .indicate, services: [.healthThermometer])
}

extension TemperatureMeasurement: HealthCharacteristic {
    public static var characteristic: GATTCharacteristic { .temperatureMeasurement }
    public var frameReadings: [Reading] { readings }
}

extension GATTCharacteristic {
    public static let intermediateTemperature = GATTCharacteristic(
        0x2A1E, "Intermediate Temperature", access: .notify, services: [.healthThermometer])
}

extension IntermediateTemperature: HealthCharacteristic {
    public static var characteristic: GATTCharacteristic { .intermediateTemperature }
    public var whyNoReadings: String? { "live progress while measuring: shown, never stored" }
}
