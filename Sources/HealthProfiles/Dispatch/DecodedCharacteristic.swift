/// A decoded characteristic value of any kind the gateway understands.
public enum DecodedCharacteristic: Sendable, Hashable {
    case dateTime(DeviceDateTime)
    case dayOfWeek(DayOfWeek)
    case currentTime(CurrentTime)
    case bloodPressureMeasurement(BloodPressureMeasurement)
    case intermediateCuffPressure(IntermediateCuffPressure)
    case bloodPressureFeature(BloodPressureFeature)
    case enhancedBloodPressureMeasurement(EnhancedBloodPressureMeasurement)
    case plxSpotCheckMeasurement(PLXSpotCheckMeasurement)
    case plxContinuousMeasurement(PLXContinuousMeasurement)
    case plxFeatures(PLXFeatures)
    case glucoseMeasurement(GlucoseMeasurement)
    case glucoseMeasurementContext(GlucoseMeasurementContext)
    case glucoseFeature(GlucoseFeature)
    case recordAccessControlPoint(RACPResponse)
    case weightMeasurement(WeightMeasurement)
    case weightScaleFeature(WeightScaleFeature)
    case bodyCompositionMeasurement(BodyCompositionMeasurement)
    case bodyCompositionFeature(BodyCompositionFeature)
    case temperatureMeasurement(TemperatureMeasurement)
    case temperatureType(TemperatureType)
    case intermediateTemperature(IntermediateTemperature)
    case deviceInformationString(GATTCharacteristic, String)
    case systemID(SystemID)
    case batteryLevel(UInt8)

    public var characteristic: GATTCharacteristic {
        switch self {
        case .dateTime: return .dateTime
        case .dayOfWeek: return .dayOfWeek
        case .currentTime: return .currentTime
        case .bloodPressureMeasurement: return .bloodPressureMeasurement
        case .intermediateCuffPressure: return .intermediateCuffPressure
        case .bloodPressureFeature: return .bloodPressureFeature
        case .enhancedBloodPressureMeasurement: return .enhancedBloodPressureMeasurement
        case .plxSpotCheckMeasurement: return .plxSpotCheckMeasurement
        case .plxContinuousMeasurement: return .plxContinuousMeasurement
        case .plxFeatures: return .plxFeatures
        case .glucoseMeasurement: return .glucoseMeasurement
        case .glucoseMeasurementContext: return .glucoseMeasurementContext
        case .glucoseFeature: return .glucoseFeature
        case .recordAccessControlPoint: return .recordAccessControlPoint
        case .weightMeasurement: return .weightMeasurement
        case .weightScaleFeature: return .weightScaleFeature
        case .bodyCompositionMeasurement: return .bodyCompositionMeasurement
        case .bodyCompositionFeature: return .bodyCompositionFeature
        case .temperatureMeasurement: return .temperatureMeasurement
        case .temperatureType: return .temperatureType
        case .intermediateTemperature: return .intermediateTemperature
        case let .deviceInformationString(characteristic, _): return characteristic
        case .systemID: return .systemID
        case .batteryLevel: return .batteryLevel
        }
    }

    /// The normalised readings this value stands for on its own. Empty for features, control-point responses,
    /// live progress (intermediate cuff pressure / temperature) and for values that only make sense paired
    /// (a glucose context: see `GlucoseRecordAssembler`; a split body-composition half: see
    /// `BodyCompositionAssembler`).
    public var readings: [Reading] {
        switch self {
        case let .bloodPressureMeasurement(value): return value.readings
        case let .enhancedBloodPressureMeasurement(value): return value.readings
        case let .plxSpotCheckMeasurement(value): return value.readings
        case let .plxContinuousMeasurement(value): return value.readings
        case let .glucoseMeasurement(value): return value.readings
        case let .weightMeasurement(value): return value.readings
        case let .bodyCompositionMeasurement(value): return value.multiplePacket ? [] : value.readings
        case let .temperatureMeasurement(value): return value.readings
        case .intermediateCuffPressure, .intermediateTemperature, .glucoseMeasurementContext, .dateTime, .dayOfWeek,
             .currentTime, .bloodPressureFeature, .plxFeatures, .glucoseFeature, .recordAccessControlPoint,
             .weightScaleFeature, .bodyCompositionFeature, .temperatureType, .deviceInformationString, .systemID,
             .batteryLevel:
            return []
        }
    }

    /// The wire form of the value (what a device would send), for simulators and round-trip checks.
    public func encoded() throws(EncodeError) -> [UInt8] {
        switch self {
        case let .dateTime(value): return try value.encoded()
        case let .dayOfWeek(value): return value.encoded()
        case let .currentTime(value): return try value.encoded()
        case let .bloodPressureMeasurement(value): return try value.encoded()
        case let .intermediateCuffPressure(value): return try value.encoded()
        case let .bloodPressureFeature(value): return value.encoded()
        case let .enhancedBloodPressureMeasurement(value): return try value.encoded()
        case let .plxSpotCheckMeasurement(value): return try value.encoded()
        case let .plxContinuousMeasurement(value): return try value.encoded()
        case let .plxFeatures(value): return try value.encoded()
        case let .glucoseMeasurement(value): return try value.encoded()
        case let .glucoseMeasurementContext(value): return try value.encoded()
        case let .glucoseFeature(value): return value.encoded()
        case let .recordAccessControlPoint(value): return value.encoded()
        case let .weightMeasurement(value): return try value.encoded()
        case let .weightScaleFeature(value): return value.encoded()
        case let .bodyCompositionMeasurement(value): return try value.encoded()
        case let .bodyCompositionFeature(value): return value.encoded()
        case let .temperatureMeasurement(value): return try value.encoded()
        case let .temperatureType(value): return value.encoded()
        case let .intermediateTemperature(value): return try value.encoded()
        case let .deviceInformationString(_, value): return DeviceInformationString.encoded(value)
        case let .systemID(value): return value.encoded()
        case let .batteryLevel(value): return [value]
        }
    }
}

extension DecodedCharacteristic: Encodable {
    private enum Key: String, CodingKey { case characteristic, uuid, value }

    /// `{"characteristic": "blood-pressure-measurement", "uuid": "0x2A35", "value": {...}}` for the CLI and logs.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(characteristic.slug, forKey: .characteristic)
        try container.encode("0x" + String(characteristic.rawValue, radix: 16, uppercase: true), forKey: .uuid)
        switch self {
        case let .dateTime(value): try container.encode(value, forKey: .value)
        case let .dayOfWeek(value): try container.encode(value, forKey: .value)
        case let .currentTime(value): try container.encode(value, forKey: .value)
        case let .bloodPressureMeasurement(value): try container.encode(value, forKey: .value)
        case let .intermediateCuffPressure(value): try container.encode(value, forKey: .value)
        case let .bloodPressureFeature(value): try container.encode(value, forKey: .value)
        case let .enhancedBloodPressureMeasurement(value): try container.encode(value, forKey: .value)
        case let .plxSpotCheckMeasurement(value): try container.encode(value, forKey: .value)
        case let .plxContinuousMeasurement(value): try container.encode(value, forKey: .value)
        case let .plxFeatures(value): try container.encode(value, forKey: .value)
        case let .glucoseMeasurement(value): try container.encode(value, forKey: .value)
        case let .glucoseMeasurementContext(value): try container.encode(value, forKey: .value)
        case let .glucoseFeature(value): try container.encode(value, forKey: .value)
        case let .recordAccessControlPoint(value): try container.encode(value, forKey: .value)
        case let .weightMeasurement(value): try container.encode(value, forKey: .value)
        case let .weightScaleFeature(value): try container.encode(value, forKey: .value)
        case let .bodyCompositionMeasurement(value): try container.encode(value, forKey: .value)
        case let .bodyCompositionFeature(value): try container.encode(value, forKey: .value)
        case let .temperatureMeasurement(value): try container.encode(value, forKey: .value)
        case let .temperatureType(value): try container.encode(value, forKey: .value)
        case let .intermediateTemperature(value): try container.encode(value, forKey: .value)
        case let .deviceInformationString(_, value): try container.encode(value, forKey: .value)
        case let .systemID(value): try container.encode(value.description, forKey: .value)
        case let .batteryLevel(value): try container.encode(value, forKey: .value)
        }
    }
}
