/// Glucose Measurement (0x2A18), notified once per stored record in answer to an RACP request.
///
/// Layout: Flags uint8 | Sequence Number uint16 | Base Time (Date Time) | Time Offset sint16 minutes (bit 0) |
/// Glucose Concentration SFLOAT + Type-Sample Location uint8 (bit 1; unit by bit 2: 0 kg/L, 1 mol/L) |
/// Sensor Status Annunciation uint16 (bit 3). Bit 4: a Glucose Measurement Context with the same sequence
/// number follows. Bits 5-7 are reserved.
public struct GlucoseMeasurement: Sendable, Hashable, Codable {
    /// The concentration with what it was measured in.
    public struct Concentration: Sendable, Hashable, Codable {
        public var value: MedicalFloat
        public var type: GlucoseSampleType
        public var location: GlucoseSampleLocation
        public init(value: MedicalFloat, type: GlucoseSampleType, location: GlucoseSampleLocation) {
            self.value = value
            self.type = type
            self.location = location
        }
    }

    public var sequenceNumber: UInt16
    public var baseTime: DeviceDateTime
    /// Minutes to add to `baseTime` to get the measurement time.
    public var timeOffset: Int16?
    /// Flags bit 2; kept even when no concentration is sent so that the frame re-encodes byte for byte.
    public var unit: GlucoseConcentrationUnit
    public var concentration: Concentration?
    public var sensorStatus: GlucoseSensorStatus?
    public var contextFollows: Bool

    public init(
        sequenceNumber: UInt16, baseTime: DeviceDateTime, timeOffset: Int16? = nil,
        unit: GlucoseConcentrationUnit = .kilogramPerLitre, concentration: Concentration? = nil,
        sensorStatus: GlucoseSensorStatus? = nil, contextFollows: Bool = false
    ) {
        self.sequenceNumber = sequenceNumber
        self.baseTime = baseTime
        self.timeOffset = timeOffset
        self.unit = unit
        self.concentration = concentration
        self.sensorStatus = sensorStatus
        self.contextFollows = contextFollows
    }

    enum Flag {
        static let timeOffset: UInt8 = 1 << 0
        static let concentration: UInt8 = 1 << 1
        static let molePerLitre: UInt8 = 1 << 2
        static let sensorStatus: UInt8 = 1 << 3
        static let contextFollows: UInt8 = 1 << 4
        static let defined: UInt8 = 0x1F
    }

    public static func decode(_ bytes: some Collection<UInt8>) throws(DecodeError) -> GlucoseMeasurement {
        var reader = ByteReader(bytes, characteristic: GATTCharacteristic.glucoseMeasurement.displayName)
        let flags = try reader.uint8("Flags")
        try reader.checkReserved(UInt32(flags), allowed: UInt32(Flag.defined))
        let sequence = try reader.uint16("Sequence Number")
        let baseTime = try reader.dateTime("Base Time")
        let offset = flags & Flag.timeOffset != 0 ? try reader.int16("Time Offset") : nil
        var concentration: Concentration?
        if flags & Flag.concentration != 0 {
            let value = try reader.sfloat("Glucose Concentration")
            let typeLocation = try reader.uint8("Type-Sample Location")
            concentration = Concentration(
                value: value,
                type: try reader.code(typeLocation & 0x0F, GlucoseSampleType.self, "Type-Sample Location.Type"),
                location: try reader.code(typeLocation >> 4, GlucoseSampleLocation.self, "Type-Sample Location.Sample Location"))
        }
        var status: GlucoseSensorStatus?
        if flags & Flag.sensorStatus != 0 {
            let raw = try reader.uint16("Sensor Status Annunciation")
            try reader.checkReserved(UInt32(raw), allowed: UInt32(GlucoseSensorStatus.defined), field: "Sensor Status Annunciation")
            status = GlucoseSensorStatus(rawValue: raw)
        }
        try reader.expectEnd()
        return GlucoseMeasurement(
            sequenceNumber: sequence, baseTime: baseTime, timeOffset: offset,
            unit: flags & Flag.molePerLitre != 0 ? .molePerLitre : .kilogramPerLitre, concentration: concentration,
            sensorStatus: status, contextFollows: flags & Flag.contextFollows != 0)
    }

    /// Base Time + Time Offset; nil when an offset must be applied to a date with unknown parts.
    public var measurementTime: DeviceDateTime? {
        guard let timeOffset, timeOffset != 0 else { return baseTime }
        return baseTime.adding(minutes: Int(timeOffset))
    }

    /// The concentration in clinical units: kg/L × 10⁵ = mg/dL, mol/L × 10³ = mmol/L (exact decimal shifts).
    public var clinicalValue: (value: MeasuredValue, unit: UCUMUnit) {
        let clinicalUnit: UCUMUnit = unit == .kilogramPerLitre ? .milligramPerDecilitre : .millimolePerLitre
        guard let concentration else { return (.absent(.error), clinicalUnit) }
        guard let number = concentration.value.number else {
            if let side = beyondRangeSide { return (.beyondRange(side), clinicalUnit) }
            return (MeasuredValue(concentration.value), clinicalUnit)
        }
        return (.number(number.scaled(byPowerOfTen: unit == .kilogramPerLitre ? 5 : 3)), clinicalUnit)
    }

    /// Which side of its measuring range the meter says the result lies beyond ("LO" / "HI"), or nil.
    ///
    /// A meter reports a glucose it cannot quantify as −∞ (SFLOAT 0x0802) or +∞ (0x07FE) with the annunciation
    /// "result lower / higher than the device can process" (0x0040 / 0x0020); a real Accu-Chek Guide sends exactly
    /// `0802` with status `0040` for its LO results (mySugr HCI trace, see DeviceFaults.BeyondMeasuringRangeTests).
    /// Accepted: the infinity with its matching bit (and not the opposite one), and the infinity alone from a meter
    /// that sends no status field at all — for such a meter the sign is all it can say, and reading it as a device
    /// error would silence a severe hypoglycaemia. Not accepted (stays a device error, `negative-infinity` /
    /// `positive-infinity` absent): an infinity whose status field is present but contradicts it or says nothing
    /// about the range — the meter then reports something else than a result beyond its range.
    public var beyondRangeSide: MeasuringRangeSide? {
        guard let value = concentration?.value else { return nil }
        let side: MeasuringRangeSide
        let matching: GlucoseSensorStatus, opposite: GlucoseSensorStatus
        switch value {
        case .negativeInfinity:
            (side, matching, opposite) = (.below, .resultLowerThanDeviceCanProcess, .resultHigherThanDeviceCanProcess)
        case .positiveInfinity:
            (side, matching, opposite) = (.above, .resultHigherThanDeviceCanProcess, .resultLowerThanDeviceCanProcess)
        default:
            return nil
        }
        guard let sensorStatus else { return side }
        return sensorStatus.contains(matching) && !sensorStatus.contains(opposite) ? side : nil
    }

    /// One glucose reading (without context; see `GlucoseRecord` for the paired form).
    public var readings: [Reading] { [reading(context: nil)] }

    func reading(context: GlucoseMeasurementContext?) -> Reading {
        let clinical = clinicalValue
        var flags = sensorStatus?.readingFlags ?? []
        var qualifiers: [String: String] = [ReadingQualifier.glucoseDeviceUnit: unit.rawValue]
        if let concentration {
            qualifiers[ReadingQualifier.glucoseSampleType] = concentration.type.code
            qualifiers[ReadingQualifier.glucoseSampleLocation] = concentration.location.code
            if concentration.type == .controlSolution || concentration.location == .controlSolution {
                flags.append(.controlSolution)
            }
        }
        if let timeOffset { qualifiers[ReadingQualifier.glucoseTimeOffsetMinutes] = String(timeOffset) }
        if let context { qualifiers.merge(context.qualifiers) { _, new in new } }
        return Reading(
            kind: .glucose, characteristic: GATTCharacteristic.glucoseMeasurement.rawValue, deviceTime: measurementTime,
            components: [ReadingComponent(.glucose, clinical.value, clinical.unit)], flags: flags,
            sequenceNumber: sequenceNumber, qualifiers: qualifiers)
    }
}

extension GATTCharacteristic {
    public static let glucoseMeasurement = GATTCharacteristic(
        0x2A18, "Glucose Measurement", access: .notify, services: [.glucose])
}

extension GlucoseMeasurement: HealthCharacteristic {
    public static var characteristic: GATTCharacteristic { .glucoseMeasurement }
    public var frameReadings: [Reading] { readings }
}
