public import HealthProfiles

/// The one unit each triaged vital is compared in, and the conversions from what devices send.
///
/// Thresholds in care plans are written in these units only; readings are converted on the way in.
public enum CanonicalUnits {
    /// Glucose molar mass factor: 1 mmol/L = 18.016 mg/dL.
    static let glucoseMilligramsPerDecilitrePerMillimole = 18.016
    static let kilogramsPerPound = 0.45359237
    static let millimetresOfMercuryPerKilopascal = 7.500_616_827

    /// The canonical unit for `vital`, or nil when triage has no rules for such a vital.
    public static func unit(for vital: VitalSign) -> UCUMUnit? {
        switch vital {
        case .systolicPressure, .diastolicPressure, .meanArterialPressure: return .millimetreOfMercury
        case .pulseRate: return .perMinute
        case .oxygenSaturation: return .percent
        case .bodyTemperature: return .celsius
        case .bodyWeight: return .kilogram
        case .glucose: return .millimolePerLitre
        case .perfusionIndex, .height, .bodyMassIndex, .bodyFatPercentage, .basalMetabolism, .musclePercentage,
             .muscleMass, .fatFreeMass, .softLeanMass, .bodyWaterMass, .impedance:
            return nil
        }
    }

    /// `value` in `unit` converted to the vital's canonical unit; nil when the vital is not triaged or the unit
    /// is not one that vital can be measured in.
    public static func canonicalValue(_ value: Double, unit: UCUMUnit, vital: VitalSign) -> Double? {
        guard let canonical = self.unit(for: vital) else { return nil }
        if unit == canonical { return value }
        switch (canonical, unit) {
        case (.millimetreOfMercury, .kilopascal): return value * millimetresOfMercuryPerKilopascal
        case (.celsius, .fahrenheit): return (value - 32) * 5 / 9
        case (.kilogram, .pound): return value * kilogramsPerPound
        case (.millimolePerLitre, .milligramPerDecilitre): return value / glucoseMilligramsPerDecilitrePerMillimole
        default: return nil
        }
    }
}
