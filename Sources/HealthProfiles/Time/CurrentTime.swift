/// Current Time (0x2A2B) of the Current Time Service: Exact Time 256 plus the reason for the last adjustment.
///
/// Layout: Date Time (7) | Day of Week (1) | Fractions256 (1, 1/256 s) | Adjust Reason (1). The gateway
/// reads it to learn a device's clock offset and writes it to set the device clock.
public struct CurrentTime: Sendable, Hashable, Codable {
    public var dateTime: DeviceDateTime
    public var dayOfWeek: DayOfWeek
    /// Fractions of a second in 1/256 s.
    public var fractions256: UInt8
    public var adjustReason: AdjustReason

    public struct AdjustReason: OptionSet, Sendable, Hashable, Codable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let manualTimeUpdate = AdjustReason(rawValue: 1 << 0)
        public static let externalReferenceTimeUpdate = AdjustReason(rawValue: 1 << 1)
        public static let changeOfTimeZone = AdjustReason(rawValue: 1 << 2)
        public static let changeOfDST = AdjustReason(rawValue: 1 << 3)
        static let defined: UInt8 = 0x0F
    }

    public init(dateTime: DeviceDateTime, dayOfWeek: DayOfWeek, fractions256: UInt8 = 0, adjustReason: AdjustReason = []) {
        self.dateTime = dateTime
        self.dayOfWeek = dayOfWeek
        self.fractions256 = fractions256
        self.adjustReason = adjustReason
    }

    /// The value the gateway writes to set a device clock: the day of week is derived from the date.
    public init(setting dateTime: DeviceDateTime, fractions256: UInt8 = 0, adjustReason: AdjustReason = .externalReferenceTimeUpdate) {
        self.init(dateTime: dateTime, dayOfWeek: DayOfWeek(of: dateTime), fractions256: fractions256, adjustReason: adjustReason)
    }

    public static func decode(_ bytes: some Collection<UInt8>) throws(DecodeError) -> CurrentTime {
        var reader = ByteReader(bytes, characteristic: GATTCharacteristic.currentTime.displayName)
        let dateTime = try reader.dateTime("Exact Time 256.Date Time")
        let day = try DayOfWeek.decode(
            try reader.uint8("Exact Time 256.Day of Week"), characteristic: reader.characteristic,
            field: "Exact Time 256.Day of Week")
        let fractions = try reader.uint8("Exact Time 256.Fractions256")
        let reason = try reader.uint8("Adjust Reason")
        try reader.checkReserved(UInt32(reason), allowed: UInt32(AdjustReason.defined), field: "Adjust Reason")
        try reader.expectEnd()
        return CurrentTime(dateTime: dateTime, dayOfWeek: day, fractions256: fractions, adjustReason: AdjustReason(rawValue: reason))
    }
}

extension GATTCharacteristic {
    public static let currentTime = GATTCharacteristic(
        0x2A2B, "Current Time", access: [.read, .notify, .write], services: [.currentTime])
}

extension CurrentTime: HealthCharacteristic {
    public static var characteristic: GATTCharacteristic { .currentTime }
}
