import DeviceProfiles
import HealthProfiles

/// Which vitals each device profile measures, so that a "not measured" check can tell the centre when the
/// device for that vital was last seen (the patient did not measure) as opposed to hearing nothing at all
/// (the hub is offline). Read from the profile's health service, not its id: a model profile (an A&D cuff, a
/// Nonin oximeter, a broadcast scale) measures what its service measures.
enum ProfileVitals {
    static func vitals(of profile: DeviceProfile) -> [VitalSign] {
        switch profile.service {
        case .bloodPressure: [.systolicPressure, .diastolicPressure, .meanArterialPressure, .pulseRate]
        case .pulseOximeter: [.oxygenSaturation, .pulseRate]
        case .glucose: [.glucose]
        case .weightScale, .bodyComposition: [.bodyWeight]
        case .healthThermometer: [.bodyTemperature]
        case .genericAccess, .deviceInformation, .battery, .currentTime: []
        }
    }
}
