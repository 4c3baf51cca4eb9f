import HealthProfiles

/// What the Bluetooth SIG service specifications allow, used to validate profile files: which service a
/// characteristic belongs to and which access modes its properties support.
enum CharacteristicRules {
    /// The health services a profile file may describe.
    static let profileServices: Set<GATTService> = [
        .bloodPressure, .pulseOximeter, .glucose, .weightScale, .bodyComposition, .healthThermometer,
    ]

    static func characteristics(of service: GATTService) -> Set<GATTCharacteristic> {
        switch service {
        case .bloodPressure:
            return [.bloodPressureMeasurement, .intermediateCuffPressure, .bloodPressureFeature,
                    .enhancedBloodPressureMeasurement, .dateTime]
        case .pulseOximeter:
            return [.plxSpotCheckMeasurement, .plxContinuousMeasurement, .plxFeatures, .recordAccessControlPoint]
        case .glucose:
            return [.glucoseMeasurement, .glucoseMeasurementContext, .glucoseFeature, .recordAccessControlPoint]
        case .weightScale:
            return [.weightMeasurement, .weightScaleFeature, .dateTime]
        case .bodyComposition:
            return [.bodyCompositionMeasurement, .bodyCompositionFeature, .dateTime]
        case .healthThermometer:
            return [.temperatureMeasurement, .temperatureType, .intermediateTemperature, .dateTime]
        case .currentTime:
            return [.currentTime]
        case .deviceInformation:
            return [.manufacturerNameString, .modelNumberString, .serialNumberString, .hardwareRevisionString,
                    .firmwareRevisionString, .softwareRevisionString, .systemID]
        case .battery:
            return [.batteryLevel]
        case .genericAccess:
            return []
        }
    }

    static func allowedModes(of characteristic: GATTCharacteristic) -> [AccessMode] {
        switch characteristic {
        case .bloodPressureMeasurement, .enhancedBloodPressureMeasurement, .plxSpotCheckMeasurement,
             .weightMeasurement, .bodyCompositionMeasurement, .temperatureMeasurement:
            return [.indicate]
        case .intermediateCuffPressure, .plxContinuousMeasurement, .glucoseMeasurement, .glucoseMeasurementContext,
             .intermediateTemperature:
            return [.notify]
        case .recordAccessControlPoint:
            return [.controlPoint]
        case .currentTime:
            return [.read, .notify, .write]
        case .dateTime:
            return [.read, .write]
        case .batteryLevel:
            return [.read, .notify]
        case .bloodPressureFeature, .plxFeatures, .glucoseFeature, .weightScaleFeature, .bodyCompositionFeature,
             .temperatureType, .dayOfWeek, .manufacturerNameString, .modelNumberString, .serialNumberString,
             .hardwareRevisionString, .firmwareRevisionString, .softwareRevisionString, .systemID:
            return [.read]
        }
    }
}
