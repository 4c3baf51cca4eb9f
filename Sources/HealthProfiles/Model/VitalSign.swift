/// The physiological quantities the gateway forwards and triages.
///
/// Raw values are stable storage keys (they appear in SQLite, care plans and the CLI) — never rename one.
public enum VitalSign: String, Sendable, Hashable, Codable, CaseIterable {
    case systolicPressure = "systolic"
    case diastolicPressure = "diastolic"
    case meanArterialPressure = "mean-arterial-pressure"
    case pulseRate = "pulse"
    case oxygenSaturation = "spo2"
    case perfusionIndex = "perfusion-index"
    case bodyTemperature = "temperature"
    case bodyWeight = "weight"
    case height = "height"
    case bodyMassIndex = "bmi"
    case glucose = "glucose"
    case bodyFatPercentage = "body-fat"
    case basalMetabolism = "basal-metabolism"
    case musclePercentage = "muscle-percentage"
    case muscleMass = "muscle-mass"
    case fatFreeMass = "fat-free-mass"
    case softLeanMass = "soft-lean-mass"
    case bodyWaterMass = "body-water-mass"
    case impedance = "impedance"
}

/// One measured quantity of a reading (a blood-pressure reading has systolic, diastolic, MAP and pulse).
public struct ReadingComponent: Sendable, Hashable, Codable {
    public var vital: VitalSign
    public var value: MeasuredValue
    public var unit: UCUMUnit

    public init(_ vital: VitalSign, _ value: MeasuredValue, _ unit: UCUMUnit) {
        self.vital = vital
        self.value = value
        self.unit = unit
    }

    public init(_ vital: VitalSign, _ float: MedicalFloat, _ unit: UCUMUnit) {
        self.init(vital, MeasuredValue(float), unit)
    }
}
