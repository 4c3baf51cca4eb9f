/// Intermediate Cuff Pressure (0x2A36): live cuff pressure while a measurement is in progress.
///
/// Same layout as Blood Pressure Measurement; the systolic slot carries the current cuff pressure and the
/// diastolic and MAP slots are unused (the specification asks for NaN; some cuffs send 0). It is progress
/// for a display, not a measurement, so it yields no stored `Reading`, but it is decoded completely.
public struct IntermediateCuffPressure: Sendable, Hashable, Codable {
    public var unit: PressureUnit
    public var currentCuffPressure: MedicalFloat
    /// The unused diastolic and MAP slots, kept so that the frame re-encodes byte for byte.
    public var unusedDiastolic: MedicalFloat
    public var unusedMeanArterialPressure: MedicalFloat
    public var timestamp: DeviceDateTime?
    public var pulseRate: MedicalFloat?
    public var userID: UInt8?
    public var measurementStatus: BloodPressureMeasurementStatus?

    public init(
        unit: PressureUnit, currentCuffPressure: MedicalFloat, timestamp: DeviceDateTime? = nil,
        pulseRate: MedicalFloat? = nil, userID: UInt8? = nil, measurementStatus: BloodPressureMeasurementStatus? = nil,
        unusedDiastolic: MedicalFloat = .notANumber, unusedMeanArterialPressure: MedicalFloat = .notANumber
    ) {
        self.unit = unit
        self.currentCuffPressure = currentCuffPressure
        self.unusedDiastolic = unusedDiastolic
        self.unusedMeanArterialPressure = unusedMeanArterialPressure
        self.timestamp = timestamp
        self.pulseRate = pulseRate
        self.userID = userID
        self.measurementStatus = measurementStatus
    }

    public static func decode(_ bytes: some Collection<UInt8>) throws(DecodeError) -> IntermediateCuffPressure {
        let frame = try BloodPressureMeasurement.decode(bytes, as: .intermediateCuffPressure)
        return IntermediateCuffPressure(
            unit: frame.unit, currentCuffPressure: frame.systolic, timestamp: frame.timestamp,
            pulseRate: frame.pulseRate, userID: frame.userID, measurementStatus: frame.measurementStatus,
            unusedDiastolic: frame.diastolic, unusedMeanArterialPressure: frame.meanArterialPressure)
    }

    /// Live progress only: nothing to store.
    public var readings: [Reading] { [] }
}

extension GATTCharacteristic {
    public static let intermediateCuffPressure = GATTCharacteristic(
        0x2A36, "Intermediate Cuff Pressure", access: .notify, services: [.bloodPressure])
}

extension IntermediateCuffPressure: HealthCharacteristic {
    public static var characteristic: GATTCharacteristic { .intermediateCuffPressure }
    public var whyNoReadings: String? { "live progress while measuring: shown, never stored" }
}
