/// Glucose Feature (0x2A51, read). Bits 11-15 are reserved.
public struct GlucoseFeature: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let lowBatteryDetection = Self(rawValue: 1 << 0)
    public static let sensorMalfunctionDetection = Self(rawValue: 1 << 1)
    public static let sensorSampleSize = Self(rawValue: 1 << 2)
    public static let sensorStripInsertionErrorDetection = Self(rawValue: 1 << 3)
    public static let sensorStripTypeErrorDetection = Self(rawValue: 1 << 4)
    public static let sensorResultHighLowDetection = Self(rawValue: 1 << 5)
    public static let sensorTemperatureHighLowDetection = Self(rawValue: 1 << 6)
    public static let sensorReadInterruptDetection = Self(rawValue: 1 << 7)
    public static let generalDeviceFault = Self(rawValue: 1 << 8)
    public static let timeFault = Self(rawValue: 1 << 9)
    public static let multipleBond = Self(rawValue: 1 << 10)
    static let defined: UInt16 = 0x07FF

    public static func decode(_ bytes: some Collection<UInt8>) throws(DecodeError) -> GlucoseFeature {
        var reader = ByteReader(bytes, characteristic: GATTCharacteristic.glucoseFeature.displayName)
        let raw = try reader.uint16("Glucose Feature")
        try reader.checkReserved(UInt32(raw), allowed: UInt32(defined), field: "Glucose Feature")
        try reader.expectEnd()
        return GlucoseFeature(rawValue: raw)
    }

    public func encoded() -> [UInt8] { [UInt8(truncatingIfNeeded: rawValue), UInt8(truncatingIfNeeded: rawValue >> 8)] }
}

extension GATTCharacteristic {
    public static let glucoseFeature = GATTCharacteristic(
        0x2A51, "Glucose Feature", access: .read, services: [.glucose])
}

extension GlucoseFeature: HealthCharacteristic {
    public static var characteristic: GATTCharacteristic { .glucoseFeature }
}
