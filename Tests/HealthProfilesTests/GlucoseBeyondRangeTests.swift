import Testing
@testable import HealthProfiles

/// LO / HI: a glucose the meter cannot quantify is a result beyond its measuring range, not a device error.
@Suite struct GlucoseBeyondRangeTests {
    /// An Accu-Chek Guide's LO record as in the mySugr HCI snoop (jbravo94/simple-ble-glucose-reader
    /// misc/mysugr_dump/btsnoop_hci.log, /work/notes/glucometer-research.md B4): flags 0x0B (time offset, concentration
    /// in kg/L, status), sequence 12, SFLOAT 0x0802 (−∞), type/location 0xF8, status 0x0040 ("result lower than the
    /// device can process"). The notes give the layout and these values; the base time and the +60 min offset are
    /// those of the trace's record 4 (`0b 0400 e507 0a 13 08 03 23 3c00 58b0 f8 0000`), whose other fields agree.
    static let guideLowFrame = hex("0B 0C00 E507 0A 13 08 03 23 3C00 0208 F8 4000")

    @Test func theGuidesLowRecordIsBelowTheRangeAndReliable() throws {
        let measurement = try GlucoseMeasurement.decode(Self.guideLowFrame)
        #expect(measurement.sequenceNumber == 12)
        #expect(measurement.concentration?.value == .negativeInfinity)
        #expect(measurement.sensorStatus == .resultLowerThanDeviceCanProcess)
        #expect(measurement.beyondRangeSide == .below)
        let reading = try #require(measurement.readings.first)
        #expect(reading.component(.glucose)?.value == .beyondRange(.below))
        #expect(reading.component(.glucose)?.unit == .milligramPerDecilitre)
        #expect(reading.flags == [.resultLowerThanDeviceCanProcess])
        #expect(reading.isReliable, "a LO is a finding, not a device error: \(reading.unreliabilityReasons)")
        #expect(reading.component(.glucose)?.value.dataAbsentReason == .negativeInfinity)
        expectByteRoundTrip(.glucoseMeasurement, Self.guideLowFrame)
    }

    @Test func highIsPlusInfinityWithTheHigherBit() throws {
        // +∞ (0x07FE) with 0x0020 "result higher than the device can process".
        let reading = try #require(try GlucoseMeasurement.decode(hex("0A 0D00 E507 0A 13 08 03 23 FE07 F8 2000")).readings.first)
        #expect(reading.component(.glucose)?.value == .beyondRange(.above))
        #expect(reading.isReliable)
        #expect(reading.component(.glucose)?.value.dataAbsentReason == .positiveInfinity)
    }

    @Test func anInfinityFromAMeterWithoutStatusIsBeyondTheRange() throws {
        // Flags 0x02: concentration only, no status field — the sign is all such a meter can say.
        let reading = try #require(try GlucoseMeasurement.decode(hex("02 0E00 E507 0A 13 08 03 23 0208 F8")).readings.first)
        #expect(reading.component(.glucose)?.value == .beyondRange(.below))
    }

    @Test func anInfinityTheStatusContradictsStaysADeviceError() throws {
        // Status present but without the matching bit: no range bit, the opposite bit, or both bits.
        for status in ["0000", "2000", "6000", "0200"] {
            let reading = try #require(try GlucoseMeasurement.decode(hex("0A 0F00 E507 0A 13 08 03 23 0208 F8 \(status)")).readings.first)
            #expect(reading.component(.glucose)?.value == .absent(.negativeInfinity), "status \(status)")
            #expect(!reading.isReliable, "status \(status)")
        }
        // NaN with the lower bit is an error too: only an infinity says "beyond".
        let nan = try #require(try GlucoseMeasurement.decode(hex("0A 1000 E507 0A 13 08 03 23 FF07 F8 4000")).readings.first)
        #expect(nan.component(.glucose)?.value == .absent(.notANumber))
    }
}
