import Foundation
import Testing
@testable import HealthProfiles

/// Ascensia's clock command (Contour Next One), laid out as weliem/blessed-android's `writeContourClock`
/// (BluetoothHandler.java l.280-295): 01, UTC year LE16, month, day, hour, minute, second, offset minutes sint16 LE.
@Suite struct AscensiaClockTests {
    /// 2026-03-29 00:59:30 UTC: one minute before Oslo moves to summer time.
    static let instant = Date(timeIntervalSince1970: 1_774_745_970)

    @Test func theClockIsWrittenInUTCWithTheOffsetInMinutes() {
        // Oslo in winter: +60 minutes; the fields stay UTC (00:59:30), not the local 01:59:30.
        #expect(AscensiaClock.encode(Self.instant, utcOffsetMinutes: 60) == hex("01 EA07 03 1D 00 3B 1E 3C00"))
        // Summer time: +120 minutes.
        #expect(AscensiaClock.encode(Self.instant, utcOffsetMinutes: 120) == hex("01 EA07 03 1D 00 3B 1E 7800"))
        // West of Greenwich the offset is negative (two's complement).
        #expect(AscensiaClock.encode(Self.instant, utcOffsetMinutes: -150) == hex("01 EA07 03 1D 00 3B 1E 6AFF"))
    }

    @Test func aCommandReadsBackAsWritten() throws {
        let value = try #require(AscensiaClock.encode(Self.instant, utcOffsetMinutes: -150))
        let decoded = try #require(AscensiaClock.decode(value))
        #expect(decoded.instant == Self.instant && decoded.utcOffsetMinutes == -150)
    }

    @Test func whatIsNotAClockCommandIsNotRead() {
        #expect(AscensiaClock.decode(hex("02 EA07 03 1D 00 3B 1E 3C00")) == nil)   // another command
        #expect(AscensiaClock.decode(hex("01 EA07 03 1D 00 3B 1E 3C")) == nil)     // short
        #expect(AscensiaClock.decode(hex("01 EA07 02 1E 00 3B 1E 3C00")) == nil)   // 30 February
        #expect(AscensiaClock.encode(Self.instant, utcOffsetMinutes: 40_000) == nil)
    }
}
