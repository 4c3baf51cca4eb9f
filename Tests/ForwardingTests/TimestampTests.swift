import Foundation
@testable import Forwarding
import HealthProfiles
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct TimestampTests {
    /// Instants from year 1 to 9999, the edges included, with and without milliseconds.
    private static let instants: [Date] = {
        var generator = SystemRandomNumberGenerator()
        let edges: [Double] = [-62_135_596_800, 0, 1, 0.999, 0.9995, 1_765_000_000.123, 253_402_300_799, 951_782_400]
        let random = (0..<2000).map { index in
            let seconds = Double(Int64.random(in: -62_135_596_800...253_402_300_798, using: &generator))
            return index.isMultiple(of: 2) ? seconds : seconds + Double.random(in: 0..<1, using: &generator)
        }
        return (edges + random).map { Date(timeIntervalSince1970: $0) }
    }()

    @Test("UTC and log stamps are what the writer before the byte writer gave (gmtime_r, each field padded as a String)")
    func utcAndLogStampsAsBefore() {
        for date in Self.instants {
            #expect(Timestamp.utc(date) == Self.reference(date, alwaysMilliseconds: false))
            #expect(Timestamp.logStamp(date) == Self.reference(date, alwaysMilliseconds: true))
        }
    }

    @Test("a local stamp is the zone's wall clock with its offset, on both sides of a DST change")
    func localStampsCarryTheOffset() throws {
        let oslo = try #require(TimeZone(identifier: "Europe/Oslo"))
        // 2026-03-29 01:00 UTC: 02:00 CET becomes 03:00 CEST.
        #expect(Timestamp.local(Date(timeIntervalSince1970: 1_774_745_999), in: oslo) == "2026-03-29T01:59:59+01:00")
        #expect(Timestamp.local(Date(timeIntervalSince1970: 1_774_746_000), in: oslo) == "2026-03-29T03:00:00+02:00")
        let india = try #require(TimeZone(identifier: "Asia/Kolkata"))
        #expect(Timestamp.local(Date(timeIntervalSince1970: 0.25), in: india) == "1970-01-01T05:30:00.250+05:30")
        let newfoundland = try #require(TimeZone(identifier: "America/St_Johns"))
        #expect(Timestamp.local(Date(timeIntervalSince1970: 0), in: newfoundland) == "1969-12-31T20:30:00-03:30")
    }

    @Test("a device's wall clock keeps its fields and takes the home's offset")
    func deviceClockStamps() throws {
        let time = try DeviceDateTime(year: 1582, month: 3, day: 9, hours: 7, minutes: 5, seconds: 0)
        #expect(Timestamp.deviceClock(time, offsetSeconds: 3600) == "1582-03-09T07:05:00+01:00")
        #expect(Timestamp.deviceClock(time, offsetSeconds: -12_600) == "1582-03-09T07:05:00-03:30")
        #expect(Timestamp.deviceClock(time, offsetSeconds: 0) == "1582-03-09T07:05:00+00:00")
        let noDay = try DeviceDateTime(year: 2026, month: 3, day: nil, hours: 7, minutes: 5, seconds: 0)
        #expect(Timestamp.deviceClock(noDay, offsetSeconds: 0) == nil)
    }

    /// The String-padding writer the byte writer replaced (issue 16), kept as the test's oracle.
    private static func reference(_ date: Date, alwaysMilliseconds: Bool) -> String {
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let raw = (date.timeIntervalSince1970 * 1000).rounded()
        let totalMilliseconds = Int64(min(max(raw, -62_135_596_800_000), 253_402_300_799_000))
        var seconds = time_t(totalMilliseconds >= 0 ? totalMilliseconds / 1000 : (totalMilliseconds - 999) / 1000)
        let milliseconds = Int(totalMilliseconds - Int64(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var text = "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))"
            + "T\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2))"
        if milliseconds != 0 || alwaysMilliseconds { text += "." + pad(milliseconds, 3) }
        return text + "Z"
    }
}
