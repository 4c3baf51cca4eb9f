import Testing
@testable import HealthProfiles

@Suite struct TimeTests {
    @Test func dateTimeDecodesAllParts() throws {
        // 2012-12-05 11:50:27, as in NordicSemiconductor/Android-BLE-Common-Library
        // ble-common/src/test/java/no/nordicsemi/android/ble/common/callback/ht/TemperatureMeasurementDataCallbackTest.java
        #expect(try DeviceDateTime.decode(hex("DC07 0C 05 0B 32 1B")) == date(2012, 12, 5, 11, 50, 27))
    }

    @Test func unknownPartsAreNil() throws {
        let value = try DeviceDateTime.decode(hex("0000 04 11 14 29 3B"))
        #expect(value == date(nil, 4, 17, 20, 41, 59))
        #expect(!value.isComplete)
        #expect(value.description == "????-04-17T20:41:59")
        #expect(try DeviceDateTime.decode(hex("0000 00 00 00 00 00")) == date(nil, nil, nil, 0, 0, 0))
    }

    @Test(arguments: [
        ("E807 02 1E 00 00 00", "Date Time.Day", 30),  // 30 February
        ("E707 02 1D 00 00 00", "Date Time.Day", 29),  // 29 February 2023 (not a leap year)
        ("E807 04 1F 00 00 00", "Date Time.Day", 31),  // 31 April
        ("E807 01 01 18 00 00", "Date Time.Hours", 24),
        ("E807 01 01 00 3C 00", "Date Time.Minutes", 60),
        ("E807 01 01 00 00 3C", "Date Time.Seconds", 60),
        ("E807 0D 01 00 00 00", "Date Time.Month", 13),
        ("2D06 01 01 00 00 00", "Date Time.Year", 1581),
        ("1027 01 01 00 00 00", "Date Time.Year", 10000),
    ])
    func impossibleDatesAreRejected(frame: String, field: String, value: Int) {
        #expect(decodeError(.dateTime, hex(frame)) == .invalidDate(
            characteristic: GATTCharacteristic.dateTime.displayName, field: field, value: value))
    }

    @Test func leapDayAndUnknownYearFebruary29AreAccepted() throws {
        #expect(try DeviceDateTime.decode(hex("E807 02 1D 17 3B 3B")) == date(2024, 2, 29, 23, 59, 59))
        #expect(try DeviceDateTime.decode(hex("0000 02 1D 00 00 00")) == date(nil, 2, 29, 0, 0, 0))
    }

    @Test func dateTimeLengthIsExact() {
        expectTruncation(.dateTime, hex("E807 06 17 0E 23 0A"), fields: [
            "Date Time.Year", "Date Time.Year", "Date Time.Month", "Date Time.Day", "Date Time.Hours",
            "Date Time.Minutes", "Date Time.Seconds",
        ])
        #expect(decodeError(.dateTime, hex("E807 06 17 0E 23 0A 00")) == .trailingBytes(
            characteristic: GATTCharacteristic.dateTime.displayName, count: 1))
    }

    @Test func dayOfWeek() throws {
        #expect(try DayOfWeek.decode([0]) == .unknown)
        #expect(try DayOfWeek.decode([7]) == .sunday)
        #expect(decodeError(.dayOfWeek, [8]) == .invalidValue(
            characteristic: GATTCharacteristic.dayOfWeek.displayName, field: "Day of Week", detail: "8 is reserved (0...7 allowed)"))
        #expect(decodeError(.dayOfWeek, []) != nil)
        #expect(DayOfWeek(of: date(2024, 6, 6, 12, 4, 44)) == .thursday)
        #expect(DayOfWeek(of: date(2000, 1, 1, 0, 0, 0)) == .saturday)
        #expect(DayOfWeek(of: date(1970, 1, 1, 0, 0, 0)) == .thursday)
        #expect(DayOfWeek(of: date(2026, 11, 23, 0, 0, 0)) == .monday)
        #expect(DayOfWeek(of: date(nil, 11, 23, 0, 0, 0)) == .unknown)
    }

    /// 2024-06-06 12:04:44, Thursday, 128/256 s: the instant StanfordSpezi/SpeziBluetooth
    /// Tests/SpeziBluetoothServicesTests/CurrentTimeTests.swift uses (`nowTestTime`), whose weekday we derive.
    @Test func currentTimeEncodesForSettingTheDeviceClock() throws {
        let value = CurrentTime(setting: date(2024, 6, 6, 12, 4, 44), fractions256: 128)
        #expect(value.dayOfWeek == .thursday)
        #expect(try value.encoded() == hex("E807 06 06 0C 04 2C 04 80 02"))
        #expect(try CurrentTime.decode(try value.encoded()) == value)
    }

    @Test func currentTimeDecodeAndErrors() throws {
        let frame = hex("D507 0C 1B 0C 1F 28 03 7F 05")  // 2005-12-27 12:31:40 Wednesday, 127/256, manual + zone
        let value = try CurrentTime.decode(frame)
        #expect(value.dateTime == date(2005, 12, 27, 12, 31, 40))
        #expect(value.dayOfWeek == .wednesday)
        #expect(value.fractions256 == 127)
        #expect(value.adjustReason == [.manualTimeUpdate, .changeOfTimeZone])
        #expect(try value.encoded() == frame)
        let name = GATTCharacteristic.currentTime.displayName
        #expect(decodeError(.currentTime, hex("D507 0C 1B 0C 1F 28 03 7F 15")) == .reservedFlags(
            characteristic: name, field: "Adjust Reason", bits: 0x10))
        #expect(decodeError(.currentTime, hex("D507 0C 1B 0C 1F 28 09 7F 00")) == .invalidValue(
            characteristic: name, field: "Exact Time 256.Day of Week", detail: "9 is reserved (0...7 allowed)"))
        #expect(decodeError(.currentTime, hex("D507 02 1E 0C 1F 28 03 7F 00")) == .invalidDate(
            characteristic: name, field: "Exact Time 256.Date Time.Day", value: 30))
        expectTruncation(.currentTime, frame, fields: [
            "Exact Time 256.Date Time.Year", "Exact Time 256.Date Time.Year", "Exact Time 256.Date Time.Month",
            "Exact Time 256.Date Time.Day", "Exact Time 256.Date Time.Hours", "Exact Time 256.Date Time.Minutes",
            "Exact Time 256.Date Time.Seconds", "Exact Time 256.Day of Week", "Exact Time 256.Fractions256",
            "Adjust Reason",
        ])
    }

    @Test func encodingRejectsReservedAdjustReason() {
        let value = CurrentTime(dateTime: date(2024, 1, 1, 0, 0, 0), dayOfWeek: .monday, adjustReason: .init(rawValue: 0x80))
        #expect(throws: EncodeError.self) { try value.encoded() }
    }
}
