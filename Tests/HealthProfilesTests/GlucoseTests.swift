import Testing
@testable import HealthProfiles
import SeededRandom

@Suite struct GlucoseTests {
    static let measurementName = GATTCharacteristic.glucoseMeasurement.displayName
    static let contextName = GATTCharacteristic.glucoseMeasurementContext.displayName
    static let racpName = GATTCharacteristic.recordAccessControlPoint.displayName

    /// NordicSemiconductor/Android-BLE-Common-Library
    /// ble-common/src/test/java/no/nordicsemi/android/ble/common/callback/glucose/GlucoseMeasurementDataCallbackTest.java:
    /// seq 1, 2019-02-27 11:10:30 with offset -5 min (Nordic asserts minute 5), 30 kg/L, capillary plasma at the
    /// finger (0x12), status 0x0105 (Nordic asserts value 261, battery low, no general device fault), context follows.
    static let nordicFrame = hex("1B 0100 E307 02 1B 0B 0A 1E FBFF 1E00 12 0501")

    @Test func nordicVector() throws {
        let value = try GlucoseMeasurement.decode(Self.nordicFrame)
        #expect(value.sequenceNumber == 1)
        #expect(value.baseTime == date(2019, 2, 27, 11, 10, 30))
        #expect(value.timeOffset == -5)
        #expect(value.measurementTime == date(2019, 2, 27, 11, 5, 30))
        #expect(value.unit == .kilogramPerLitre)
        #expect(value.concentration == .init(value: sfloat(30), type: .capillaryPlasma, location: .finger))
        #expect(value.sensorStatus?.rawValue == 261)
        #expect(value.sensorStatus == [.deviceBatteryLow, .sampleSizeInsufficient, .sensorTemperatureTooLow])
        #expect(value.contextFollows)
        let reading = try #require(value.readings.first)
        #expect(reading.deviceTime == date(2019, 2, 27, 11, 5, 30))
        #expect(reading.sequenceNumber == 1)
        #expect(reading.component(.glucose)?.unit == .milligramPerDecilitre)
        #expect(reading.component(.glucose)?.value.number?.description == "3000000")  // 30 kg/L x 10^5
        #expect(reading.qualifiers[ReadingQualifier.glucoseSampleType] == "capillary-plasma")
        #expect(reading.qualifiers[ReadingQualifier.glucoseSampleLocation] == "finger")
        #expect(reading.qualifiers[ReadingQualifier.glucoseTimeOffsetMinutes] == "-5")
        #expect(Set(reading.flags) == [.deviceBatteryLow, .sampleSizeInsufficient, .sensorTemperatureTooLow])
        expectByteRoundTrip(.glucoseMeasurement, Self.nordicFrame)
        // Nordic's invalid vector: the time offset flag is set but the offset is missing. Every later field is
        // read one slot early, and the first impossible value (sample location 0) is what we report.
        #expect(decodeError(.glucoseMeasurement, hex("1B 0000 E207 04 1A 0B 09 1E 1E00 12 0501")) == .invalidValue(
            characteristic: Self.measurementName, field: "Type-Sample Location.Sample Location", detail: "0 is reserved"))
    }

    /// 110 mg/dL is sent as 110e-5 kg/L (SFLOAT 0xB06E); 5.6 mmol/L as 56e-4 mol/L (0xC038). The conversions
    /// are exact decimal shifts, so the forwarded values are 110 and 5.6, not 110.00000000000001.
    @Test func unitConversionsAreExact() throws {
        let massFrame = hex("02 0200 E807 06 17 07 1E 00 6EB0 11")
        let mass = try GlucoseMeasurement.decode(massFrame)
        let massReading = try #require(mass.readings.first)
        #expect(massReading.component(.glucose) == ReadingComponent(.glucose, .number(DecimalNumber(110)), .milligramPerDecilitre))
        #expect(massReading.component(.glucose)?.value.number?.description == "110")
        #expect(massReading.qualifiers[ReadingQualifier.glucoseSampleType] == "capillary-whole-blood")
        #expect(massReading.qualifiers[ReadingQualifier.glucoseDeviceUnit] == "kg/L")
        #expect(massReading.deviceTime == date(2024, 6, 23, 7, 30, 0))
        expectByteRoundTrip(.glucoseMeasurement, massFrame)

        let molarFrame = hex("06 0300 E807 06 17 07 1E 00 38C0 11")
        let molar = try #require(try GlucoseMeasurement.decode(molarFrame).readings.first)
        #expect(molar.component(.glucose) == ReadingComponent(.glucose, .number(decimal("5.6")), .millimolePerLitre))
        #expect(molar.component(.glucose)?.value.number?.description == "5.6")
        #expect(molar.qualifiers[ReadingQualifier.glucoseDeviceUnit] == "mol/L")
        expectByteRoundTrip(.glucoseMeasurement, molarFrame)
    }

    @Test func timeOffsetCrossesMidnightAndMonth() throws {
        // 2024-02-29 23:50 + 30 min = 2024-03-01 00:20.
        let value = try GlucoseMeasurement.decode(hex("01 0400 E807 02 1D 17 32 00 1E00"))
        #expect(value.measurementTime == date(2024, 3, 1, 0, 20, 0))
        // An offset on a date with an unknown year cannot be applied: no device time rather than a wrong one.
        let unknownYear = try GlucoseMeasurement.decode(hex("01 0400 0000 02 1D 17 32 00 1E00"))
        #expect(unknownYear.measurementTime == nil)
    }

    @Test func statusOnlyRecordIsKeptAsAbsentValue() throws {
        // No concentration, only "strip insertion error": the record is kept, with an absent value.
        let value = try GlucoseMeasurement.decode(hex("08 0500 E807 06 17 07 1E 00 0800"))
        let reading = try #require(value.readings.first)
        #expect(reading.component(.glucose)?.value == .absent(.error))
        #expect(reading.flags == [.stripInsertionError])
        #expect(!reading.isReliable)
    }

    @Test func controlSolutionIsNeverAPatientValue() throws {
        let typeControl = try #require(try GlucoseMeasurement.decode(hex("02 0600 E807 06 17 07 1E 00 6EB0 1A")).readings.first)
        #expect(typeControl.flags.contains(.controlSolution))
        #expect(!typeControl.isReliable)
        let locationControl = try #require(try GlucoseMeasurement.decode(hex("02 0600 E807 06 17 07 1E 00 6EB0 41")).readings.first)
        #expect(locationControl.flags.contains(.controlSolution))
    }

    @Test func measurementErrors() {
        expectTruncation(.glucoseMeasurement, Self.nordicFrame, fields: [
            "Flags", "Sequence Number", "Sequence Number", "Base Time.Year", "Base Time.Year", "Base Time.Month",
            "Base Time.Day", "Base Time.Hours", "Base Time.Minutes", "Base Time.Seconds", "Time Offset", "Time Offset",
            "Glucose Concentration", "Glucose Concentration", "Type-Sample Location", "Sensor Status Annunciation",
            "Sensor Status Annunciation",
        ])
        #expect(decodeError(.glucoseMeasurement, Self.nordicFrame + [0]) == .trailingBytes(characteristic: Self.measurementName, count: 1))
        #expect(decodeError(.glucoseMeasurement, hex("20 0100 E307 02 1B 0B 0A 1E")) == .reservedFlags(
            characteristic: Self.measurementName, field: "Flags", bits: 0x20))
        #expect(decodeError(.glucoseMeasurement, hex("02 0100 E307 02 1B 0B 0A 1E 6EB0 10")) == .invalidValue(
            characteristic: Self.measurementName, field: "Type-Sample Location.Type", detail: "0 is reserved"))
        #expect(decodeError(.glucoseMeasurement, hex("02 0100 E307 02 1B 0B 0A 1E 6EB0 0B")) == .invalidValue(
            characteristic: Self.measurementName, field: "Type-Sample Location.Type", detail: "11 is reserved"))
        #expect(decodeError(.glucoseMeasurement, hex("02 0100 E307 02 1B 0B 0A 1E 6EB0 51")) == .invalidValue(
            characteristic: Self.measurementName, field: "Type-Sample Location.Sample Location", detail: "5 is reserved"))
        #expect(decodeError(.glucoseMeasurement, hex("08 0100 E307 02 1B 0B 0A 1E 0010")) == .reservedFlags(
            characteristic: Self.measurementName, field: "Sensor Status Annunciation", bits: 0x1000))
        #expect(decodeError(.glucoseMeasurement, hex("00 0100 E307 02 1E 0B 0A 1E")) == .invalidDate(
            characteristic: Self.measurementName, field: "Base Time.Day", value: 30))
    }

    /// Field values as in NordicSemiconductor/Android-BLE-Common-Library
    /// ble-common/src/test/java/no/nordicsemi/android/ble/common/callback/glucose/GlucoseMeasurementContextDataCallbackTest.java
    /// (dinner = 3, casual = 4, tester-health 0x12 = health care professional / minor issues, 60 s at 50 %,
    /// long-acting insulin = 4). Our frame differs in two places, on purpose: Extended Flags are 0 (Nordic
    /// sends 0xB3 and ignores it; every extended flag is reserved, so we reject that), and the amounts are
    /// chosen to be exact SFLOATs (100 g carbohydrate, 1.5 mg insulin, HbA1c 6.5 %).
    static let contextFrame = hex("DF 0100 00 03 01F0 04 12 3C00 32 04 0F90 41F0")

    @Test func contextFull() throws {
        let value = try GlucoseMeasurementContext.decode(Self.contextFrame)
        #expect(value.sequenceNumber == 1)
        #expect(value.extendedFlags == 0)
        #expect(value.carbohydrate == .init(id: .dinner, kilograms: sfloat(1, -1)))
        #expect(value.meal == .casual)
        #expect(value.testerHealth == .init(tester: .healthCareProfessional, health: .minorHealthIssues))
        #expect(value.exercise == .init(durationSeconds: 60, intensityPercent: 50))
        #expect(value.medication == .init(id: .longActingInsulin, amount: sfloat(15, -7)))
        #expect(value.medicationUnit == .kilograms)
        #expect(value.hba1c == sfloat(65, -1))
        #expect(value.qualifiers == [
            "carbohydrate": "dinner", "carbohydrate-grams": "100", "meal": "casual", "tester": "health-care-professional",
            "health": "minor-health-issues", "exercise-duration-seconds": "60", "exercise-intensity-percent": "50",
            "medication": "long-acting-insulin", "medication-milligrams": "1.5", "hba1c-percent": "6.5",
        ])
        expectByteRoundTrip(.glucoseMeasurementContext, Self.contextFrame)
    }

    @Test func contextMinimalAndLitres() throws {
        #expect(try GlucoseMeasurementContext.decode(hex("00 0700")) == GlucoseMeasurementContext(sequenceNumber: 7))
        let litres = try GlucoseMeasurementContext.decode(hex("30 0700 01 05E0"))  // rapid-acting, 5e-2 L
        #expect(litres.medicationUnit == .litres)
        #expect(litres.qualifiers["medication-millilitres"] == "50")
        expectByteRoundTrip(.glucoseMeasurementContext, hex("30 0700 01 05E0"))
    }

    @Test func contextErrors() {
        expectTruncation(.glucoseMeasurementContext, Self.contextFrame, fields: [
            "Flags", "Sequence Number", "Sequence Number", "Extended Flags", "Carbohydrate ID", "Carbohydrate",
            "Carbohydrate", "Meal", "Tester-Health", "Exercise Duration", "Exercise Duration", "Exercise Intensity",
            "Medication ID", "Medication", "Medication", "HbA1c", "HbA1c",
        ])
        // Nordic's full vector, with its non-zero Extended Flags: rejected as reserved, not ignored.
        #expect(decodeError(.glucoseMeasurementContext, hex("FF 0000 B3 03 0000")) == .reservedFlags(
            characteristic: Self.contextName, field: "Extended Flags", bits: 0xB3))
        #expect(decodeError(.glucoseMeasurementContext, hex("01 0100 08 01F0")) == .invalidValue(
            characteristic: Self.contextName, field: "Carbohydrate ID", detail: "8 is reserved"))
        #expect(decodeError(.glucoseMeasurementContext, hex("02 0100 06")) == .invalidValue(
            characteristic: Self.contextName, field: "Meal", detail: "6 is reserved"))
        #expect(decodeError(.glucoseMeasurementContext, hex("04 0100 F4")) == .invalidValue(
            characteristic: Self.contextName, field: "Tester-Health.Tester", detail: "4 is reserved"))
        #expect(decodeError(.glucoseMeasurementContext, hex("04 0100 61")) == .invalidValue(
            characteristic: Self.contextName, field: "Tester-Health.Health", detail: "6 is reserved"))
        #expect(decodeError(.glucoseMeasurementContext, hex("08 0100 3C00 65")) == .invalidValue(
            characteristic: Self.contextName, field: "Exercise Intensity", detail: "101 % exceeds 100 %"))
        #expect(decodeError(.glucoseMeasurementContext, hex("00 0100 00")) == .trailingBytes(characteristic: Self.contextName, count: 1))
    }

    @Test func feature() throws {
        // NordicSemiconductor/Android-BLE-Common-Library .../glucose/GlucoseFeatureDataCallbackTest.java:
        // 0b11110000 0b00000011 -> strip type, high-low, temperature, read interrupt, device fault, time fault.
        let value = try GlucoseFeature.decode([0b1111_0000, 0b0000_0011])
        #expect(value == [
            .sensorStripTypeErrorDetection, .sensorResultHighLowDetection, .sensorTemperatureHighLowDetection,
            .sensorReadInterruptDetection, .generalDeviceFault, .timeFault,
        ])
        #expect(!value.contains(.multipleBond))
        #expect(decodeError(.glucoseFeature, []) != nil)
        #expect(decodeError(.glucoseFeature, hex("0008")) == .reservedFlags(
            characteristic: GATTCharacteristic.glucoseFeature.displayName, field: "Glucose Feature", bits: 0x800))
    }

    @Test func racpRequestsMatchTheSharedReference() {
        // shared/README.md: all = 01 01; newer than seq N = 01 03 01 <N LE16>; count = 04 01; abort 03 00.
        #expect(RACPRequest.reportAll.encoded() == [0x01, 0x01])
        #expect(RACPRequest.reportRecords(fromSequenceNumber: 0x012A).encoded() == [0x01, 0x03, 0x01, 0x2A, 0x01])
        #expect(RACPRequest.countAll.encoded() == [0x04, 0x01])
        #expect(RACPRequest.abortOperation.encoded() == [0x03, 0x00])
        #expect(RACPRequest.reportStoredRecords(.withinRange(from: 5, through: 9)).encoded() == hex("01 04 01 0500 0900"))
        #expect(RACPRequest.deleteStoredRecords(.lastRecord).encoded() == hex("02 06"))
    }

    @Test func racpRequestsRoundTrip() throws {
        let requests: [RACPRequest] = [
            .reportAll, .countAll, .abortOperation, .reportRecords(fromSequenceNumber: 42),
            .reportStoredRecords(.lessThanOrEqualTo(sequenceNumber: 7)), .reportStoredRecords(.firstRecord),
            .reportNumberOfStoredRecords(.withinRange(from: 1, through: 1)), .deleteStoredRecords(.allRecords),
        ]
        for request in requests { #expect(try RACPRequest.decode(request.encoded()) == request) }
        #expect(throws: DecodeError.invalidValue(characteristic: Self.racpName, field: "Operand.Filter Type",
                                                 detail: "2 is not supported (only 1, sequence number)")) {
            try RACPRequest.decode(hex("01 03 02 2A000000"))
        }
        #expect(throws: DecodeError.invalidValue(characteristic: Self.racpName, field: "Operand", detail: "range 9...5 is empty")) {
            try RACPRequest.decode(hex("01 04 01 0900 0500"))
        }
        #expect(throws: DecodeError.invalidValue(characteristic: Self.racpName, field: "Op Code", detail: "6 is a response, not a request")) {
            try RACPRequest.decode(hex("06 00 01 01"))
        }
        #expect(throws: DecodeError.invalidValue(characteristic: Self.racpName, field: "Operator", detail: "7 is reserved")) {
            try RACPRequest.decode(hex("01 07"))
        }
    }

    /// Response vectors of NordicSemiconductor/Android-BLE-Common-Library
    /// ble-common/src/test/java/no/nordicsemi/android/ble/common/callback/RecordAccessControlPointDataCallbackTest.java
    @Test(arguments: [
        ("06 00 01 01", UInt8(1), RACPResponseCode.success),
        ("06 00 0C 02", UInt8(12), .opCodeNotSupported),  // the device echoes the op code it does not know
        ("06 00 01 03", UInt8(1), .invalidOperator),
        ("06 00 02 04", UInt8(2), .operatorNotSupported),
        ("06 00 01 05", UInt8(1), .invalidOperand),
        ("06 00 01 06", UInt8(1), .noRecordsFound),
        ("06 00 03 07", UInt8(3), .abortUnsuccessful),
        ("06 00 02 08", UInt8(2), .procedureNotCompleted),
        ("06 00 02 09", UInt8(2), .operandNotSupported),
    ])
    func racpResponseCodes(frame: String, request: UInt8, code: RACPResponseCode) throws {
        let response = try RACPResponse.decode(hex(frame))
        #expect(response == .responseCode(requestOpCode: request, code: code))
        #expect(response.encoded() == hex(frame))
    }

    @Test func racpResponseErrors() throws {
        #expect(try RACPResponse.decode(hex("05 00 0201")) == .numberOfStoredRecords(258))  // Nordic: 258
        #expect(try RACPResponse.decode(hex("06 00 01 01")).requestOpCode == .reportStoredRecords)
        // Nordic reports code 10 as an "unknown error"; it is reserved, so we fail with a precise error instead.
        #expect(throws: DecodeError.invalidValue(
            characteristic: Self.racpName, field: "Operand.Response Code Value", detail: "10 is reserved")) {
            try RACPResponse.decode(hex("06 00 01 0A"))
        }
        // Nordic also accepts 1- and 4-byte record counts; the Glucose Service defines a uint16, so we do not.
        #expect(throws: DecodeError.truncated(characteristic: Self.racpName, field: "Operand.Number of Records", needed: 2, available: 1)) {
            try RACPResponse.decode(hex("05 00 01"))
        }
        #expect(throws: DecodeError.trailingBytes(characteristic: Self.racpName, count: 2)) {
            try RACPResponse.decode(hex("05 00 04030201"))
        }
        #expect(throws: DecodeError.invalidValue(characteristic: Self.racpName, field: "Op Code", detail: "1 is not a response op code (5 or 6)")) {
            try RACPResponse.decode(hex("01 01"))
        }
        #expect(throws: DecodeError.invalidValue(characteristic: Self.racpName, field: "Operator", detail: "responses carry the Null operator, got 1")) {
            try RACPResponse.decode(hex("06 01 01"))
        }
        #expect(throws: DecodeError.truncated(characteristic: Self.racpName, field: "Operator", needed: 1, available: 0)) {
            try RACPResponse.decode(hex("06"))
        }
    }

    @Test func assemblerPairsContextBySequenceNumber() throws {
        var assembler = GlucoseRecordAssembler()
        let measurement = try GlucoseMeasurement.decode(hex("12 0100 E807 06 17 07 1E 00 6EB0 11"))  // context follows
        #expect(assembler.accept(measurement).isEmpty)
        let record = try assembler.accept(try GlucoseMeasurementContext.decode(hex("02 0100 01")))  // preprandial
        #expect(record.measurement == measurement)
        let reading = try #require(record.readings.first)
        #expect(reading.qualifiers[ReadingQualifier.meal] == "preprandial")
        #expect(reading.qualifiers[ReadingQualifier.glucoseSampleLocation] == "finger")
        #expect(reading.component(.glucose)?.value.number == DecimalNumber(110))
        #expect(assembler.awaitingContext == nil)
    }

    @Test func assemblerNeverLosesAMeasurement() throws {
        var assembler = GlucoseRecordAssembler()
        let first = try GlucoseMeasurement.decode(hex("12 0100 E807 06 17 07 1E 00 6EB0 11"))
        let second = try GlucoseMeasurement.decode(hex("02 0200 E807 06 17 08 1E 00 6EB0 11"))
        #expect(assembler.accept(first).isEmpty)
        // The context never came: the next measurement releases the held one first, then itself.
        #expect(assembler.accept(second) == [GlucoseRecord(measurement: first), GlucoseRecord(measurement: second)])
        // End of transfer releases a held measurement without context.
        #expect(assembler.accept(first).isEmpty)
        #expect(assembler.finish() == [GlucoseRecord(measurement: first)])
        #expect(assembler.finish().isEmpty)
    }

    @Test func assemblerRejectsMismatchedContext() throws {
        var assembler = GlucoseRecordAssembler()
        let orphan = GlucoseMeasurementContext(sequenceNumber: 9, meal: .fasting)
        #expect(throws: DecodeError.invalidValue(
            characteristic: Self.contextName, field: "Sequence Number",
            detail: "context for record 9 but no measurement announced a context")) {
            try assembler.accept(orphan)
        }
        _ = assembler.accept(try GlucoseMeasurement.decode(hex("12 0100 E807 06 17 07 1E 00 6EB0 11")))
        #expect(throws: DecodeError.invalidValue(
            characteristic: Self.contextName, field: "Sequence Number",
            detail: "context for record 9 but record 1 awaits its context")) {
            try assembler.accept(orphan)
        }
        #expect(assembler.awaitingContext?.sequenceNumber == 1)  // still waiting for its own context
    }
}
