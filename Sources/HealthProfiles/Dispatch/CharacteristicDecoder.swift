/// Decodes any characteristic value the gateway subscribes to or reads, by its assigned number.
///
/// For the Record Access Control Point this decodes what the device indicates (a response); requests the
/// gateway writes are built with `RACPRequest` and decoded on the device side with `RACPRequest.decode`.
public enum CharacteristicDecoder {
    public static func decode(_ characteristic: GATTCharacteristic, _ bytes: some Collection<UInt8>) throws(DecodeError)
        -> DecodedCharacteristic
    {
        switch characteristic {
        case .dateTime: return .dateTime(try DeviceDateTime.decode(bytes))
        case .dayOfWeek: return .dayOfWeek(try DayOfWeek.decode(bytes))
        case .currentTime: return .currentTime(try CurrentTime.decode(bytes))
        case .bloodPressureMeasurement: return .bloodPressureMeasurement(try BloodPressureMeasurement.decode(bytes))
        case .intermediateCuffPressure: return .intermediateCuffPressure(try IntermediateCuffPressure.decode(bytes))
        case .bloodPressureFeature: return .bloodPressureFeature(try BloodPressureFeature.decode(bytes))
        case .enhancedBloodPressureMeasurement:
            return .enhancedBloodPressureMeasurement(try EnhancedBloodPressureMeasurement.decode(bytes))
        case .plxSpotCheckMeasurement: return .plxSpotCheckMeasurement(try PLXSpotCheckMeasurement.decode(bytes))
        case .plxContinuousMeasurement: return .plxContinuousMeasurement(try PLXContinuousMeasurement.decode(bytes))
        case .plxFeatures: return .plxFeatures(try PLXFeatures.decode(bytes))
        case .glucoseMeasurement: return .glucoseMeasurement(try GlucoseMeasurement.decode(bytes))
        case .glucoseMeasurementContext: return .glucoseMeasurementContext(try GlucoseMeasurementContext.decode(bytes))
        case .glucoseFeature: return .glucoseFeature(try GlucoseFeature.decode(bytes))
        case .recordAccessControlPoint: return .recordAccessControlPoint(try RACPResponse.decode(bytes))
        case .weightMeasurement: return .weightMeasurement(try WeightMeasurement.decode(bytes))
        case .weightScaleFeature: return .weightScaleFeature(try WeightScaleFeature.decode(bytes))
        case .bodyCompositionMeasurement: return .bodyCompositionMeasurement(try BodyCompositionMeasurement.decode(bytes))
        case .bodyCompositionFeature: return .bodyCompositionFeature(try BodyCompositionFeature.decode(bytes))
        case .temperatureMeasurement: return .temperatureMeasurement(try TemperatureMeasurement.decode(bytes))
        case .temperatureType: return .temperatureType(try TemperatureType.decode(bytes))
        case .intermediateTemperature: return .intermediateTemperature(try IntermediateTemperature.decode(bytes))
        case .manufacturerNameString, .modelNumberString, .serialNumberString, .hardwareRevisionString,
             .firmwareRevisionString, .softwareRevisionString:
            return .deviceInformationString(characteristic, try DeviceInformationString.decode(bytes, as: characteristic))
        case .systemID: return .systemID(try SystemID.decode(bytes))
        case .batteryLevel: return .batteryLevel(try BatteryLevel.decode(bytes))
        }
    }

    /// Decodes by UUID as BlueZ reports it ("00002a35-0000-1000-8000-00805f9b34fb").
    public static func decode(uuid: BluetoothUUID, _ bytes: some Collection<UInt8>) throws(DecodeError) -> DecodedCharacteristic {
        guard let short = uuid.short, let characteristic = GATTCharacteristic(rawValue: short) else {
            throw .unsupportedCharacteristic(uuid: uuid.string)
        }
        return try decode(characteristic, bytes)
    }
}
