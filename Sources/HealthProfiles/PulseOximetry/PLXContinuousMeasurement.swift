/// PLX Continuous Measurement (0x2A5F), notified about once a second while the finger is in the oximeter.
///
/// Layout: Flags uint8 | SpO2PR-Normal (SpO2, PR SFLOAT) | SpO2PR-Fast (bit 0) | SpO2PR-Slow (bit 1) |
/// Measurement Status uint16 (bit 2) | Device and Sensor Status uint24 (bit 3) | Pulse Amplitude Index SFLOAT
/// (bit 4). Bits 5-7 are reserved. No time stamp: the gateway's receipt time is the measurement time.
public struct PLXContinuousMeasurement: Sendable, Hashable, Codable {
    /// One SpO2 / pulse-rate pair (normal, fast or slow response averaging).
    public struct SpO2PR: Sendable, Hashable, Codable {
        public var spo2: MedicalFloat
        public var pulseRate: MedicalFloat
        public init(spo2: MedicalFloat, pulseRate: MedicalFloat) {
            self.spo2 = spo2
            self.pulseRate = pulseRate
        }
    }

    public var normal: SpO2PR
    public var fast: SpO2PR?
    public var slow: SpO2PR?
    public var measurementStatus: PLXMeasurementStatus?
    public var deviceAndSensorStatus: PLXDeviceAndSensorStatus?
    public var pulseAmplitudeIndex: MedicalFloat?

    public init(
        normal: SpO2PR, fast: SpO2PR? = nil, slow: SpO2PR? = nil, measurementStatus: PLXMeasurementStatus? = nil,
        deviceAndSensorStatus: PLXDeviceAndSensorStatus? = nil, pulseAmplitudeIndex: MedicalFloat? = nil
    ) {
        self.normal = normal
        self.fast = fast
        self.slow = slow
        self.measurementStatus = measurementStatus
        self.deviceAndSensorStatus = deviceAndSensorStatus
        self.pulseAmplitudeIndex = pulseAmplitudeIndex
    }

    enum Flag {
        static let fast: UInt8 = 1 << 0
        static let slow: UInt8 = 1 << 1
        static let measurementStatus: UInt8 = 1 << 2
        static let deviceAndSensorStatus: UInt8 = 1 << 3
        static let pulseAmplitudeIndex: UInt8 = 1 << 4
        static let defined: UInt8 = 0x1F
    }

    public static func decode(_ bytes: some Collection<UInt8>) throws(DecodeError) -> PLXContinuousMeasurement {
        var reader = ByteReader(bytes, characteristic: GATTCharacteristic.plxContinuousMeasurement.displayName)
        let flags = try reader.uint8("Flags")
        try reader.checkReserved(UInt32(flags), allowed: UInt32(Flag.defined))
        func pair(_ name: String) throws(DecodeError) -> SpO2PR {
            SpO2PR(spo2: try reader.sfloat("\(name).SpO2"), pulseRate: try reader.sfloat("\(name).PR"))
        }
        let normal = try pair("SpO2PR-Normal")
        let fast = flags & Flag.fast != 0 ? try pair("SpO2PR-Fast") : nil
        let slow = flags & Flag.slow != 0 ? try pair("SpO2PR-Slow") : nil
        let status = flags & Flag.measurementStatus != 0 ? try PLXMeasurementStatus.decode(&reader) : nil
        let device = flags & Flag.deviceAndSensorStatus != 0 ? try PLXDeviceAndSensorStatus.decode(&reader) : nil
        let pai = flags & Flag.pulseAmplitudeIndex != 0 ? try reader.sfloat("Pulse Amplitude Index") : nil
        try reader.expectEnd()
        return PLXContinuousMeasurement(
            normal: normal, fast: fast, slow: slow, measurementStatus: status, deviceAndSensorStatus: device,
            pulseAmplitudeIndex: pai)
    }

    public var readings: [Reading] {
        var components = [
            ReadingComponent(.oxygenSaturation, normal.spo2, .percent),
            ReadingComponent(.pulseRate, normal.pulseRate, .perMinute),
        ]
        if let pulseAmplitudeIndex { components.append(ReadingComponent(.perfusionIndex, pulseAmplitudeIndex, .percent)) }
        var qualifiers: [String: String] = [:]
        if let fast {
            qualifiers[ReadingQualifier.spo2Fast] = fast.spo2.description
            qualifiers[ReadingQualifier.pulseFast] = fast.pulseRate.description
        }
        if let slow {
            qualifiers[ReadingQualifier.spo2Slow] = slow.spo2.description
            qualifiers[ReadingQualifier.pulseSlow] = slow.pulseRate.description
        }
        return [Reading(
            kind: .continuousOximetry, characteristic: GATTCharacteristic.plxContinuousMeasurement.rawValue,
            components: components,
            flags: (measurementStatus?.readingFlags ?? []) + (deviceAndSensorStatus?.readingFlags ?? []),
            qualifiers: qualifiers)]
    }
}

extension GATTCharacteristic {
    public static let plxContinuousMeasurement = GATTCharacteristic(
        0x2A5F, "PLX Continuous Measurement", access: .notify, services: [.pulseOximeter])
}

extension PLXContinuousMeasurement: HealthCharacteristic {
    public static var characteristic: GATTCharacteristic { .plxContinuousMeasurement }
    public var frameReadings: [Reading] { readings }
}
