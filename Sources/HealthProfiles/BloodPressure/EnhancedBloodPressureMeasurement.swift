/// Enhanced Blood Pressure Measurement (0x2B34, Blood Pressure Service 1.1).
///
/// Layout: Flags uint8 | compound value (3 × SFLOAT) | Time Stamp uint32 (s since epoch, UTC; bit 1) |
/// Pulse Rate SFLOAT (bit 2) | User ID uint8 (bit 3) | Measurement Status uint16 (bit 4) |
/// User Facing Time uint32 (s since epoch, local; bit 5). Bit 6 selects the epoch (0: 1900-01-01,
/// 1: 2000-01-01); bit 7 is reserved.
public struct EnhancedBloodPressureMeasurement: Sendable, Hashable, Codable {
    public enum Epoch: Int, Sendable, Hashable, Codable {
        case year1900 = 1900
        case year2000 = 2000
    }

    public var unit: PressureUnit
    public var systolic: MedicalFloat
    public var diastolic: MedicalFloat
    public var meanArterialPressure: MedicalFloat
    public var epoch: Epoch
    /// Seconds since `epoch`, UTC.
    public var timestamp: UInt32?
    public var pulseRate: MedicalFloat?
    public var userID: UInt8?
    public var measurementStatus: BloodPressureMeasurementStatus?
    /// Seconds since `epoch` as shown to the user (local wall clock).
    public var userFacingTime: UInt32?

    public init(
        unit: PressureUnit, systolic: MedicalFloat, diastolic: MedicalFloat, meanArterialPressure: MedicalFloat,
        epoch: Epoch = .year2000, timestamp: UInt32? = nil, pulseRate: MedicalFloat? = nil, userID: UInt8? = nil,
        measurementStatus: BloodPressureMeasurementStatus? = nil, userFacingTime: UInt32? = nil
    ) {
        self.unit = unit
        self.systolic = systolic
        self.diastolic = diastolic
        self.meanArterialPressure = meanArterialPressure
        self.epoch = epoch
        self.timestamp = timestamp
        self.pulseRate = pulseRate
        self.userID = userID
        self.measurementStatus = measurementStatus
        self.userFacingTime = userFacingTime
    }

    enum Flag {
        static let kilopascal: UInt8 = 1 << 0
        static let timestamp: UInt8 = 1 << 1
        static let pulseRate: UInt8 = 1 << 2
        static let userID: UInt8 = 1 << 3
        static let measurementStatus: UInt8 = 1 << 4
        static let userFacingTime: UInt8 = 1 << 5
        static let epoch2000: UInt8 = 1 << 6
        static let defined: UInt8 = 0x7F
    }

    public static func decode(_ bytes: some Collection<UInt8>) throws(DecodeError) -> EnhancedBloodPressureMeasurement {
        var reader = ByteReader(bytes, characteristic: GATTCharacteristic.enhancedBloodPressureMeasurement.displayName)
        let flags = try reader.uint8("Flags")
        try reader.checkReserved(UInt32(flags), allowed: UInt32(Flag.defined))
        let systolic = try reader.sfloat("Compound Value.Systolic")
        let diastolic = try reader.sfloat("Compound Value.Diastolic")
        let meanArterial = try reader.sfloat("Compound Value.Mean Arterial Pressure")
        let timestamp = flags & Flag.timestamp != 0 ? try reader.uint32("Time Stamp") : nil
        let pulse = flags & Flag.pulseRate != 0 ? try reader.sfloat("Pulse Rate") : nil
        let user = flags & Flag.userID != 0 ? try reader.uint8("User ID") : nil
        let status = flags & Flag.measurementStatus != 0 ? try BloodPressureMeasurementStatus.decode(&reader) : nil
        let facing = flags & Flag.userFacingTime != 0 ? try reader.uint32("User Facing Time") : nil
        try reader.expectEnd()
        return EnhancedBloodPressureMeasurement(
            unit: PressureUnit(flagBit: flags & Flag.kilopascal != 0), systolic: systolic, diastolic: diastolic,
            meanArterialPressure: meanArterial, epoch: flags & Flag.epoch2000 != 0 ? .year2000 : .year1900,
            timestamp: timestamp, pulseRate: pulse, userID: user, measurementStatus: status, userFacingTime: facing)
    }

    /// Calendar form of a seconds-since-epoch field.
    public func calendarTime(_ secondsSinceEpoch: UInt32) -> DeviceDateTime? {
        guard let start = try? DeviceDateTime(year: epoch.rawValue, month: 1, day: 1, hours: 0, minutes: 0, seconds: 0),
              let base = start.secondsSinceEpochOfCalendar
        else { return nil }
        return DeviceDateTime(secondsSinceEpochOfCalendar: base + Int64(secondsSinceEpoch))
    }

    /// One blood-pressure reading. The device time is the User Facing Time (local, like every other profile)
    /// when present, else the UTC Time Stamp, marked with the `device-time-base` qualifier.
    public var readings: [Reading] {
        var components = [
            ReadingComponent(.systolicPressure, systolic, unit.ucum),
            ReadingComponent(.diastolicPressure, diastolic, unit.ucum),
            ReadingComponent(.meanArterialPressure, meanArterialPressure, unit.ucum),
        ]
        if let pulseRate { components.append(ReadingComponent(.pulseRate, pulseRate, .perMinute)) }
        var qualifiers: [String: String] = [:]
        var deviceTime: DeviceDateTime?
        if let userFacingTime {
            deviceTime = calendarTime(userFacingTime)
        } else if let timestamp {
            deviceTime = calendarTime(timestamp)
            qualifiers[ReadingQualifier.deviceTimeBase] = "utc"
        }
        return [Reading(
            kind: .bloodPressure, characteristic: GATTCharacteristic.enhancedBloodPressureMeasurement.rawValue,
            deviceTime: deviceTime, components: components, flags: measurementStatus?.readingFlags ?? [],
            userID: userID, qualifiers: qualifiers)]
    }
}

extension GATTCharacteristic {
    public static let enhancedBloodPressureMeasurement = GATTCharacteristic(
        0x2B34, "Enhanced Blood Pressure Measurement", access: .indicate, services: [.bloodPressure])
}

extension EnhancedBloodPressureMeasurement: HealthCharacteristic {
    public static var characteristic: GATTCharacteristic { .enhancedBloodPressureMeasurement }
    public var frameReadings: [Reading] { readings }
}
