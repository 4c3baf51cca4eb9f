/// Day of Week (0x2A09): 0 = unknown, 1 = Monday ... 7 = Sunday; 8...255 are reserved and rejected.
public enum DayOfWeek: UInt8, Sendable, Hashable, Codable, CaseIterable {
    case unknown = 0
    case monday = 1, tuesday, wednesday, thursday, friday, saturday, sunday

    /// The weekday of a complete date (proleptic Gregorian); `.unknown` when year, month or day is unknown.
    public init(of date: DeviceDateTime) {
        guard let seconds = date.secondsSinceEpochOfCalendar,
              let reference = try? DeviceDateTime(year: 2024, month: 1, day: 1, hours: 0, minutes: 0, seconds: 0)
                  .secondsSinceEpochOfCalendar  // 2024-01-01 was a Monday.
        else { self = .unknown; return }
        let days = (seconds / 86_400) - (reference / 86_400)
        let offset = ((days % 7) + 7) % 7
        self = DayOfWeek(rawValue: UInt8(offset) + 1) ?? .unknown
    }

    static func decode(_ raw: UInt8, characteristic: String, field: String) throws(DecodeError) -> DayOfWeek {
        guard let day = DayOfWeek(rawValue: raw) else {
            throw .invalidValue(characteristic: characteristic, field: field, detail: "\(raw) is reserved (0...7 allowed)")
        }
        return day
    }

    /// Decodes a stand-alone Day of Week characteristic value.
    public static func decode(_ bytes: some Collection<UInt8>) throws(DecodeError) -> DayOfWeek {
        var reader = ByteReader(bytes, characteristic: GATTCharacteristic.dayOfWeek.displayName)
        let day = try decode(try reader.uint8("Day of Week"), characteristic: reader.characteristic, field: "Day of Week")
        try reader.expectEnd()
        return day
    }

    public func encoded() -> [UInt8] { [rawValue] }
}

extension GATTCharacteristic {
    public static let dayOfWeek = GATTCharacteristic(
        0x2A09, "Day of Week", access: .read, services: [])
}

extension DayOfWeek: HealthCharacteristic {
    public static var characteristic: GATTCharacteristic { .dayOfWeek }
}
