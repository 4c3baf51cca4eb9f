/// Weight Measurement (0x2A9D), indicated by a scale.
///
/// Layout: Flags uint8 | Weight uint16 (0.005 kg / 0.01 lb; 0xFFFF = measurement unsuccessful) |
/// Time Stamp (bit 1) | User ID uint8 (bit 2, 0xFF unknown user) | BMI uint16 (0.1 kg/m²) + Height uint16
/// (0.001 m / 0.1 in) (bit 3, both or neither). Bit 0 selects imperial units; bits 4-7 are reserved.
public struct WeightMeasurement: Sendable, Hashable, Codable {
    public static let unsuccessful: UInt16 = 0xFFFF

    public var units: MeasurementSystem
    /// Raw weight steps; `unsuccessful` (0xFFFF) when the scale could not measure.
    public var weightSteps: UInt16
    public var timestamp: DeviceDateTime?
    public var userID: UInt8?
    /// Raw BMI (0.1 kg/m² steps) and height steps; sent together.
    public var bmiAndHeight: BMIAndHeight?

    public struct BMIAndHeight: Sendable, Hashable, Codable {
        public var bmiTenths: UInt16
        public var heightSteps: UInt16
        public init(bmiTenths: UInt16, heightSteps: UInt16) {
            self.bmiTenths = bmiTenths
            self.heightSteps = heightSteps
        }
    }

    public init(
        units: MeasurementSystem, weightSteps: UInt16, timestamp: DeviceDateTime? = nil, userID: UInt8? = nil,
        bmiAndHeight: BMIAndHeight? = nil
    ) {
        self.units = units
        self.weightSteps = weightSteps
        self.timestamp = timestamp
        self.userID = userID
        self.bmiAndHeight = bmiAndHeight
    }

    /// Builds a measurement from a weight in the unit system's mass unit (e.g. 75.25 kg); nil when the value
    /// is not a multiple of the resolution (0.005 kg / 0.01 lb) or does not fit.
    public init?(units: MeasurementSystem, weight: DecimalNumber, timestamp: DeviceDateTime? = nil, userID: UInt8? = nil) {
        guard let steps = units.massSteps(weight), steps != Self.unsuccessful else { return nil }
        self.init(units: units, weightSteps: steps, timestamp: timestamp, userID: userID)
    }

    enum Flag {
        static let imperial: UInt8 = 1 << 0
        static let timestamp: UInt8 = 1 << 1
        static let userID: UInt8 = 1 << 2
        static let bmiAndHeight: UInt8 = 1 << 3
        static let defined: UInt8 = 0x0F
    }

    public static func decode(_ bytes: some Collection<UInt8>) throws(DecodeError) -> WeightMeasurement {
        var reader = ByteReader(bytes, characteristic: GATTCharacteristic.weightMeasurement.displayName)
        let flags = try reader.uint8("Flags")
        try reader.checkReserved(UInt32(flags), allowed: UInt32(Flag.defined))
        let weight = try reader.uint16("Weight")
        let timestamp = flags & Flag.timestamp != 0 ? try reader.dateTime("Time Stamp") : nil
        let user = flags & Flag.userID != 0 ? try reader.uint8("User ID") : nil
        var bmiAndHeight: BMIAndHeight?
        if flags & Flag.bmiAndHeight != 0 {
            bmiAndHeight = BMIAndHeight(bmiTenths: try reader.uint16("BMI"), heightSteps: try reader.uint16("Height"))
        }
        try reader.expectEnd()
        return WeightMeasurement(
            units: MeasurementSystem(flagBit: flags & Flag.imperial != 0), weightSteps: weight, timestamp: timestamp,
            userID: user, bmiAndHeight: bmiAndHeight)
    }

    public var isUnsuccessful: Bool { weightSteps == Self.unsuccessful }

    /// The weight in kg or lb; nil when unsuccessful.
    public var weight: DecimalNumber? { isUnsuccessful ? nil : units.mass(weightSteps) }

    public var readings: [Reading] {
        var components = [ReadingComponent(
            .bodyWeight, weight.map(MeasuredValue.number) ?? .absent(.unsuccessful), units.massUnit)]
        if let bmiAndHeight {
            components.append(ReadingComponent(
                .bodyMassIndex, .number(DecimalNumber(mantissa: Int64(bmiAndHeight.bmiTenths), exponent: -1)),
                .kilogramPerSquareMetre))
            components.append(ReadingComponent(.height, .number(units.length(bmiAndHeight.heightSteps)), units.lengthUnit))
        }
        return [Reading(
            kind: .bodyWeight, characteristic: GATTCharacteristic.weightMeasurement.rawValue, deviceTime: timestamp,
            components: components, userID: userID)]
    }
}

extension GATTCharacteristic {
    public static let weightMeasurement = GATTCharacteristic(
        0x2A9D, "Weight Measurement", access: .indicate, services: [.weightScale])
}

extension WeightMeasurement: HealthCharacteristic {
    public static var characteristic: GATTCharacteristic { .weightMeasurement }
    public var frameReadings: [Reading] { readings }
}
