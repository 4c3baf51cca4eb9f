/// Every characteristic type the gateway decodes: one line per characteristic. Adding a characteristic is its
/// file (the type conforming to `HealthCharacteristic`, its `GATTCharacteristic` number) plus one line here.
///
/// The order is the assigned-number table's historical order: `GATTCharacteristic.allCases` follows it, and the
/// fuzz target folds unknown selectors onto it, so reordering would re-aim existing fuzz inputs.
public enum CharacteristicRegistry {
    public static let types: [any HealthCharacteristic.Type] = [
        DeviceDateTime.self,
        DayOfWeek.self,
        TemperatureMeasurement.self,
        TemperatureType.self,
        IntermediateTemperature.self,
        GlucoseMeasurement.self,
        BatteryLevel.self,
        SystemID.self,
        ModelNumberString.self,
        SerialNumberString.self,
        FirmwareRevisionString.self,
        HardwareRevisionString.self,
        SoftwareRevisionString.self,
        ManufacturerNameString.self,
        CurrentTime.self,
        GlucoseMeasurementContext.self,
        BloodPressureMeasurement.self,
        IntermediateCuffPressure.self,
        BloodPressureFeature.self,
        GlucoseFeature.self,
        RACPResponse.self,
        PLXSpotCheckMeasurement.self,
        PLXContinuousMeasurement.self,
        PLXFeatures.self,
        BodyCompositionFeature.self,
        BodyCompositionMeasurement.self,
        WeightMeasurement.self,
        WeightScaleFeature.self,
        EnhancedBloodPressureMeasurement.self,
    ]

    /// By assigned number. A duplicate number keeps the first entry (the registry test fails on duplicates).
    private static let byNumber: [UInt16: any HealthCharacteristic.Type] = Dictionary(
        types.map { ($0.characteristic.rawValue, $0) }, uniquingKeysWith: { first, _ in first })

    public static func type(for number: UInt16) -> (any HealthCharacteristic.Type)? { byNumber[number] }
}
