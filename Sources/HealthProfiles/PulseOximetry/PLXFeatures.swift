/// PLX Features (0x2A60, read): Supported Features uint16, then Measurement Status Support uint16 (if bit 0)
/// and Device and Sensor Status Support uint24 (if bit 1). Bits 8-15 of Supported Features are reserved.
public struct PLXFeatures: Sendable, Hashable, Codable {
    public struct Supported: OptionSet, Sendable, Hashable, Codable {
        public let rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        public static let measurementStatus = Supported(rawValue: 1 << 0)
        public static let deviceAndSensorStatus = Supported(rawValue: 1 << 1)
        public static let spotCheckMeasurementStorage = Supported(rawValue: 1 << 2)
        public static let spotCheckTimestamp = Supported(rawValue: 1 << 3)
        public static let spo2prFast = Supported(rawValue: 1 << 4)
        public static let spo2prSlow = Supported(rawValue: 1 << 5)
        public static let pulseAmplitudeIndex = Supported(rawValue: 1 << 6)
        public static let multipleBonds = Supported(rawValue: 1 << 7)
        static let defined: UInt16 = 0x00FF
    }

    /// The presence bits (0 and 1) are derived from the two optional fields, so they are not stored twice.
    public var supported: Supported
    public var measurementStatusSupport: PLXMeasurementStatus?
    public var deviceAndSensorStatusSupport: PLXDeviceAndSensorStatus?

    public init(
        supported: Supported, measurementStatusSupport: PLXMeasurementStatus? = nil,
        deviceAndSensorStatusSupport: PLXDeviceAndSensorStatus? = nil
    ) {
        self.supported = supported.subtracting([.measurementStatus, .deviceAndSensorStatus])
        if measurementStatusSupport != nil { self.supported.insert(.measurementStatus) }
        if deviceAndSensorStatusSupport != nil { self.supported.insert(.deviceAndSensorStatus) }
        self.measurementStatusSupport = measurementStatusSupport
        self.deviceAndSensorStatusSupport = deviceAndSensorStatusSupport
    }

    public static func decode(_ bytes: some Collection<UInt8>) throws(DecodeError) -> PLXFeatures {
        var reader = ByteReader(bytes, characteristic: GATTCharacteristic.plxFeatures.displayName)
        let raw = try reader.uint16("Supported Features")
        try reader.checkReserved(UInt32(raw), allowed: UInt32(Supported.defined), field: "Supported Features")
        let supported = Supported(rawValue: raw)
        let status = supported.contains(.measurementStatus)
            ? try PLXMeasurementStatus.decode(&reader, field: "Measurement Status Support") : nil
        let device = supported.contains(.deviceAndSensorStatus)
            ? try PLXDeviceAndSensorStatus.decode(&reader, field: "Device and Sensor Status Support") : nil
        try reader.expectEnd()
        return PLXFeatures(supported: supported, measurementStatusSupport: status, deviceAndSensorStatusSupport: device)
    }
}

extension GATTCharacteristic {
    public static let plxFeatures = GATTCharacteristic(
        0x2A60, "PLX Features", access: .read, services: [.pulseOximeter])
}

extension PLXFeatures: HealthCharacteristic {
    public static var characteristic: GATTCharacteristic { .plxFeatures }
}
