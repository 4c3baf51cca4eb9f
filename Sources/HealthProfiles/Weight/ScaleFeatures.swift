/// Resolution a scale actually measures with (informative: the wire resolution is always 0.005 kg / 0.01 lb).
public enum MassResolution: UInt8, Sendable, Hashable, Codable {
    case notSpecified = 0
    case kg0_5Lb1 = 1, kg0_2Lb0_5, kg0_1Lb0_2, kg0_05Lb0_1, kg0_02Lb0_05, kg0_01Lb0_02, kg0_005Lb0_01
}

public enum HeightResolution: UInt8, Sendable, Hashable, Codable {
    case notSpecified = 0
    case m0_01In1 = 1, m0_005In0_5, m0_001In0_1
}

/// Weight Scale Feature (0x2A9E, read): uint32 — bit 0 time stamp, 1 multiple users, 2 BMI, bits 3-6 weight
/// resolution, bits 7-9 height resolution, bits 10-31 reserved.
public struct WeightScaleFeature: Sendable, Hashable, Codable {
    public var timeStampSupported: Bool
    public var multipleUsersSupported: Bool
    public var bmiSupported: Bool
    public var weightResolution: MassResolution
    public var heightResolution: HeightResolution

    public init(
        timeStampSupported: Bool, multipleUsersSupported: Bool, bmiSupported: Bool,
        weightResolution: MassResolution = .notSpecified, heightResolution: HeightResolution = .notSpecified
    ) {
        self.timeStampSupported = timeStampSupported
        self.multipleUsersSupported = multipleUsersSupported
        self.bmiSupported = bmiSupported
        self.weightResolution = weightResolution
        self.heightResolution = heightResolution
    }

    public static func decode(_ bytes: some Collection<UInt8>) throws(DecodeError) -> WeightScaleFeature {
        var reader = ByteReader(bytes, characteristic: GATTCharacteristic.weightScaleFeature.displayName)
        let raw = try reader.uint32("Weight Scale Feature")
        try reader.checkReserved(raw, allowed: 0x3FF, field: "Weight Scale Feature")
        let weight = try reader.code(UInt8((raw >> 3) & 0xF), MassResolution.self, "Weight Scale Feature.Weight Measurement Resolution")
        let height = try reader.code(UInt8((raw >> 7) & 0x7), HeightResolution.self, "Weight Scale Feature.Height Measurement Resolution")
        try reader.expectEnd()
        return WeightScaleFeature(
            timeStampSupported: raw & 1 != 0, multipleUsersSupported: raw & 2 != 0, bmiSupported: raw & 4 != 0,
            weightResolution: weight, heightResolution: height)
    }

    public func encoded() -> [UInt8] {
        var raw: UInt32 = (timeStampSupported ? 1 : 0) | (multipleUsersSupported ? 2 : 0) | (bmiSupported ? 4 : 0)
        raw |= UInt32(weightResolution.rawValue) << 3 | UInt32(heightResolution.rawValue) << 7
        var writer = ByteWriter(characteristic: GATTCharacteristic.weightScaleFeature.displayName)
        writer.uint32(raw)
        return writer.bytes
    }
}

/// Body Composition Feature (0x2A9B, read): uint32 — bits 0-10 supported fields, bits 11-14 mass resolution,
/// bits 15-17 height resolution, bits 18-31 reserved.
public struct BodyCompositionFeature: Sendable, Hashable, Codable {
    public struct Supported: OptionSet, Sendable, Hashable, Codable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let timeStamp = Supported(rawValue: 1 << 0)
        public static let multipleUsers = Supported(rawValue: 1 << 1)
        public static let basalMetabolism = Supported(rawValue: 1 << 2)
        public static let musclePercentage = Supported(rawValue: 1 << 3)
        public static let muscleMass = Supported(rawValue: 1 << 4)
        public static let fatFreeMass = Supported(rawValue: 1 << 5)
        public static let softLeanMass = Supported(rawValue: 1 << 6)
        public static let bodyWaterMass = Supported(rawValue: 1 << 7)
        public static let impedance = Supported(rawValue: 1 << 8)
        public static let weight = Supported(rawValue: 1 << 9)
        public static let height = Supported(rawValue: 1 << 10)
        static let defined: UInt32 = 0x7FF
    }

    public var supported: Supported
    public var massResolution: MassResolution
    public var heightResolution: HeightResolution

    public init(supported: Supported, massResolution: MassResolution = .notSpecified, heightResolution: HeightResolution = .notSpecified) {
        self.supported = supported
        self.massResolution = massResolution
        self.heightResolution = heightResolution
    }

    public static func decode(_ bytes: some Collection<UInt8>) throws(DecodeError) -> BodyCompositionFeature {
        var reader = ByteReader(bytes, characteristic: GATTCharacteristic.bodyCompositionFeature.displayName)
        let raw = try reader.uint32("Body Composition Feature")
        try reader.checkReserved(raw, allowed: 0x3_FFFF, field: "Body Composition Feature")
        let mass = try reader.code(UInt8((raw >> 11) & 0xF), MassResolution.self, "Body Composition Feature.Mass Measurement Resolution")
        let height = try reader.code(UInt8((raw >> 15) & 0x7), HeightResolution.self, "Body Composition Feature.Height Measurement Resolution")
        try reader.expectEnd()
        return BodyCompositionFeature(
            supported: Supported(rawValue: raw & Supported.defined), massResolution: mass, heightResolution: height)
    }

    public func encoded() -> [UInt8] {
        var writer = ByteWriter(characteristic: GATTCharacteristic.bodyCompositionFeature.displayName)
        writer.uint32(supported.rawValue & Supported.defined | UInt32(massResolution.rawValue) << 11
            | UInt32(heightResolution.rawValue) << 15)
        return writer.bytes
    }
}

extension GATTCharacteristic {
    public static let bodyCompositionFeature = GATTCharacteristic(
        0x2A9B, "Body Composition Feature", access: .read, services: [.bodyComposition])
}

extension BodyCompositionFeature: HealthCharacteristic {
    public static var characteristic: GATTCharacteristic { .bodyCompositionFeature }
}

extension GATTCharacteristic {
    public static let weightScaleFeature = GATTCharacteristic(
        0x2A9E, "Weight Scale Feature", access: .read, services: [.weightScale])
}

extension WeightScaleFeature: HealthCharacteristic {
    public static var characteristic: GATTCharacteristic { .weightScaleFeature }
}
