/// Blood Pressure Feature (0x2A49, read): what the cuff can detect. Bits 9-15 are reserved.
public struct BloodPressureFeature: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let bodyMovementDetection = BloodPressureFeature(rawValue: 1 << 0)
    public static let cuffFitDetection = BloodPressureFeature(rawValue: 1 << 1)
    public static let irregularPulseDetection = BloodPressureFeature(rawValue: 1 << 2)
    public static let pulseRateRangeDetection = BloodPressureFeature(rawValue: 1 << 3)
    public static let measurementPositionDetection = BloodPressureFeature(rawValue: 1 << 4)
    public static let multipleBonds = BloodPressureFeature(rawValue: 1 << 5)
    public static let e2eCRC = BloodPressureFeature(rawValue: 1 << 6)
    public static let userDataService = BloodPressureFeature(rawValue: 1 << 7)
    public static let userFacingTime = BloodPressureFeature(rawValue: 1 << 8)
    static let defined: UInt16 = 0x01FF

    public static func decode(_ bytes: some Collection<UInt8>) throws(DecodeError) -> BloodPressureFeature {
        var reader = ByteReader(bytes, characteristic: GATTCharacteristic.bloodPressureFeature.displayName)
        let raw = try reader.uint16("Blood Pressure Feature")
        try reader.checkReserved(UInt32(raw), allowed: UInt32(defined), field: "Blood Pressure Feature")
        try reader.expectEnd()
        return BloodPressureFeature(rawValue: raw)
    }

    public func encoded() -> [UInt8] { [UInt8(truncatingIfNeeded: rawValue), UInt8(truncatingIfNeeded: rawValue >> 8)] }
}

extension GATTCharacteristic {
    public static let bloodPressureFeature = GATTCharacteristic(
        0x2A49, "Blood Pressure Feature", access: .read, services: [.bloodPressure])
}

extension BloodPressureFeature: HealthCharacteristic {
    public static var characteristic: GATTCharacteristic { .bloodPressureFeature }
}
