import DeviceProfiles
import HealthProfiles

/// The clock characteristics a profile's `time_sync` may name, read and written the same way by the visit:
/// Current Time (0x2A2B: Date Time, day of week, fractions, adjust reason) or Date Time (0x2A08: its first 7 bytes).
enum ClockValue {
    /// The device's clock from the characteristic's value; nil when unreadable or never set.
    static func decode(_ bytes: [UInt8], from characteristic: GATTCharacteristic) -> DeviceDateTime? {
        switch try? CharacteristicDecoder.decode(characteristic, bytes).value {
        case let current as CurrentTime: current.dateTime
        case let dateTime as DeviceDateTime: dateTime
        default: nil
        }
    }

    /// The value that sets the device's clock to `wallClock` through the characteristic.
    static func encode(_ wallClock: DeviceDateTime, for characteristic: GATTCharacteristic) -> [UInt8]? {
        guard let currentTime = try? CurrentTime(setting: wallClock).encoded() else { return nil }
        switch characteristic {
        case .currentTime: return currentTime
        case .dateTime: return Array(currentTime.prefix(7))   // Exact Time 256 begins with the Date Time
        default: return nil
        }
    }
}
