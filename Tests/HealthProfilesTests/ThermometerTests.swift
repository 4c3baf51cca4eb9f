import Testing
@testable import HealthProfiles
import SeededRandom

@Suite struct ThermometerTests {
    static let name = GATTCharacteristic.temperatureMeasurement.displayName

    /// NordicSemiconductor/Android-BLE-Common-Library
    /// ble-common/src/test/java/no/nordicsemi/android/ble/common/callback/ht/TemperatureMeasurementDataCallbackTest.java:
    /// 37.60 °C (FLOAT 0xFE000EB0 = 3760 x 10^-2), 2012-12-05 11:50:27, finger.
    static let nordicFrame = hex("06 B00E00FE DC07 0C 05 0B 32 1B 04")

    @Test func nordicVector() throws {
        let value = try TemperatureMeasurement.decode(Self.nordicFrame)
        #expect(value.unit == .celsius)
        #expect(value.temperature == .finite(DecimalNumber(mantissa: 3760, exponent: -2)))
        #expect(value.timestamp == date(2012, 12, 5, 11, 50, 27))
        #expect(value.temperatureType == .finger)
        let reading = try #require(value.readings.first)
        #expect(reading.kind == .bodyTemperature)
        #expect(reading.component(.bodyTemperature) == ReadingComponent(.bodyTemperature, .number(decimal("37.6")), .celsius))
        #expect(reading.qualifiers[ReadingQualifier.temperatureSite] == "finger")
        expectByteRoundTrip(.temperatureMeasurement, Self.nordicFrame)
        // Nordic's invalid vector: the type flag is set but the type byte is missing.
        #expect(decodeError(.temperatureMeasurement, Array(Self.nordicFrame.dropLast())) == .truncated(
            characteristic: Self.name, field: "Temperature Type", needed: 1, available: 0))
    }

    @Test func fahrenheitAndSiteFromTheTypeCharacteristic() throws {
        let value = try TemperatureMeasurement.decode(hex("01 D40300FF"))  // 980 x 10^-1 = 98.0 °F
        #expect(value.unit == .fahrenheit)
        let reading = try #require(value.readings(defaultSite: try TemperatureType.decode([0x09])).first)
        #expect(reading.component(.bodyTemperature) == ReadingComponent(.bodyTemperature, .number(decimal("98")), .fahrenheit))
        #expect(reading.qualifiers[ReadingQualifier.temperatureSite] == "tympanum")
        #expect(value.readings.first?.qualifiers.isEmpty == true)
    }

    @Test func specialValues() throws {
        let nan = try #require(try TemperatureMeasurement.decode(hex("00 FFFF7F00")).readings.first)
        #expect(nan.component(.bodyTemperature)?.value == .absent(.notANumber))
        let high = try #require(try TemperatureMeasurement.decode(hex("00 FEFF7F00")).readings.first)
        #expect(high.component(.bodyTemperature)?.value == .absent(.positiveInfinity))
        #expect(!high.isReliable)
    }

    @Test func errors() {
        expectTruncation(.temperatureMeasurement, Self.nordicFrame, fields: [
            "Flags", "Temperature Measurement Value", "Temperature Measurement Value", "Temperature Measurement Value",
            "Temperature Measurement Value", "Time Stamp.Year", "Time Stamp.Year", "Time Stamp.Month", "Time Stamp.Day",
            "Time Stamp.Hours", "Time Stamp.Minutes", "Time Stamp.Seconds", "Temperature Type",
        ])
        #expect(decodeError(.temperatureMeasurement, hex("08 B00E00FE")) == .reservedFlags(characteristic: Self.name, field: "Flags", bits: 0x08))
        #expect(decodeError(.temperatureMeasurement, hex("04 B00E00FE 0A")) == .invalidValue(
            characteristic: Self.name, field: "Temperature Type", detail: "10 is reserved"))
        #expect(decodeError(.temperatureType, [0]) == .invalidValue(
            characteristic: GATTCharacteristic.temperatureType.displayName, field: "Temperature Type", detail: "0 is reserved"))
        #expect(decodeError(.temperatureMeasurement, Self.nordicFrame + [0]) == .trailingBytes(characteristic: Self.name, count: 1))
    }

    @Test func intermediateTemperatureDecodesButIsNotStored() throws {
        let frame = hex("00 6E0100FF")  // 36.6 °C
        let value = try IntermediateTemperature.decode(frame)
        #expect(value.value.temperature == .finite(DecimalNumber(mantissa: 366, exponent: -1)))
        #expect(value.readings.isEmpty)
        expectByteRoundTrip(.intermediateTemperature, frame)
        #expect(decodeError(.intermediateTemperature, hex("00 6E01")) == .truncated(
            characteristic: GATTCharacteristic.intermediateTemperature.displayName, field: "Temperature Measurement Value",
            needed: 4, available: 2))
    }
}
