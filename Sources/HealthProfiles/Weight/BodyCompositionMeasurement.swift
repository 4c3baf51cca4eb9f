/// Body Composition Measurement (0x2A9C), indicated by a body-composition scale.
///
/// Layout: Flags uint16 | Body Fat Percentage uint16 (0.1 %, 0xFFFF = unsuccessful; always present) |
/// then, by flag bit: Time Stamp (1), User ID uint8 (2), Basal Metabolism uint16 kJ (3), Muscle Percentage
/// uint16 0.1 % (4), Muscle Mass (5), Fat Free Mass (6), Soft Lean Mass (7), Body Water Mass (8) as mass
/// steps, Impedance uint16 0.1 Ω (9), Weight mass steps (10), Height steps (11). Bit 0 selects imperial units;
/// bit 12 "Multiple Packet Measurement" means the value is split over two indications (see
/// `BodyCompositionAssembler`); bits 13-15 are reserved.
public struct BodyCompositionMeasurement: Sendable, Hashable, Codable {
    public static let unsuccessful: UInt16 = 0xFFFF

    public var units: MeasurementSystem
    /// Tenths of a percent; `unsuccessful` when the scale could not measure.
    public var bodyFatTenthsPercent: UInt16
    public var timestamp: DeviceDateTime?
    public var userID: UInt8?
    public var basalMetabolismKilojoules: UInt16?
    public var muscleTenthsPercent: UInt16?
    public var muscleMassSteps: UInt16?
    public var fatFreeMassSteps: UInt16?
    public var softLeanMassSteps: UInt16?
    public var bodyWaterMassSteps: UInt16?
    /// Tenths of an ohm.
    public var impedanceTenthsOhm: UInt16?
    public var weightSteps: UInt16?
    public var heightSteps: UInt16?
    /// Set on each half of a split measurement; false on single and assembled measurements.
    public var multiplePacket: Bool

    public init(
        units: MeasurementSystem, bodyFatTenthsPercent: UInt16, timestamp: DeviceDateTime? = nil, userID: UInt8? = nil,
        basalMetabolismKilojoules: UInt16? = nil, muscleTenthsPercent: UInt16? = nil, muscleMassSteps: UInt16? = nil,
        fatFreeMassSteps: UInt16? = nil, softLeanMassSteps: UInt16? = nil, bodyWaterMassSteps: UInt16? = nil,
        impedanceTenthsOhm: UInt16? = nil, weightSteps: UInt16? = nil, heightSteps: UInt16? = nil,
        multiplePacket: Bool = false
    ) {
        self.units = units
        self.bodyFatTenthsPercent = bodyFatTenthsPercent
        self.timestamp = timestamp
        self.userID = userID
        self.basalMetabolismKilojoules = basalMetabolismKilojoules
        self.muscleTenthsPercent = muscleTenthsPercent
        self.muscleMassSteps = muscleMassSteps
        self.fatFreeMassSteps = fatFreeMassSteps
        self.softLeanMassSteps = softLeanMassSteps
        self.bodyWaterMassSteps = bodyWaterMassSteps
        self.impedanceTenthsOhm = impedanceTenthsOhm
        self.weightSteps = weightSteps
        self.heightSteps = heightSteps
        self.multiplePacket = multiplePacket
    }

    enum Flag {
        static let imperial: UInt16 = 1 << 0
        static let timestamp: UInt16 = 1 << 1
        static let userID: UInt16 = 1 << 2
        static let multiplePacket: UInt16 = 1 << 12
        static let defined: UInt16 = 0x1FFF
    }

    /// The uint16 optional fields in wire order with their flag bit and spec name. Computed, because key
    /// paths are not Sendable and so cannot live in a static stored constant under strict concurrency.
    static var numericFields: [(bit: UInt16, name: String, path: WritableKeyPath<BodyCompositionMeasurement, UInt16?>)] {[
        (1 << 3, "Basal Metabolism", \.basalMetabolismKilojoules),
        (1 << 4, "Muscle Percentage", \.muscleTenthsPercent),
        (1 << 5, "Muscle Mass", \.muscleMassSteps),
        (1 << 6, "Fat Free Mass", \.fatFreeMassSteps),
        (1 << 7, "Soft Lean Mass", \.softLeanMassSteps),
        (1 << 8, "Body Water Mass", \.bodyWaterMassSteps),
        (1 << 9, "Impedance", \.impedanceTenthsOhm),
        (1 << 10, "Weight", \.weightSteps),
        (1 << 11, "Height", \.heightSteps),
    ]}

    public static func decode(_ bytes: some Collection<UInt8>) throws(DecodeError) -> BodyCompositionMeasurement {
        var reader = ByteReader(bytes, characteristic: GATTCharacteristic.bodyCompositionMeasurement.displayName)
        let flags = try reader.uint16("Flags")
        try reader.checkReserved(UInt32(flags), allowed: UInt32(Flag.defined))
        var value = BodyCompositionMeasurement(
            units: MeasurementSystem(flagBit: flags & Flag.imperial != 0),
            bodyFatTenthsPercent: try reader.uint16("Body Fat Percentage"),
            multiplePacket: flags & Flag.multiplePacket != 0)
        if flags & Flag.timestamp != 0 { value.timestamp = try reader.dateTime("Time Stamp") }
        if flags & Flag.userID != 0 { value.userID = try reader.uint8("User ID") }
        for field in numericFields where flags & field.bit != 0 {
            value[keyPath: field.path] = try reader.uint16(field.name)
        }
        try reader.expectEnd()
        return value
    }

    public var isUnsuccessful: Bool { bodyFatTenthsPercent == Self.unsuccessful }

    /// Flags bits of the fields present (without units or multiple-packet bits).
    var presentFields: UInt16 {
        var bits: UInt16 = 0
        if timestamp != nil { bits |= Flag.timestamp }
        if userID != nil { bits |= Flag.userID }
        for field in Self.numericFields where self[keyPath: field.path] != nil { bits |= field.bit }
        return bits
    }

    public var readings: [Reading] {
        func tenths(_ raw: UInt16) -> MeasuredValue { .number(DecimalNumber(mantissa: Int64(raw), exponent: -1)) }
        var components = [ReadingComponent(
            .bodyFatPercentage, isUnsuccessful ? .absent(.unsuccessful) : tenths(bodyFatTenthsPercent), .percent)]
        func add(_ vital: VitalSign, _ raw: UInt16?, _ unit: UCUMUnit, _ convert: (UInt16) -> MeasuredValue) {
            if let raw { components.append(ReadingComponent(vital, convert(raw), unit)) }
        }
        let mass = { (raw: UInt16) in MeasuredValue.number(self.units.mass(raw)) }
        add(.basalMetabolism, basalMetabolismKilojoules, .kilojoule) { .number(DecimalNumber(Int($0))) }
        add(.musclePercentage, muscleTenthsPercent, .percent, tenths)
        add(.muscleMass, muscleMassSteps, units.massUnit, mass)
        add(.fatFreeMass, fatFreeMassSteps, units.massUnit, mass)
        add(.softLeanMass, softLeanMassSteps, units.massUnit, mass)
        add(.bodyWaterMass, bodyWaterMassSteps, units.massUnit, mass)
        add(.impedance, impedanceTenthsOhm, .ohm, tenths)
        add(.bodyWeight, weightSteps, units.massUnit, mass)
        add(.height, heightSteps, units.lengthUnit) { .number(self.units.length($0)) }
        return [Reading(
            kind: .bodyComposition, characteristic: GATTCharacteristic.bodyCompositionMeasurement.rawValue,
            deviceTime: timestamp, components: components, userID: userID)]
    }
}

extension GATTCharacteristic {
    public static let bodyCompositionMeasurement = GATTCharacteristic(
        0x2A9C, "Body Composition Measurement", access: .indicate, services: [.bodyComposition])
}

extension BodyCompositionMeasurement: HealthCharacteristic {
    public static var characteristic: GATTCharacteristic { .bodyCompositionMeasurement }
    public var frameReadings: [Reading] { multiplePacket ? [] : readings }
    public var whyNoReadings: String? { multiplePacket ? "half of a split measurement: joined with the other half before storing" : nil }
}
