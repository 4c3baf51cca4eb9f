/// Glucose Sensor Status Annunciation (uint16). Bits 12-15 are reserved.
public struct GlucoseSensorStatus: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let deviceBatteryLow = Self(rawValue: 1 << 0)
    public static let sensorMalfunction = Self(rawValue: 1 << 1)
    public static let sampleSizeInsufficient = Self(rawValue: 1 << 2)
    public static let stripInsertionError = Self(rawValue: 1 << 3)
    public static let stripTypeIncorrect = Self(rawValue: 1 << 4)
    public static let resultHigherThanDeviceCanProcess = Self(rawValue: 1 << 5)
    public static let resultLowerThanDeviceCanProcess = Self(rawValue: 1 << 6)
    public static let sensorTemperatureTooHigh = Self(rawValue: 1 << 7)
    public static let sensorTemperatureTooLow = Self(rawValue: 1 << 8)
    public static let sensorReadInterrupted = Self(rawValue: 1 << 9)
    public static let generalDeviceFault = Self(rawValue: 1 << 10)
    public static let timeFault = Self(rawValue: 1 << 11)
    static let defined: UInt16 = 0x0FFF

    static let flagMap: [(GlucoseSensorStatus, ReadingFlag)] = [
        (.deviceBatteryLow, .deviceBatteryLow), (.sensorMalfunction, .sensorMalfunction),
        (.sampleSizeInsufficient, .sampleSizeInsufficient), (.stripInsertionError, .stripInsertionError),
        (.stripTypeIncorrect, .stripTypeIncorrect),
        (.resultHigherThanDeviceCanProcess, .resultHigherThanDeviceCanProcess),
        (.resultLowerThanDeviceCanProcess, .resultLowerThanDeviceCanProcess),
        (.sensorTemperatureTooHigh, .sensorTemperatureTooHigh), (.sensorTemperatureTooLow, .sensorTemperatureTooLow),
        (.sensorReadInterrupted, .sensorReadInterrupted), (.generalDeviceFault, .generalDeviceFault),
        (.timeFault, .timeFault),
    ]

    public var readingFlags: [ReadingFlag] { Self.flagMap.filter { contains($0.0) }.map(\.1) }
}
