import HealthProfiles

/// Which vitals each device profile measures, so that a "not measured" check can tell the centre when the
/// device for that vital was last seen (the patient did not measure) as opposed to hearing nothing at all
/// (the hub is offline).
enum ProfileVitals {
    static func vitals(ofProfile profile: String) -> [VitalSign] {
        switch profile {
        case "blood-pressure": [.systolicPressure, .diastolicPressure, .meanArterialPressure, .pulseRate]
        case "pulse-oximeter": [.oxygenSaturation, .pulseRate]
        case "glucose": [.glucose]
        case "weight-scale", "body-composition": [.bodyWeight]
        case "thermometer": [.bodyTemperature]
        default: []
        }
    }
}
