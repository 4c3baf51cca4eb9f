import Testing
@testable import HealthProfiles
import SeededRandom

/// Vectors cross-checked against StanfordSpezi/SpeziBluetooth Tests/SpeziBluetoothServicesTests/PLXTests.swift
/// (each re-derived by hand from the layout before being used here).
@Suite struct PulseOximetryTests {
    static let spot = GATTCharacteristic.plxSpotCheckMeasurement.displayName
    static let continuous = GATTCharacteristic.plxContinuousMeasurement.displayName

    /// Spezi `testSpotCheckMeasurementCoding`: 94 %, 147 /min, 2024-11-29 23:08:57, status ongoing +
    /// questionable (0x4020), device status malfunction + low perfusion (0x000022), PAI 0xE366 = 870e-2.
    static let spotFrame: [UInt8] = [15, 172, 243, 190, 245, 232, 7, 11, 29, 23, 8, 57, 32, 64, 34, 0, 0, 102, 227]

    @Test func spotCheckFullFrame() throws {
        let value = try PLXSpotCheckMeasurement.decode(Self.spotFrame)
        #expect(value.spo2 == sfloat(940, -1))
        #expect(value.pulseRate == sfloat(1470, -1))
        #expect(value.timestamp == date(2024, 11, 29, 23, 8, 57))
        #expect(value.measurementStatus == [.measurementOngoing, .questionableMeasurementDetected])
        #expect(value.deviceAndSensorStatus == [.equipmentMalfunctionDetected, .lowPerfusionDetected])
        #expect(value.pulseAmplitudeIndex == sfloat(870, -2))
        #expect(!value.deviceClockNotSet)
        let reading = try #require(value.readings.first)
        #expect(reading.kind == .spotCheckOximetry)
        #expect(reading.component(.oxygenSaturation)?.value.number?.description == "94.0")
        #expect(reading.component(.oxygenSaturation)?.value.number == DecimalNumber(94))
        #expect(reading.component(.pulseRate)?.unit == .perMinute)
        #expect(reading.component(.perfusionIndex)?.value.number == decimal("8.7"))
        #expect(Set(reading.flags) == [
            .measurementOngoing, .questionableMeasurementDetected, .equipmentMalfunctionDetected, .lowPerfusionDetected,
        ])
        #expect(!reading.isReliable)
        expectByteRoundTrip(.plxSpotCheckMeasurement, Self.spotFrame)
    }

    @Test func spotCheckMinimalAndClockNotSet() throws {
        let value = try PLXSpotCheckMeasurement.decode(hex("10 6100 4800"))
        #expect(value.spo2 == sfloat(97))
        #expect(value.pulseRate == sfloat(72))
        #expect(value.deviceClockNotSet)
        #expect(value.readings.first?.flags == [.deviceClockNotSet])
        #expect(value.readings.first?.isReliable == true)
        expectByteRoundTrip(.plxSpotCheckMeasurement, hex("10 6100 4800"))
    }

    @Test func spotCheckErrors() {
        expectTruncation(.plxSpotCheckMeasurement, Self.spotFrame, fields: [
            "Flags", "SpO2PR-Spot-Check.SpO2", "SpO2PR-Spot-Check.SpO2", "SpO2PR-Spot-Check.PR", "SpO2PR-Spot-Check.PR",
            "Time Stamp.Year", "Time Stamp.Year", "Time Stamp.Month", "Time Stamp.Day", "Time Stamp.Hours",
            "Time Stamp.Minutes", "Time Stamp.Seconds", "Measurement Status", "Measurement Status",
            "Device and Sensor Status", "Device and Sensor Status", "Device and Sensor Status",
            "Pulse Amplitude Index", "Pulse Amplitude Index",
        ])
        #expect(decodeError(.plxSpotCheckMeasurement, Self.spotFrame + [0]) == .trailingBytes(characteristic: Self.spot, count: 1))
        #expect(decodeError(.plxSpotCheckMeasurement, hex("20 6100 4800")) == .reservedFlags(
            characteristic: Self.spot, field: "Flags", bits: 0x20))
        // Measurement Status bits 0-4 and Device and Sensor Status bits 16-23 are reserved.
        #expect(decodeError(.plxSpotCheckMeasurement, hex("02 6100 4800 0100")) == .reservedFlags(
            characteristic: Self.spot, field: "Measurement Status", bits: 0x01))
        #expect(decodeError(.plxSpotCheckMeasurement, hex("04 6100 4800 000001")) == .reservedFlags(
            characteristic: Self.spot, field: "Device and Sensor Status", bits: 0x1_0000))
        #expect(decodeError(.plxSpotCheckMeasurement, hex("01 6100 4800 E807 0B 1F 17 08 39")) == .invalidDate(
            characteristic: Self.spot, field: "Time Stamp.Day", value: 31))
    }

    /// Spezi `testSimpleMeasurementCoding`: 95 %, 90 /min, ongoing, no device status bits, PAI 8.7.
    @Test func continuousSimple() throws {
        let frame: [UInt8] = [28, 95, 0, 90, 0, 32, 0, 0, 0, 0, 87, 240]
        let value = try PLXContinuousMeasurement.decode(frame)
        #expect(value.normal == .init(spo2: sfloat(95), pulseRate: sfloat(90)))
        #expect(value.fast == nil && value.slow == nil)
        #expect(value.measurementStatus == .measurementOngoing)
        #expect(value.deviceAndSensorStatus == [])
        #expect(value.pulseAmplitudeIndex == sfloat(87, -1))
        #expect(value.readings.first?.kind == .continuousOximetry)
        #expect(value.readings.first?.deviceTime == nil)
        expectByteRoundTrip(.plxContinuousMeasurement, frame)
        // Spezi `testVerySimpleMeasurementCoding`: flags 0, 100 % / 90 /min.
        #expect(try PLXContinuousMeasurement.decode([0, 100, 0, 90, 0]).normal == .init(spo2: sfloat(100), pulseRate: sfloat(90)))
    }

    /// Spezi `testFullMeasurementCoding`: normal 99/97, fast 97/137, slow 98/69, ongoing + fully qualified.
    @Test func continuousFull() throws {
        let frame: [UInt8] = [31, 222, 243, 202, 243, 202, 243, 90, 245, 212, 243, 178, 242, 32, 1, 0, 0, 0, 122, 227]
        let value = try PLXContinuousMeasurement.decode(frame)
        #expect(value.normal == .init(spo2: sfloat(990, -1), pulseRate: sfloat(970, -1)))
        #expect(value.fast == .init(spo2: sfloat(970, -1), pulseRate: sfloat(1370, -1)))
        #expect(value.slow == .init(spo2: sfloat(980, -1), pulseRate: sfloat(690, -1)))
        #expect(value.measurementStatus == [.measurementOngoing, .fullyQualifiedData])
        #expect(value.pulseAmplitudeIndex == sfloat(890, -2))
        let reading = try #require(value.readings.first)
        #expect(reading.qualifiers[ReadingQualifier.spo2Fast] == "97.0")
        #expect(reading.qualifiers[ReadingQualifier.pulseSlow] == "69.0")
        expectByteRoundTrip(.plxContinuousMeasurement, frame)
        expectTruncation(.plxContinuousMeasurement, frame, fields: [
            "Flags", "SpO2PR-Normal.SpO2", "SpO2PR-Normal.SpO2", "SpO2PR-Normal.PR", "SpO2PR-Normal.PR",
            "SpO2PR-Fast.SpO2", "SpO2PR-Fast.SpO2", "SpO2PR-Fast.PR", "SpO2PR-Fast.PR",
            "SpO2PR-Slow.SpO2", "SpO2PR-Slow.SpO2", "SpO2PR-Slow.PR", "SpO2PR-Slow.PR",
            "Measurement Status", "Measurement Status", "Device and Sensor Status", "Device and Sensor Status",
            "Device and Sensor Status", "Pulse Amplitude Index", "Pulse Amplitude Index",
        ])
    }

    @Test func continuousNaNFromFingerOut() throws {
        // A finger-out frame: both values NaN, "sensor unconnected to user". Never a 2047 % saturation.
        let value = try PLXContinuousMeasurement.decode(hex("08 FF07 FF07 000800"))
        let reading = try #require(value.readings.first)
        #expect(reading.component(.oxygenSaturation)?.value == .absent(.notANumber))
        #expect(reading.flags == [.sensorUnconnectedToUser])
        #expect(!reading.isReliable)
    }

    @Test func continuousReservedFlags() {
        #expect(decodeError(.plxContinuousMeasurement, hex("E0 6100 4800")) == .reservedFlags(
            characteristic: Self.continuous, field: "Flags", bits: 0xE0))
    }

    /// Spezi `testPLXFeaturesCoding`: supported 0x00A3, status support 0x1040, device support 0x000180.
    @Test func features() throws {
        let frame: [UInt8] = [163, 0, 64, 16, 128, 1, 0]
        let value = try PLXFeatures.decode(frame)
        #expect(value.supported == [.measurementStatus, .deviceAndSensorStatus, .spo2prSlow, .multipleBonds])
        #expect(value.measurementStatusSupport == [.calibrationOngoing, .earlyEstimatedData])
        #expect(value.deviceAndSensorStatusSupport == [.nonpulsatileSignalDetected, .questionablePulseDetected])
        expectByteRoundTrip(.plxFeatures, frame)
        #expect(try PLXFeatures.decode(hex("0C00")).supported == [.spotCheckMeasurementStorage, .spotCheckTimestamp])
        #expect(decodeError(.plxFeatures, hex("0001")) == .reservedFlags(
            characteristic: GATTCharacteristic.plxFeatures.displayName, field: "Supported Features", bits: 0x100))
        #expect(decodeError(.plxFeatures, hex("0100")) == .truncated(
            characteristic: GATTCharacteristic.plxFeatures.displayName, field: "Measurement Status Support", needed: 2, available: 0))
    }
}
