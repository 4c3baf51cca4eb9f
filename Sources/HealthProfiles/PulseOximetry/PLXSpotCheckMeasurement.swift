/// PLX Spot-Check Measurement (0x2A5E), indicated once per completed spot check.
///
/// Layout: Flags uint8 | SpO2 SFLOAT (%) | PR SFLOAT (/min) | Time Stamp (bit 0) | Measurement Status uint16
/// (bit 1) | Device and Sensor Status uint24 (bit 2) | Pulse Amplitude Index SFLOAT (%) (bit 3).
/// Bit 4 "Device Clock is Not Set" qualifies the time stamp; bits 5-7 are reserved.
public struct PLXSpotCheckMeasurement: Sendable, Hashable, Codable {
    public var spo2: MedicalFloat
    public var pulseRate: MedicalFloat
    public var timestamp: DeviceDateTime?
    public var measurementStatus: PLXMeasurementStatus?
    public var deviceAndSensorStatus: PLXDeviceAndSensorStatus?
    public var pulseAmplitudeIndex: MedicalFloat?
    public var deviceClockNotSet: Bool

    public init(
        spo2: MedicalFloat, pulseRate: MedicalFloat, timestamp: DeviceDateTime? = nil,
        measurementStatus: PLXMeasurementStatus? = nil, deviceAndSensorStatus: PLXDeviceAndSensorStatus? = nil,
        pulseAmplitudeIndex: MedicalFloat? = nil, deviceClockNotSet: Bool = false
    ) {
        self.spo2 = spo2
        self.pulseRate = pulseRate
        self.timestamp = timestamp
        self.measurementStatus = measurementStatus
        self.deviceAndSensorStatus = deviceAndSensorStatus
        self.pulseAmplitudeIndex = pulseAmplitudeIndex
        self.deviceClockNotSet = deviceClockNotSet
    }

    enum Flag {
        static let timestamp: UInt8 = 1 << 0
        static let measurementStatus: UInt8 = 1 << 1
        static let deviceAndSensorStatus: UInt8 = 1 << 2
        static let pulseAmplitudeIndex: UInt8 = 1 << 3
        static let deviceClockNotSet: UInt8 = 1 << 4
        static let defined: UInt8 = 0x1F
    }

    public static func decode(_ bytes: some Collection<UInt8>) throws(DecodeError) -> PLXSpotCheckMeasurement {
        var reader = ByteReader(bytes, characteristic: GATTCharacteristic.plxSpotCheckMeasurement.displayName)
        let flags = try reader.uint8("Flags")
        try reader.checkReserved(UInt32(flags), allowed: UInt32(Flag.defined))
        let spo2 = try reader.sfloat("SpO2PR-Spot-Check.SpO2")
        let pulse = try reader.sfloat("SpO2PR-Spot-Check.PR")
        let timestamp = flags & Flag.timestamp != 0 ? try reader.dateTime("Time Stamp") : nil
        let status = flags & Flag.measurementStatus != 0 ? try PLXMeasurementStatus.decode(&reader) : nil
        let device = flags & Flag.deviceAndSensorStatus != 0 ? try PLXDeviceAndSensorStatus.decode(&reader) : nil
        let pai = flags & Flag.pulseAmplitudeIndex != 0 ? try reader.sfloat("Pulse Amplitude Index") : nil
        try reader.expectEnd()
        return PLXSpotCheckMeasurement(
            spo2: spo2, pulseRate: pulse, timestamp: timestamp, measurementStatus: status,
            deviceAndSensorStatus: device, pulseAmplitudeIndex: pai, deviceClockNotSet: flags & Flag.deviceClockNotSet != 0)
    }

    public var readings: [Reading] {
        var components = [
            ReadingComponent(.oxygenSaturation, spo2, .percent),
            ReadingComponent(.pulseRate, pulseRate, .perMinute),
        ]
        if let pulseAmplitudeIndex { components.append(ReadingComponent(.perfusionIndex, pulseAmplitudeIndex, .percent)) }
        var flags = (measurementStatus?.readingFlags ?? []) + (deviceAndSensorStatus?.readingFlags ?? [])
        if deviceClockNotSet { flags.append(.deviceClockNotSet) }
        return [Reading(
            kind: .spotCheckOximetry, characteristic: GATTCharacteristic.plxSpotCheckMeasurement.rawValue,
            deviceTime: timestamp, components: components, flags: flags)]
    }
}

extension GATTCharacteristic {
    public static let plxSpotCheckMeasurement = GATTCharacteristic(
        0x2A5E, "PLX Spot-Check Measurement", access: .indicate, services: [.pulseOximeter])
}

extension PLXSpotCheckMeasurement: HealthCharacteristic {
    public static var characteristic: GATTCharacteristic { .plxSpotCheckMeasurement }
    public var frameReadings: [Reading] { readings }
}
