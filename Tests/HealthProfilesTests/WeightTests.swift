import Testing
@testable import HealthProfiles
import SeededRandom

@Suite struct WeightTests {
    static let weightName = GATTCharacteristic.weightMeasurement.displayName
    static let compositionName = GATTCharacteristic.bodyCompositionMeasurement.displayName

    /// Vectors 1-3 of RonanB96/bluetooth-sig-python tests/gatt/characteristics/test_weight_measurement.py,
    /// re-derived by hand: 14000 x 0.005 kg = 70.0 kg; 15700 x 0.01 lb = 157.00 lb; time stamp 2023-12-25 14:30:45.
    @Test(arguments: [
        ("00 B036", "70", UCUMUnit.kilogram, DeviceDateTime?.none),
        ("01 543D", "157", .pound, nil),
        ("02 B036 E707 0C 19 0E 1E 2D", "70", .kilogram, date(2023, 12, 25, 14, 30, 45)),
    ])
    func publishedVectors(frame: String, weight: String, unit: UCUMUnit, time: DeviceDateTime?) throws {
        let value = try WeightMeasurement.decode(hex(frame))
        let reading = try #require(value.readings.first)
        #expect(reading.kind == .bodyWeight)
        #expect(reading.component(.bodyWeight) == ReadingComponent(.bodyWeight, .number(decimal(weight)), unit))
        #expect(reading.deviceTime == time)
        expectByteRoundTrip(.weightMeasurement, hex(frame))
    }

    /// Vectors 4-6 of the same file do not follow the specification: that decoder reads flag bit 3 as "BMI"
    /// and bit 4 as "height", where the Weight Measurement defines bit 3 as "BMI and Height present" and
    /// bits 4-7 as reserved. We decode them per the specification, which makes them errors.
    @Test func divergentPublishedVectorsAreErrors() {
        #expect(decodeError(.weightMeasurement, hex("0C B036 05 F500")) == .truncated(
            characteristic: Self.weightName, field: "Height", needed: 2, available: 0))
        #expect(decodeError(.weightMeasurement, hex("10 B036 D606")) == .reservedFlags(
            characteristic: Self.weightName, field: "Flags", bits: 0x10))
    }

    static let fullWeight = hex("0E B036 E707 0C 19 0E 1E 2D 05 F500 D606")

    @Test func fullFrameWithBMIAndHeight() throws {
        let value = try WeightMeasurement.decode(Self.fullWeight)
        #expect(value.userID == 5)
        #expect(value.bmiAndHeight == .init(bmiTenths: 245, heightSteps: 1750))
        let reading = try #require(value.readings.first)
        #expect(reading.component(.bodyMassIndex) == ReadingComponent(.bodyMassIndex, .number(decimal("24.5")), .kilogramPerSquareMetre))
        #expect(reading.component(.height) == ReadingComponent(.height, .number(decimal("1.75")), .metre))
        #expect(reading.userID == 5)
        expectByteRoundTrip(.weightMeasurement, Self.fullWeight)
        let imperial = try #require(try WeightMeasurement.decode(hex("09 543D F500 A802")).readings.first)
        #expect(imperial.component(.height) == ReadingComponent(.height, .number(decimal("68")), .inch))
        #expect(imperial.component(.bodyWeight)?.unit == .pound)
    }

    @Test func unsuccessfulMeasurement() throws {
        let value = try WeightMeasurement.decode(hex("06 FFFF E807 06 17 07 1E 00 FF"))
        #expect(value.isUnsuccessful)
        #expect(value.weight == nil)
        let reading = try #require(value.readings.first)
        #expect(reading.component(.bodyWeight)?.value == .absent(.unsuccessful))
        #expect(!reading.isReliable)
        #expect(reading.userID == 0xFF)
        expectByteRoundTrip(.weightMeasurement, hex("06 FFFF E807 06 17 07 1E 00 FF"))
    }

    @Test func weightErrors() {
        expectTruncation(.weightMeasurement, Self.fullWeight, fields: [
            "Flags", "Weight", "Weight", "Time Stamp.Year", "Time Stamp.Year", "Time Stamp.Month", "Time Stamp.Day",
            "Time Stamp.Hours", "Time Stamp.Minutes", "Time Stamp.Seconds", "User ID", "BMI", "BMI", "Height", "Height",
        ])
        #expect(decodeError(.weightMeasurement, Self.fullWeight + [1, 2]) == .trailingBytes(characteristic: Self.weightName, count: 2))
        #expect(decodeError(.weightMeasurement, hex("02 B036 E707 0C 19 18 1E 2D")) == .invalidDate(
            characteristic: Self.weightName, field: "Time Stamp.Hours", value: 24))
    }

    @Test func convenienceInitialiserChecksResolution() throws {
        #expect(WeightMeasurement(units: .si, weight: decimal("75.25"))?.weightSteps == 15050)
        #expect(WeightMeasurement(units: .si, weight: decimal("75.001")) == nil)  // not a multiple of 0.005 kg
        #expect(WeightMeasurement(units: .imperial, weight: decimal("165.3"))?.weightSteps == 16530)
        #expect(WeightMeasurement(units: .si, weight: decimal("400")) == nil)  // 80000 steps do not fit 16 bits
        #expect(WeightMeasurement(units: .si, weight: decimal("-1")) == nil)
    }

    @Test func scaleFeatures() throws {
        // time stamp, multiple users, BMI, weight resolution 7 (0.005 kg), height resolution 3 (0.001 m).
        let weight = try WeightScaleFeature.decode(hex("BF010000"))
        #expect(weight == WeightScaleFeature(
            timeStampSupported: true, multipleUsersSupported: true, bmiSupported: true,
            weightResolution: .kg0_005Lb0_01, heightResolution: .m0_001In0_1))
        expectByteRoundTrip(.weightScaleFeature, hex("BF010000"))
        #expect(decodeError(.weightScaleFeature, hex("00040000")) == .reservedFlags(
            characteristic: GATTCharacteristic.weightScaleFeature.displayName, field: "Weight Scale Feature", bits: 0x400))
        #expect(decodeError(.weightScaleFeature, hex("40000000")) == .invalidValue(
            characteristic: GATTCharacteristic.weightScaleFeature.displayName,
            field: "Weight Scale Feature.Weight Measurement Resolution", detail: "8 is reserved"))
        let composition = try BodyCompositionFeature.decode(hex("FFBF0100"))
        #expect(composition.supported.contains(.height) && composition.supported.contains(.timeStamp))
        #expect(composition.massResolution == .kg0_005Lb0_01)
        #expect(composition.heightResolution == .m0_001In0_1)
        expectByteRoundTrip(.bodyCompositionFeature, hex("FFBF0100"))
        #expect(decodeError(.bodyCompositionFeature, hex("00000400")) == .reservedFlags(
            characteristic: GATTCharacteristic.bodyCompositionFeature.displayName, field: "Body Composition Feature", bits: 0x4_0000))
    }

    /// Vectors 2, 3, 5 and 6 of RonanB96/bluetooth-sig-python
    /// tests/gatt/characteristics/test_body_composition_measurement.py, re-derived by hand.
    @Test func bodyCompositionPublishedVectors() throws {
        let imperial = try BodyCompositionMeasurement.decode(hex("0300 9600 E807 06 14 0A 1E 00"))
        #expect(imperial.units == .imperial)
        #expect(imperial.readings.first?.component(.bodyFatPercentage)?.value == .number(decimal("15")))
        #expect(imperial.timestamp == date(2024, 6, 20, 10, 30, 0))

        let metabolism = try BodyCompositionMeasurement.decode(hex("0C00 7800 05 4006"))
        #expect(metabolism.userID == 5)
        #expect(metabolism.readings.first?.component(.basalMetabolism) == ReadingComponent(.basalMetabolism, .number(DecimalNumber(1600)), .kilojoule))

        let masses = try #require(try BodyCompositionMeasurement.decode(hex("C001 5000 E02E 1027 401F")).readings.first)
        #expect(masses.component(.fatFreeMass) == ReadingComponent(.fatFreeMass, .number(decimal("60")), .kilogram))
        #expect(masses.component(.softLeanMass)?.value == .number(decimal("50")))
        #expect(masses.component(.bodyWaterMass)?.value == .number(decimal("40")))

        let physical = try #require(try BodyCompositionMeasurement.decode(hex("000E 4600 401F B036 E803")).readings.first)
        #expect(physical.component(.impedance) == ReadingComponent(.impedance, .number(decimal("800")), .ohm))
        #expect(physical.component(.bodyWeight) == ReadingComponent(.bodyWeight, .number(decimal("70")), .kilogram))
        #expect(physical.component(.height) == ReadingComponent(.height, .number(decimal("1")), .metre))
        for frame in ["0300 9600 E807 06 14 0A 1E 00", "0C00 7800 05 4006", "C001 5000 E02E 1027 401F", "000E 4600 401F B036 E803"] {
            expectByteRoundTrip(.bodyCompositionMeasurement, hex(frame))
        }
    }

    /// Vector 4 of the same file puts Muscle Mass before Muscle Percentage; the specification orders fields by
    /// flag bit (Muscle Percentage is bit 4, Muscle Mass bit 5), so the same bytes mean 300.0 % and 1.0 kg.
    @Test func bodyCompositionFieldOrderFollowsTheSpecification() throws {
        let value = try BodyCompositionMeasurement.decode(hex("3000 6400 B80B C800"))
        #expect(value.muscleTenthsPercent == 3000)
        #expect(value.muscleMassSteps == 200)
    }

    static let allFields = BodyCompositionMeasurement(
        units: .si, bodyFatTenthsPercent: 200, timestamp: date(2026, 9, 4, 15, 53, 0), userID: 1,
        basalMetabolismKilojoules: 8000, muscleTenthsPercent: 400, muscleMassSteps: 7000, fatFreeMassSteps: 12000,
        softLeanMassSteps: 11400, bodyWaterMassSteps: 8000, impedanceTenthsOhm: 5000, weightSteps: 15000, heightSteps: 1750)

    @Test func bodyCompositionSplitIntoTwoPacketsAndJoined() throws {
        let packets = try Self.allFields.encodedPackets(maxPayload: 20)
        #expect(packets == [
            hex("7E10 C800 EA07 09 04 0F 35 00 01 401F 9001 581B E02E"),
            hex("801F C800 882C 401F 8813 983A D606"),
        ])
        let first = try BodyCompositionMeasurement.decode(packets[0])
        #expect(first.multiplePacket)
        #expect(first.readings.count == 1)
        #expect(try CharacteristicDecoder.decode(.bodyCompositionMeasurement, packets[0]).readings.isEmpty)  // half only
        var assembler = BodyCompositionAssembler()
        #expect(try assembler.accept(first) == nil)
        let joined = try #require(try assembler.accept(try BodyCompositionMeasurement.decode(packets[1])))
        #expect(joined == Self.allFields)
        #expect(assembler.pending == nil)
        let reading = try #require(joined.readings.first)
        #expect(reading.components.count == 10)
        #expect(reading.component(.bodyWeight)?.value == .number(decimal("75")))
        #expect(reading.component(.impedance)?.value == .number(decimal("500")))
        #expect(reading.component(.musclePercentage)?.value == .number(decimal("40")))
        // A generous MTU needs one packet, which the assembler passes straight through.
        let single = try Self.allFields.encodedPackets(maxPayload: 512)
        #expect(single.count == 1 && single[0].count == 30)
        #expect(try assembler.accept(try BodyCompositionMeasurement.decode(single[0])) == Self.allFields)
    }

    @Test func bodyCompositionAssemblerRejectsInconsistentHalves() throws {
        let packets = try Self.allFields.encodedPackets(maxPayload: 20).map { try BodyCompositionMeasurement.decode($0) }
        func attempt(_ second: BodyCompositionMeasurement) -> DecodeError? {
            var assembler = BodyCompositionAssembler()
            do {
                _ = try assembler.accept(packets[0])
                _ = try assembler.accept(second)
                return nil
            } catch {
                #expect(assembler.pending == nil)
                return error
            }
        }
        var otherFat = packets[1]
        otherFat.bodyFatTenthsPercent = 201
        #expect(attempt(otherFat) == .invalidValue(
            characteristic: Self.compositionName, field: "Body Fat Percentage", detail: "the halves disagree (200 vs 201 tenths of %)"))
        var otherUnits = packets[1]
        otherUnits.units = .imperial
        #expect(attempt(otherUnits) == .invalidValue(
            characteristic: Self.compositionName, field: "Flags.Measurement Units", detail: "the two halves use different units"))
        #expect(attempt(packets[0]) == .invalidValue(
            characteristic: Self.compositionName, field: "Flags", detail: "both halves carry the same field(s) (flag bits 0x7E)"))
        var single = packets[1]
        single.multiplePacket = false
        #expect(attempt(single) == .invalidValue(
            characteristic: Self.compositionName, field: "Flags.Multiple Packet Measurement",
            detail: "a single-packet measurement arrived while the second half of a split one was expected"))

        var assembler = BodyCompositionAssembler()
        #expect(try assembler.accept(packets[0]) == nil)
        #expect(assembler.finish() == packets[0])  // disconnected after the first half: keep what was sent
        #expect(assembler.finish() == nil)
    }

    @Test func bodyCompositionErrors() throws {
        #expect(decodeError(.bodyCompositionMeasurement, hex("0020 C800")) == .reservedFlags(
            characteristic: Self.compositionName, field: "Flags", bits: 0x2000))
        let unsuccessful = try #require(try BodyCompositionMeasurement.decode(hex("0400 FFFF 03")).readings.first)
        #expect(unsuccessful.component(.bodyFatPercentage)?.value == .absent(.unsuccessful))
        let frame = try Self.allFields.encoded()
        expectTruncation(.bodyCompositionMeasurement, frame, fields: ["Flags", "Flags", "Body Fat Percentage", "Body Fat Percentage",
            "Time Stamp.Year", "Time Stamp.Year", "Time Stamp.Month", "Time Stamp.Day", "Time Stamp.Hours",
            "Time Stamp.Minutes", "Time Stamp.Seconds", "User ID"]
            + ["Basal Metabolism", "Muscle Percentage", "Muscle Mass", "Fat Free Mass", "Soft Lean Mass", "Body Water Mass",
               "Impedance", "Weight", "Height"].flatMap { [$0, $0] })
    }

    /// Random measurements split for a 20-byte payload and joined again (values round-trip in CharacteristicRegistryTests).
    @Test func randomSplitsRejoin() throws {
        var rng = SeededGenerator(seed: 0x2A9C)
        for _ in 0..<300 {
            let composition = BodyCompositionMeasurement.random(&rng)
            var assembler = BodyCompositionAssembler()
            var joined: BodyCompositionMeasurement?
            for packet in try composition.encodedPackets(maxPayload: 20) {
                #expect(packet.count <= 20)
                joined = try assembler.accept(try BodyCompositionMeasurement.decode(packet))
            }
            #expect(joined == composition)
        }
    }
}
