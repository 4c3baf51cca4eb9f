import Testing
@testable import HealthProfiles
import SeededRandom

@Suite struct BloodPressureTests {
    static let name = GATTCharacteristic.bloodPressureMeasurement.displayName

    /// Example frame of shared/README.md, identical to the "full" vector of
    /// NordicSemiconductor/Android-BLE-Common-Library
    /// ble-common/src/test/java/no/nordicsemi/android/ble/common/callback/bps/BloodPressureMeasurementDataCallbackTest.java
    /// (138/88 MAP 120 mmHg, year unknown, 17 Apr 20:41:59, pulse 60, user 1, status 0b100111).
    static let fullFrame = hex("1E 8A00 5800 7800 0000 04 11 14 29 3B 3C00 01 2700")

    @Test func fullFrame() throws {
        let value = try BloodPressureMeasurement.decode(Self.fullFrame)
        #expect(value.unit == .millimetreOfMercury)
        #expect(value.systolic == sfloat(138))
        #expect(value.diastolic == sfloat(88))
        #expect(value.meanArterialPressure == sfloat(120))
        #expect(value.timestamp == date(nil, 4, 17, 20, 41, 59))
        #expect(value.pulseRate == sfloat(60))
        #expect(value.userID == 1)
        #expect(value.measurementStatus?.rawValue == 0x0027)
        #expect(value.measurementStatus?.pulseRateRange == .withinRange)
        #expect(!value.isErrorFrame)

        let reading = try #require(value.readings.first)
        #expect(reading.kind == .bloodPressure)
        #expect(reading.characteristic == 0x2A35)
        #expect(reading.component(.systolicPressure) == ReadingComponent(.systolicPressure, .number(DecimalNumber(138)), .millimetreOfMercury))
        #expect(reading.component(.diastolicPressure)?.value == .number(DecimalNumber(88)))
        #expect(reading.component(.meanArterialPressure)?.value == .number(DecimalNumber(120)))
        #expect(reading.component(.pulseRate) == ReadingComponent(.pulseRate, .number(DecimalNumber(60)), .perMinute))
        #expect(reading.userID == 1)
        #expect(reading.deviceTime == date(nil, 4, 17, 20, 41, 59))
        #expect(Set(reading.flags) == [.bodyMovement, .cuffTooLoose, .irregularPulse, .improperMeasurementPosition])
        #expect(!reading.isReliable)  // body movement and a loose cuff make it a control-measurement case
        expectByteRoundTrip(.bloodPressureMeasurement, Self.fullFrame)
    }

    /// The real cuff error frame of shared/README.md: every value NaN. It must decode as an error frame whose
    /// components are absent(not-a-number), never as 2047/2047.
    @Test func realAllNaNErrorFrame() throws {
        let frame = hex("16 FF07 FF07 FF07 E807 06 17 0E 23 0A FF07 0000")
        let value = try BloodPressureMeasurement.decode(frame)
        #expect(value.systolic == .notANumber)
        #expect(value.diastolic == .notANumber)
        #expect(value.meanArterialPressure == .notANumber)
        #expect(value.pulseRate == .notANumber)
        #expect(value.timestamp == date(2024, 6, 23, 14, 35, 10))
        #expect(value.userID == nil)
        #expect(value.measurementStatus == [])
        #expect(value.isErrorFrame)
        let reading = try #require(value.readings.first)
        #expect(reading.components.allSatisfy { $0.value == .absent(.notANumber) })
        #expect(reading.components.allSatisfy { $0.value.number == nil })
        #expect(!reading.isReliable)
        #expect(reading.unreliabilityReasons.contains("systolic-not-a-number"))
        expectByteRoundTrip(.bloodPressureMeasurement, frame)
    }

    /// Nordic's "some" vector (same file): kPa 18.9/11/15.9, pulse 60, status 0b010010 (cuff loose, pulse
    /// below lower limit). Checked by hand: 0xF0BD = 189 x 10^-1, 0xF09F = 159 x 10^-1.
    @Test func kilopascalWithPulseBelowLowerLimit() throws {
        let frame = hex("15 BDF0 0B00 9FF0 3C00 1200")
        let value = try BloodPressureMeasurement.decode(frame)
        #expect(value.unit == .kilopascal)
        #expect(value.systolic == sfloat(189, -1))
        #expect(value.diastolic == sfloat(11))
        #expect(value.meanArterialPressure == sfloat(159, -1))
        #expect(value.timestamp == nil)
        #expect(value.userID == nil)
        #expect(value.measurementStatus?.pulseRateRange == .belowLowerLimit)
        let reading = try #require(value.readings.first)
        #expect(reading.component(.systolicPressure)?.unit == .kilopascal)
        #expect(reading.component(.systolicPressure)?.value.number?.description == "18.9")
        #expect(Set(reading.flags) == [.cuffTooLoose, .pulseRateBelowLowerLimit])
        expectByteRoundTrip(.bloodPressureMeasurement, frame)
    }

    /// Nordic's "minimal" vector (same file): flags 0, compound value only.
    @Test func minimalFrame() throws {
        let value = try BloodPressureMeasurement.decode(hex("00 BDF0 0B00 9FF0"))
        #expect(value == BloodPressureMeasurement(
            unit: .millimetreOfMercury, systolic: sfloat(189, -1), diastolic: sfloat(11), meanArterialPressure: sfloat(159, -1)))
        #expect(value.readings.first?.components.count == 3)
        #expect(value.readings.first?.isReliable == true)
    }

    @Test func pulseRateAboveUpperLimit() throws {
        let value = try BloodPressureMeasurement.decode(hex("10 8A00 5800 7800 0800"))
        #expect(value.measurementStatus?.pulseRateRange == .exceedsUpperLimit)
        #expect(value.readings.first?.flags == [.pulseRateAboveUpperLimit])
        #expect(value.readings.first?.isReliable == true)  // a finding for the nurse, not a broken value
    }

    @Test func truncatedAtEveryField() {
        expectTruncation(.bloodPressureMeasurement, Self.fullFrame, fields: [
            "Flags", "Compound Value.Systolic", "Compound Value.Systolic", "Compound Value.Diastolic",
            "Compound Value.Diastolic", "Compound Value.Mean Arterial Pressure", "Compound Value.Mean Arterial Pressure",
            "Time Stamp.Year", "Time Stamp.Year", "Time Stamp.Month", "Time Stamp.Day", "Time Stamp.Hours",
            "Time Stamp.Minutes", "Time Stamp.Seconds", "Pulse Rate", "Pulse Rate", "User ID", "Measurement Status",
            "Measurement Status",
        ])
        // Nordic's invalid vectors: 6 bytes (compound value cut), and timestamp flag without a timestamp.
        #expect(decodeError(.bloodPressureMeasurement, [1, 2, 3, 4, 5, 6]) == .truncated(
            characteristic: Self.name, field: "Compound Value.Mean Arterial Pressure", needed: 2, available: 1))
        #expect(decodeError(.bloodPressureMeasurement, [3, 2, 3, 4, 5, 6, 7]) == .truncated(
            characteristic: Self.name, field: "Time Stamp.Year", needed: 2, available: 0))
    }

    @Test func overLongFrameIsRejected() {
        #expect(decodeError(.bloodPressureMeasurement, Self.fullFrame + [0x00]) == .trailingBytes(characteristic: Self.name, count: 1))
        // Flags announcing less than is sent: the pulse rate would be silently ignored, so it is an error.
        #expect(decodeError(.bloodPressureMeasurement, hex("00 8A00 5800 7800 3C00")) == .trailingBytes(characteristic: Self.name, count: 2))
    }

    @Test(arguments: [0x20, 0x40, 0x80, 0xE0] as [UInt8])
    func reservedFlagBitsAreRejected(bit: UInt8) {
        #expect(decodeError(.bloodPressureMeasurement, [bit | 0x00] + hex("8A00 5800 7800")) == .reservedFlags(
            characteristic: Self.name, field: "Flags", bits: UInt32(bit)))
    }

    @Test func reservedStatusBitsAndPulseRangeAreRejected() {
        #expect(decodeError(.bloodPressureMeasurement, hex("10 8A00 5800 7800 4000")) == .reservedFlags(
            characteristic: Self.name, field: "Measurement Status", bits: 0x40))
        #expect(decodeError(.bloodPressureMeasurement, hex("10 8A00 5800 7800 1800")) == .invalidValue(
            characteristic: Self.name, field: "Measurement Status.Pulse Rate Range", detail: "value 3 is reserved"))
    }

    @Test func impossibleTimestampIsRejected() {
        #expect(decodeError(.bloodPressureMeasurement, hex("02 8A00 5800 7800 E807 02 1E 14 29 3B")) == .invalidDate(
            characteristic: Self.name, field: "Time Stamp.Day", value: 30))
        #expect(decodeError(.bloodPressureMeasurement, hex("02 8A00 5800 7800 E807 02 01 18 00 00")) == .invalidDate(
            characteristic: Self.name, field: "Time Stamp.Hours", value: 24))
    }

    /// NordicSemiconductor/Android-BLE-Common-Library
    /// ble-common/src/test/java/no/nordicsemi/android/ble/common/callback/bps/IntermediateCuffPressureDataCallbackTest.java
    @Test func intermediateCuffPressure() throws {
        let full = hex("1E 0400 0000 0000 0000 04 11 14 29 3B 3C00 01 2700")
        let value = try IntermediateCuffPressure.decode(full)
        #expect(value.currentCuffPressure == sfloat(4))
        #expect(value.unit == .millimetreOfMercury)
        #expect(value.pulseRate == sfloat(60))
        #expect(value.userID == 1)
        #expect(value.timestamp == date(nil, 4, 17, 20, 41, 59))
        #expect(value.readings.isEmpty)  // live progress, never stored
        expectByteRoundTrip(.intermediateCuffPressure, full)

        let kPa = try IntermediateCuffPressure.decode(hex("15 6FF0 0000 0000 3C00 1200"))
        #expect(kPa.currentCuffPressure == sfloat(111, -1))
        #expect(kPa.unit == .kilopascal)
        #expect(kPa.measurementStatus?.pulseRateRange == .belowLowerLimit)

        let minimal = try IntermediateCuffPressure.decode(hex("00 D7F0 0000 0000"))
        #expect(minimal.currentCuffPressure == sfloat(215, -1))
        #expect(decodeError(.intermediateCuffPressure, [1, 2, 3, 4, 5, 6]) == .truncated(
            characteristic: GATTCharacteristic.intermediateCuffPressure.displayName,
            field: "Compound Value.Mean Arterial Pressure", needed: 2, available: 1))
        #expect(try CharacteristicDecoder.decode(.intermediateCuffPressure, full).readings.isEmpty)
    }

    @Test func feature() throws {
        #expect(try BloodPressureFeature.decode(hex("2100")) == [.bodyMovementDetection, .multipleBonds])
        #expect(try BloodPressureFeature.decode(hex("FF01")).contains(.userFacingTime))
        #expect(decodeError(.bloodPressureFeature, hex("0002")) == .reservedFlags(
            characteristic: GATTCharacteristic.bloodPressureFeature.displayName, field: "Blood Pressure Feature", bits: 0x200))
        #expect(decodeError(.bloodPressureFeature, hex("21")) != nil)
        #expect(decodeError(.bloodPressureFeature, hex("210000")) != nil)
        expectByteRoundTrip(.bloodPressureFeature, hex("3F01"))
    }

    @Test func enhancedMeasurementWithUTCAndUserFacingTime() throws {
        // flags 0x7E: time stamp, pulse, user, status, user facing time, epoch 2000.
        // Time stamp 0x2DFCACC0 = 771,534,016 s after 2000-01-01 = 2024-06-12 19:00:16 UTC;
        // user facing time 0x2DFCBAD0 = 3,600 s later (local time, one hour ahead).
        let frame = hex("7E 8A00 5800 7800 C0ACFC2D 3C00 02 0000 D0BAFC2D")
        let value = try EnhancedBloodPressureMeasurement.decode(frame)
        #expect(value.epoch == .year2000)
        #expect(value.timestamp == 0x2DFC_ACC0)
        #expect(value.calendarTime(0x2DFC_ACC0) == date(2024, 6, 12, 19, 0, 16))
        #expect(value.userFacingTime == 0x2DFC_BAD0)
        let reading = try #require(value.readings.first)
        #expect(reading.deviceTime == date(2024, 6, 12, 20, 0, 16))
        #expect(reading.qualifiers[ReadingQualifier.deviceTimeBase] == nil)
        #expect(reading.characteristic == 0x2B34)
        #expect(reading.userID == 2)
        expectByteRoundTrip(.enhancedBloodPressureMeasurement, frame)

        // Only the UTC stamp, 1900 epoch: 3,927,207,616 s = 2024-06-12 19:00:16 UTC, marked as UTC.
        let utc = try EnhancedBloodPressureMeasurement.decode(hex("02 8A00 5800 7800 C0 6E 14 EA"))
        #expect(utc.epoch == .year1900)
        #expect(utc.readings.first?.deviceTime == date(2024, 6, 12, 19, 0, 16))
        #expect(utc.readings.first?.qualifiers[ReadingQualifier.deviceTimeBase] == "utc")

        #expect(decodeError(.enhancedBloodPressureMeasurement, hex("80 8A00 5800 7800")) == .reservedFlags(
            characteristic: GATTCharacteristic.enhancedBloodPressureMeasurement.displayName, field: "Flags", bits: 0x80))
        #expect(decodeError(.enhancedBloodPressureMeasurement, hex("20 8A00 5800 7800 D0BAFC")) == .truncated(
            characteristic: GATTCharacteristic.enhancedBloodPressureMeasurement.displayName, field: "User Facing Time",
            needed: 4, available: 3))
    }

    @Test func encoderRejectsUnrepresentableValues() {
        let tooPrecise = BloodPressureMeasurement(
            unit: .millimetreOfMercury, systolic: sfloat(12345, -2), diastolic: sfloat(80), meanArterialPressure: sfloat(90))
        #expect(throws: EncodeError.notRepresentable(
            characteristic: Self.name, field: "Compound Value.Systolic", value: "123.45", format: "SFLOAT")) {
            try tooPrecise.encoded()
        }
        var reservedStatus = BloodPressureMeasurement(
            unit: .millimetreOfMercury, systolic: sfloat(120), diastolic: sfloat(80), meanArterialPressure: sfloat(90))
        reservedStatus.measurementStatus = [.pulseRateExceedsUpperLimit, .pulseRateBelowLowerLimit]
        #expect(throws: EncodeError.self) { try reservedStatus.encoded() }
    }
}
