import Foundation
import HealthProfiles
import Testing
@testable import Gateway

@Suite struct MeasurementTimeTests {
    let oslo = TimeZone(identifier: "Europe/Oslo")!
    // 2026-11-23 09:00:00 UTC = 10:00 in Oslo (CET, +01:00).
    let received = Date(timeIntervalSince1970: 1_795_424_400)

    func time(_ y: Int?, _ mo: Int?, _ d: Int?, _ h: Int, _ mi: Int, _ s: Int = 0) throws -> DeviceDateTime {
        try DeviceDateTime(year: y, month: mo, day: d, hours: h, minutes: mi, seconds: s)
    }

    @Test func noStampMeansReceiptTime() {
        let result = MeasurementTime.resolve(deviceTime: nil, receivedAt: received, timeZone: oslo, clockOffset: nil)
        #expect(result == MeasurementTime(instant: received, source: .gatewayReceipt, note: nil))
    }

    @Test func localStampIsReadInTheHomeZone() throws {
        let result = MeasurementTime.resolve(
            deviceTime: try time(2026, 11, 23, 9, 30), receivedAt: received, timeZone: oslo, clockOffset: nil)
        #expect(result.source == .deviceClock)
        #expect(result.instant == received.addingTimeInterval(-30 * 60))  // 09:30 Oslo = 08:30 UTC
    }

    @Test func measuredOffsetCorrectsEvenAnUnsetClock() throws {
        // The cuff thinks it is 2000-01-01 00:10 while the hub's clock says 10:00 Oslo; it measured at 00:05.
        let deviceNow = MeasurementTime.instant(of: try time(2000, 1, 1, 0, 10), in: oslo)!
        let offset = deviceNow.timeIntervalSince(received)
        let result = MeasurementTime.resolve(
            deviceTime: try time(2000, 1, 1, 0, 5), receivedAt: received, timeZone: oslo, clockOffset: offset)
        #expect(result.source == .deviceClockCorrected)
        #expect(result.instant == received.addingTimeInterval(-5 * 60))
    }

    @Test func aClockResetMidLifeDatesOldAndNewReadingsSensibly() throws {
        // The cuff's battery was changed: its clock restarted at 2000-01-01 00:00 and now says 00:10. Its
        // memory holds a reading from yesterday (stamped while the clock was right) and two from after the reset.
        let deviceNow = MeasurementTime.instant(of: try time(2000, 1, 1, 0, 10), in: oslo)!
        let offset = deviceNow.timeIntervalSince(received)
        let before = MeasurementTime.resolve(
            deviceTime: try time(2026, 11, 22, 18, 0), receivedAt: received, timeZone: oslo, clockOffset: offset)
        #expect(before.source == .deviceClock)
        #expect(before.instant == MeasurementTime.instant(of: try time(2026, 11, 22, 18, 0), in: oslo))
        let after = MeasurementTime.resolve(
            deviceTime: try time(2000, 1, 1, 0, 2), receivedAt: received, timeZone: oslo, clockOffset: offset)
        #expect(after.source == .deviceClockCorrected)
        #expect(after.instant == received.addingTimeInterval(-8 * 60))
        // A stamp that is wrong either way (before the factory epoch's "now", yet implausible) falls back to receipt.
        let hopeless = MeasurementTime.resolve(
            deviceTime: try time(2000, 1, 2, 0, 0), receivedAt: received, timeZone: oslo, clockOffset: offset)
        #expect(hopeless.source == .gatewayReceipt)
    }

    @Test func aClockThatJumpedForwardDoesNotBackDateOlderReadings() throws {
        // A cuff's read-only clock jumped to 2099 after it stamped yesterday's reading (issue 11, finding 5): the
        // offset measured now (+73 years) must not move that reading to the 1950s.
        let deviceNow = MeasurementTime.instant(of: try time(2099, 6, 1, 12, 0), in: oslo)!
        let offset = deviceNow.timeIntervalSince(received)
        let provisioned = received.addingTimeInterval(-30 * 86_400)
        let yesterday = MeasurementTime.resolve(
            deviceTime: try time(2026, 11, 22, 18, 0), receivedAt: received, timeZone: oslo, clockOffset: offset,
            notBefore: provisioned)
        #expect(yesterday.source == .deviceClock)
        #expect(yesterday.instant == MeasurementTime.instant(of: try time(2026, 11, 22, 18, 0), in: oslo))
        #expect(yesterday.note?.contains("jumped forward") == true)
        // A stamp that is itself before the device was provisioned, as is its corrected time: the previous
        // user's reading (a lent device's memory), kept apart, dated by its own stamp (the clock jumped).
        let older = MeasurementTime.resolve(
            deviceTime: try time(2026, 1, 5, 9, 0), receivedAt: received, timeZone: oslo, clockOffset: offset,
            notBefore: provisioned)
        #expect(older.source == .beforeProvisioning)
        #expect(older.instant == MeasurementTime.instant(of: try time(2026, 1, 5, 9, 0), in: oslo))
        #expect(older.note?.contains("before the device was provisioned") == true)
        #expect(older.clockUnreliable && yesterday.clockUnreliable)
        // A right clock and a reading older than the provisioning (memory the device already held): its corrected
        // time is right, the clock is not at fault; it is the previous user's, kept apart.
        let memory = MeasurementTime.resolve(
            deviceTime: try time(2026, 10, 1, 8, 0), receivedAt: received, timeZone: oslo, clockOffset: 90,
            notBefore: provisioned)
        #expect(memory.source == .beforeProvisioning && !memory.clockUnreliable)
        #expect(memory.instant == MeasurementTime.instant(of: try time(2026, 10, 1, 8, 0), in: oslo)!.addingTimeInterval(-90))
        #expect(memory.note?.contains("measured before the device was provisioned") == true)
        // The same by a clock never set (its stamp cannot confirm it): its corrected time, taken as this patient's.
        let unset = MeasurementTime.resolve(
            deviceTime: try time(2000, 1, 1, 0, 10), receivedAt: received, timeZone: oslo,
            clockOffset: MeasurementTime.instant(of: try time(2000, 1, 1, 0, 10), in: oslo)!.timeIntervalSince(received) + 35 * 86_400,
            notBefore: provisioned)
        #expect(unset.source == .deviceClockCorrected && !unset.clockUnreliable)
        #expect(unset.note == "measured before the device was provisioned")
        // Without a provisioning time, "decades back" alone is enough.
        let unprovisioned = MeasurementTime.resolve(
            deviceTime: try time(2026, 11, 22, 18, 0), receivedAt: received, timeZone: oslo, clockOffset: offset)
        #expect(unprovisioned.source == .deviceClock)
        // A reading taken after the jump is dated by the offset as before.
        let afterJump = MeasurementTime.resolve(
            deviceTime: try time(2099, 6, 1, 11, 55), receivedAt: received, timeZone: oslo, clockOffset: offset,
            notBefore: provisioned)
        #expect(afterJump.source == .deviceClockCorrected)
        #expect(afterJump.instant == received.addingTimeInterval(-5 * 60))
    }

    @Test func readingsStampedBeforeProvisioningArePreviousUsers() throws {
        let provisioned = received.addingTimeInterval(-3600)
        // With the offset measured on this visit (the device's clock 2 minutes fast): corrected and own stamp agree.
        let offset: TimeInterval = 120
        let lent = MeasurementTime.resolve(
            deviceTime: try time(2026, 11, 20, 8, 0), receivedAt: received, timeZone: oslo, clockOffset: offset,
            notBefore: provisioned)
        #expect(lent.source == .beforeProvisioning)
        // Within the 10-minute margin of provisioning: a drifting clock, this patient's reading.
        let margin = MeasurementTime.resolve(
            deviceTime: MeasurementTime.wallClock(of: provisioned.addingTimeInterval(-5 * 60 + offset), in: oslo),
            receivedAt: received, timeZone: oslo, clockOffset: offset, notBefore: provisioned)
        #expect(margin.source == .deviceClockCorrected)
        // Without an offset, the plausible stamp alone decides.
        let stampOnly = MeasurementTime.resolve(
            deviceTime: try time(2026, 11, 20, 8, 0), receivedAt: received, timeZone: oslo, clockOffset: nil,
            notBefore: provisioned)
        #expect(stampOnly.source == .beforeProvisioning)
        // Undated readings cannot be told apart: taken as this patient's.
        let undated = MeasurementTime.resolve(
            deviceTime: nil, receivedAt: received, timeZone: oslo, clockOffset: nil, notBefore: provisioned)
        #expect(undated.source == .gatewayReceipt)
    }

    @Test func unsetClockWithoutOffsetFallsBackToReceipt() throws {
        let result = MeasurementTime.resolve(
            deviceTime: try time(2000, 1, 1, 0, 5), receivedAt: received, timeZone: oslo, clockOffset: nil)
        #expect(result.source == .gatewayReceipt)
        #expect(result.note?.contains("not set") == true)
    }

    @Test func futureAndIncompleteStampsAreNotBelieved() throws {
        let future = MeasurementTime.resolve(
            deviceTime: try time(2026, 11, 24, 9, 0), receivedAt: received, timeZone: oslo, clockOffset: nil)
        #expect(future.source == .gatewayReceipt)
        let incomplete = MeasurementTime.resolve(
            deviceTime: try time(nil, 4, 17, 20, 41), receivedAt: received, timeZone: oslo, clockOffset: nil)
        #expect(incomplete.source == .gatewayReceipt)
        #expect(incomplete.note?.contains("incomplete") == true)
    }

    @Test func wallClockRoundTripsAcrossSummerTime() throws {
        let july = Date(timeIntervalSince1970: 1_783_000_000)
        let wall = try #require(MeasurementTime.wallClock(of: july, in: oslo))
        #expect(MeasurementTime.instant(of: wall, in: oslo) == july)
    }
}
