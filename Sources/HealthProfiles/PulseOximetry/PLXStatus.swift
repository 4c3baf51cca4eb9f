/// PLX Measurement Status (uint16). Bits 0-4 are reserved.
public struct PLXMeasurementStatus: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let measurementOngoing = PLXMeasurementStatus(rawValue: 1 << 5)
    public static let earlyEstimatedData = PLXMeasurementStatus(rawValue: 1 << 6)
    public static let validatedData = PLXMeasurementStatus(rawValue: 1 << 7)
    public static let fullyQualifiedData = PLXMeasurementStatus(rawValue: 1 << 8)
    public static let dataFromMeasurementStorage = PLXMeasurementStatus(rawValue: 1 << 9)
    public static let dataForDemonstration = PLXMeasurementStatus(rawValue: 1 << 10)
    public static let dataForTesting = PLXMeasurementStatus(rawValue: 1 << 11)
    public static let calibrationOngoing = PLXMeasurementStatus(rawValue: 1 << 12)
    public static let measurementUnavailable = PLXMeasurementStatus(rawValue: 1 << 13)
    public static let questionableMeasurementDetected = PLXMeasurementStatus(rawValue: 1 << 14)
    public static let invalidMeasurementDetected = PLXMeasurementStatus(rawValue: 1 << 15)
    static let defined: UInt16 = 0xFFE0

    static let flagMap: [(PLXMeasurementStatus, ReadingFlag)] = [
        (.measurementOngoing, .measurementOngoing), (.earlyEstimatedData, .earlyEstimatedData),
        (.validatedData, .validatedData), (.fullyQualifiedData, .fullyQualifiedData),
        (.dataFromMeasurementStorage, .dataFromMeasurementStorage), (.dataForDemonstration, .dataForDemonstration),
        (.dataForTesting, .dataForTesting), (.calibrationOngoing, .calibrationOngoing),
        (.measurementUnavailable, .measurementUnavailable),
        (.questionableMeasurementDetected, .questionableMeasurementDetected),
        (.invalidMeasurementDetected, .invalidMeasurementDetected),
    ]

    public var readingFlags: [ReadingFlag] { Self.flagMap.filter { contains($0.0) }.map(\.1) }

    static func decode(_ reader: inout ByteReader, field: String = "Measurement Status") throws(DecodeError) -> Self {
        let raw = try reader.uint16(field)
        try reader.checkReserved(UInt32(raw), allowed: UInt32(defined), field: field)
        return Self(rawValue: raw)
    }
}

/// PLX Device and Sensor Status (uint24). Bits 16-23 are reserved.
public struct PLXDeviceAndSensorStatus: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let extendedDisplayUpdateOngoing = Self(rawValue: 1 << 0)
    public static let equipmentMalfunctionDetected = Self(rawValue: 1 << 1)
    public static let signalProcessingIrregularityDetected = Self(rawValue: 1 << 2)
    public static let inadequateSignalDetected = Self(rawValue: 1 << 3)
    public static let poorSignalDetected = Self(rawValue: 1 << 4)
    public static let lowPerfusionDetected = Self(rawValue: 1 << 5)
    public static let erraticSignalDetected = Self(rawValue: 1 << 6)
    public static let nonpulsatileSignalDetected = Self(rawValue: 1 << 7)
    public static let questionablePulseDetected = Self(rawValue: 1 << 8)
    public static let signalAnalysisOngoing = Self(rawValue: 1 << 9)
    public static let sensorInterferenceDetected = Self(rawValue: 1 << 10)
    public static let sensorUnconnectedToUser = Self(rawValue: 1 << 11)
    public static let unknownSensorConnected = Self(rawValue: 1 << 12)
    public static let sensorDisplaced = Self(rawValue: 1 << 13)
    public static let sensorMalfunctioning = Self(rawValue: 1 << 14)
    public static let sensorDisconnected = Self(rawValue: 1 << 15)
    static let defined: UInt32 = 0xFFFF

    static let flagMap: [(PLXDeviceAndSensorStatus, ReadingFlag)] = [
        (.extendedDisplayUpdateOngoing, .extendedDisplayUpdateOngoing),
        (.equipmentMalfunctionDetected, .equipmentMalfunctionDetected),
        (.signalProcessingIrregularityDetected, .signalProcessingIrregularityDetected),
        (.inadequateSignalDetected, .inadequateSignalDetected), (.poorSignalDetected, .poorSignalDetected),
        (.lowPerfusionDetected, .lowPerfusionDetected), (.erraticSignalDetected, .erraticSignalDetected),
        (.nonpulsatileSignalDetected, .nonpulsatileSignalDetected), (.questionablePulseDetected, .questionablePulseDetected),
        (.signalAnalysisOngoing, .signalAnalysisOngoing), (.sensorInterferenceDetected, .sensorInterferenceDetected),
        (.sensorUnconnectedToUser, .sensorUnconnectedToUser), (.unknownSensorConnected, .unknownSensorConnected),
        (.sensorDisplaced, .sensorDisplaced), (.sensorMalfunctioning, .sensorMalfunctioning),
        (.sensorDisconnected, .sensorDisconnected),
    ]

    public var readingFlags: [ReadingFlag] { Self.flagMap.filter { contains($0.0) }.map(\.1) }

    static func decode(_ reader: inout ByteReader, field: String = "Device and Sensor Status") throws(DecodeError) -> Self {
        let raw = try reader.uint24(field)
        try reader.checkReserved(raw, allowed: defined, field: field)
        return Self(rawValue: raw)
    }
}
