/// Blood Pressure Measurement (0x2A35), indicated by a cuff once per completed measurement.
///
/// Layout: Flags uint8 | Systolic, Diastolic, MAP (SFLOAT, unit by flag bit 0) | Time Stamp (Date Time, bit 1)
/// | Pulse Rate (SFLOAT, bit 2) | User ID (uint8, bit 3) | Measurement Status (uint16, bit 4). Bits 5-7 reserved.
/// A cuff that fails sends NaN in the compound value: that is an error frame, never a pressure of 2047.
public struct BloodPressureMeasurement: Sendable, Hashable, Codable {
    public var unit: PressureUnit
    public var systolic: MedicalFloat
    public var diastolic: MedicalFloat
    public var meanArterialPressure: MedicalFloat
    public var timestamp: DeviceDateTime?
    public var pulseRate: MedicalFloat?
    /// 0xFF means "unknown user".
    public var userID: UInt8?
    public var measurementStatus: BloodPressureMeasurementStatus?

    public init(
        unit: PressureUnit, systolic: MedicalFloat, diastolic: MedicalFloat, meanArterialPressure: MedicalFloat,
        timestamp: DeviceDateTime? = nil, pulseRate: MedicalFloat? = nil, userID: UInt8? = nil,
        measurementStatus: BloodPressureMeasurementStatus? = nil
    ) {
        self.unit = unit
        self.systolic = systolic
        self.diastolic = diastolic
        self.meanArterialPressure = meanArterialPressure
        self.timestamp = timestamp
        self.pulseRate = pulseRate
        self.userID = userID
        self.measurementStatus = measurementStatus
    }

    enum Flag {
        static let kilopascal: UInt8 = 1 << 0
        static let timestamp: UInt8 = 1 << 1
        static let pulseRate: UInt8 = 1 << 2
        static let userID: UInt8 = 1 << 3
        static let measurementStatus: UInt8 = 1 << 4
        static let defined: UInt8 = 0x1F
    }

    public static func decode(_ bytes: some Collection<UInt8>) throws(DecodeError) -> BloodPressureMeasurement {
        try decode(bytes, as: .bloodPressureMeasurement)
    }

    /// Shared by Intermediate Cuff Pressure, which has the same layout.
    static func decode(_ bytes: some Collection<UInt8>, as characteristic: GATTCharacteristic) throws(DecodeError)
        -> BloodPressureMeasurement
    {
        var reader = ByteReader(bytes, characteristic: characteristic.displayName)
        let flags = try reader.uint8("Flags")
        try reader.checkReserved(UInt32(flags), allowed: UInt32(Flag.defined))
        let unit = PressureUnit(flagBit: flags & Flag.kilopascal != 0)
        let systolic = try reader.sfloat("Compound Value.Systolic")
        let diastolic = try reader.sfloat("Compound Value.Diastolic")
        let meanArterial = try reader.sfloat("Compound Value.Mean Arterial Pressure")
        let timestamp = flags & Flag.timestamp != 0 ? try reader.dateTime("Time Stamp") : nil
        let pulse = flags & Flag.pulseRate != 0 ? try reader.sfloat("Pulse Rate") : nil
        let user = flags & Flag.userID != 0 ? try reader.uint8("User ID") : nil
        let status = flags & Flag.measurementStatus != 0 ? try BloodPressureMeasurementStatus.decode(&reader) : nil
        try reader.expectEnd()
        return BloodPressureMeasurement(
            unit: unit, systolic: systolic, diastolic: diastolic, meanArterialPressure: meanArterial,
            timestamp: timestamp, pulseRate: pulse, userID: user, measurementStatus: status)
    }

    /// True when the cuff reported a failed measurement (NaN/NRes/INF in systolic or diastolic).
    public var isErrorFrame: Bool { systolic.number == nil || diastolic.number == nil }

    /// One blood-pressure reading: systolic, diastolic, MAP and (when sent) pulse.
    public var readings: [Reading] {
        var components = [
            ReadingComponent(.systolicPressure, systolic, unit.ucum),
            ReadingComponent(.diastolicPressure, diastolic, unit.ucum),
            ReadingComponent(.meanArterialPressure, meanArterialPressure, unit.ucum),
        ]
        if let pulseRate { components.append(ReadingComponent(.pulseRate, pulseRate, .perMinute)) }
        return [Reading(
            kind: .bloodPressure, characteristic: GATTCharacteristic.bloodPressureMeasurement.rawValue,
            deviceTime: timestamp, components: components, flags: measurementStatus?.readingFlags ?? [],
            userID: userID)]
    }
}

extension GATTCharacteristic {
    public static let bloodPressureMeasurement = GATTCharacteristic(
        0x2A35, "Blood Pressure Measurement", access: .indicate, services: [.bloodPressure])
}

extension BloodPressureMeasurement: HealthCharacteristic {
    public static var characteristic: GATTCharacteristic { .bloodPressureMeasurement }
    public var frameReadings: [Reading] { readings }
}
