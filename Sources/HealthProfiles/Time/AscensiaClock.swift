public import Foundation

/// Ascensia's proprietary clock (Contour Next One): the meter takes the time through its own characteristic, not
/// through Current Time or Date Time.
///
/// Source: weliem/blessed-android @ 44bba83cc4cb, app/src/main/java/com/welie/blessedexample/BluetoothHandler.java:
/// service and characteristic l.101-103; notifications on the characteristic are enabled first (l.157) and the
/// clock is written only once that succeeded (l.165-166), after the glucose subscriptions and before the first
/// RACP request; `writeContourClock` (l.280-295) gives the layout below. xDrip+ declares the same service
/// (NightscoutFoundation/xDrip, services/BluetoothGlucoseMeter.java l.89).
public enum AscensiaClock {
    public static let service = BluetoothUUID("00000000-0002-11e2-9e96-0800200c9a66")!
    public static let characteristic = BluetoothUUID("00001026-0002-11e2-9e96-0800200c9a66")!

    /// The command byte that sets the clock.
    static let setClock: UInt8 = 0x01

    /// `01, year (uint16 LE), month, day, hour, minute, second` — the time in UTC — then the local time's offset
    /// from UTC in minutes (sint16 LE, daylight saving included): 10 bytes. Nil outside the years a uint16 holds.
    public static func encode(_ instant: Date, utcOffsetMinutes: Int) -> [UInt8]? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: instant)
        guard let year = parts.year, let month = parts.month, let day = parts.day, let hour = parts.hour,
              let minute = parts.minute, let second = parts.second,
              let year16 = UInt16(exactly: year), let offset = Int16(exactly: utcOffsetMinutes)
        else { return nil }
        let offsetBits = UInt16(bitPattern: offset)
        return [setClock, UInt8(year16 & 0xFF), UInt8(year16 >> 8)]
            + [month, day, hour, minute, second].map { UInt8(truncatingIfNeeded: $0) }
            + [UInt8(offsetBits & 0xFF), UInt8(offsetBits >> 8)]
    }

    /// The UTC instant and offset a clock command carries (the simulator's meter reads it back); nil when the value
    /// is not a clock command.
    public static func decode(_ value: [UInt8]) -> (instant: Date, utcOffsetMinutes: Int)? {
        guard value.count == 10, value[0] == setClock else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = DateComponents(year: Int(value[1]) | Int(value[2]) << 8, month: Int(value[3]), day: Int(value[4]),
                                   hour: Int(value[5]), minute: Int(value[6]), second: Int(value[7]))
        guard parts.isValidDate(in: calendar), let instant = calendar.date(from: parts) else { return nil }
        return (instant, Int(Int16(bitPattern: UInt16(value[8]) | UInt16(value[9]) << 8)))
    }
}
