import Forwarding
import Foundation
import HealthProfiles
import ReadingStore
import Testing

/// "system|code" of every coding of a CodeableConcept.
func codes(_ concept: JSON?) -> [String] {
    (concept?["coding"]?.arrayValue ?? []).map { "\($0["system"]?.stringValue ?? "")|\($0["code"]?.stringValue ?? "")" }
}

func has(_ concept: JSON?, _ code: String) -> Bool { codes(concept).contains(code) }

func observations(_ entries: [BundleEntry]) -> [JSON] {
    entries.compactMap { $0.json["resource"] }.filter { $0["resourceType"]?.stringValue == "Observation" }
}

func observation(_ entries: [BundleEntry], code: String) -> JSON? {
    observations(entries).first { codes($0["code"]).contains(code) }
}

func component(_ resource: JSON?, code: String) -> JSON? {
    resource?["component"]?.arrayValue?.first { codes($0["code"]).contains(code) }
}

let mdc = CodeSystem.mdc + "|"
let loinc = CodeSystem.loinc + "|"

@Suite struct MappingTests {
    let mapper = try! Harness.mapper()

    @Test func bloodPressureIsAPanelPlusAPulseObservation() throws {
        let stored = Samples.stored(Samples.bloodPressure())
        let entries = mapper.entries(for: stored, sensor: nil)
        #expect(observations(entries).count == 3)  // panel, pulse, coincident time stamp

        let panel = try #require(observation(entries, code: mdc + "150020"))
        #expect(codes(panel["code"]) == [mdc + "150020", loinc + "85354-9"])
        let systolic = try #require(component(panel, code: mdc + "150021"))
        #expect(has(systolic["code"], loinc + "8480-6"))
        #expect(systolic["valueQuantity"]?["value"] == .number("138"))
        #expect(systolic["valueQuantity"]?["system"]?.stringValue == CodeSystem.ucum)
        #expect(systolic["valueQuantity"]?["code"]?.stringValue == "mm[Hg]")
        #expect(component(panel, code: mdc + "150022")?["valueQuantity"]?["value"] == .number("88"))
        #expect(component(panel, code: mdc + "150023")?["valueQuantity"]?["value"] == .number("120"))
        #expect(component(panel, code: mdc + "149546") == nil)

        let pulse = try #require(observation(entries, code: mdc + "149546"))
        #expect(has(pulse["code"], loinc + "8867-4"))
        #expect(pulse["valueQuantity"]?["code"]?.stringValue == "/min")

        // References: patient from configuration, the sensor's Device, the gateway via the extension.
        #expect(panel["subject"]?["reference"]?.stringValue == Harness.patient)
        #expect(panel["device"]?["reference"]?.stringValue == mapper.sensorDeviceURL(Samples.cuff))
        let gatewayExtension = panel["extension"]?.arrayValue?.first {
            $0["url"]?.stringValue == FHIRURL.gatewayDeviceExtension
        }
        #expect(gatewayExtension?["valueReference"]?["reference"]?.stringValue == mapper.gatewayDeviceURL())
        // effectiveDateTime is the corrected instant with the home's offset (Oslo, summer time); the device's
        // own clock is kept in the coincident time stamp every Observation of the reading references.
        #expect(panel["effectiveDateTime"]?.stringValue == "2025-06-15T17:06:40+02:00")
        let coincident = try #require(observation(entries, code: mdc + "67975"))
        #expect(coincident["valueDateTime"]?.stringValue == "2025-04-17T20:41:59+02:00")
        #expect(coincident["effectiveDateTime"] == panel["effectiveDateTime"])
        #expect(coincident["subject"]?["reference"]?.stringValue == mapper.sensorDeviceURL(Samples.cuff))
        #expect(coincident["device"]?["reference"]?.stringValue == mapper.gatewayDeviceURL())
        for resource in [panel, pulse] {
            let reference = resource["extension"]?.arrayValue?.first { $0["url"]?.stringValue == FHIRURL.coincidentTimeStampExtension }
            #expect(reference?["valueReference"]?["reference"]?.stringValue?.hasPrefix("urn:uuid:") == true)
            #expect(reference?["valueReference"]?["reference"] == entries.first { $0.json["resource"] == coincident }?.json["fullUrl"])
        }
        #expect(panel["status"]?.stringValue == "final")
        #expect(has(panel["category"]?.arrayValue?.first, CodeSystem.observationCategory + "|vital-signs"))
        #expect(panel["category"]?.arrayValue?.contains { has($0, CodeSystem.phdObservationCategory + "|phd") } == true)

        // The first Observation carries the reading identifier itself; the pulse a derived one.
        #expect(panel["identifier"]?.arrayValue?.first?["value"]?.stringValue == stored.id.rawValue)
        #expect(panel["identifier"]?.arrayValue?.first?["system"]?.stringValue == "urn:dho-gateway:observation")
        let pulseID = pulse["identifier"]?.arrayValue?.first?["value"]?.stringValue
        #expect(pulseID != nil && pulseID != stored.id.rawValue)
    }

    @Test func everyEntryIsAConditionalCreateOnItsIdentifier() throws {
        let entries = mapper.entries(for: Samples.stored(Samples.bloodPressure()), sensor: nil)
        #expect(entries.count == 5)  // sensor Device, gateway Device, panel, pulse, coincident time stamp
        for entry in entries {
            let request = try #require(entry.json["request"])
            #expect(request["method"]?.stringValue == "POST")
            let resource = try #require(entry.json["resource"])
            let identifier = try #require(resource["identifier"]?.arrayValue?.first)
            let expected = BundleEntry.identifierQuery(
                system: identifier["system"]?.stringValue ?? "", value: identifier["value"]?.stringValue ?? "")
            #expect(request["ifNoneExist"]?.stringValue == expected)
            #expect(request["url"]?.stringValue == resource["resourceType"]?.stringValue)
        }
        #expect(BundleEntry.identifierQuery(system: "urn:a", value: "x|y,z&w") == #"identifier=urn:a|x%5C%7Cy%5C%2Cz%26w"#)
    }

    @Test func notANumberAndNotAtThisResolutionBecomeDataAbsentReasons() throws {
        // The real cuff error frame: every value NaN.
        let error = Reading(
            kind: .bloodPressure, characteristic: 0x2A35, deviceTime: Samples.time(35),
            components: [
                ReadingComponent(.systolicPressure, MedicalFloat(sfloatBits: 0x07FF), .millimetreOfMercury),
                ReadingComponent(.diastolicPressure, MedicalFloat(sfloatBits: 0x07FF), .millimetreOfMercury),
                ReadingComponent(.meanArterialPressure, MedicalFloat(sfloatBits: 0x0800), .millimetreOfMercury),
                ReadingComponent(.pulseRate, MedicalFloat(sfloatBits: 0x07FE), .perMinute),
            ])
        let entries = mapper.entries(for: Samples.stored(error), sensor: nil)
        let panel = try #require(observation(entries, code: mdc + "150020"))
        let systolic = try #require(component(panel, code: mdc + "150021"))
        #expect(systolic["valueQuantity"] == nil)
        #expect(codes(systolic["dataAbsentReason"]) == [CodeSystem.dataAbsentReason + "|not-a-number"])
        #expect(codes(component(panel, code: mdc + "150023")?["dataAbsentReason"]) == [CodeSystem.dataAbsentReason + "|error"])
        let pulse = try #require(observation(entries, code: mdc + "149546"))
        #expect(pulse["valueQuantity"] == nil)
        #expect(codes(pulse["dataAbsentReason"]) == [CodeSystem.dataAbsentReason + "|positive-infinity"])
    }

    @Test func unreliableFlagsAreVisibleToTheNurse() throws {
        let reading = Samples.bloodPressure(flags: [.bodyMovement, .irregularPulse])
        let stored = Samples.stored(reading)
        let entries = mapper.entries(for: stored, sensor: nil)
        let panel = try #require(observation(entries, code: mdc + "150020"))
        #expect(codes(panel["interpretation"]?.arrayValue?.first) == [CodeSystem.measurementStatus + "|questionable"])
        #expect(panel["interpretation"]?.arrayValue?.first?["text"]?.stringValue?.contains("body movement") == true)
        let note = panel["note"]?.arrayValue?.first?["text"]?.stringValue ?? ""
        #expect(note.contains("body movement") && note.contains("irregular pulse") && note.contains("control measurement"))

        // The device status bits as a PhdBitsEnumerationObservation derived from the panel.
        let status = try #require(observation(entries, code: mdc + "8410608"))
        #expect(CodeSystem.asn1ToHL7 == "http://terminology.hl7.org/CodeSystem/ASN1ToHL7")
        #expect(component(status, code: CodeSystem.asn1ToHL7 + "|8410608.0")?["valueBoolean"] == .bool(true))
        #expect(component(status, code: CodeSystem.asn1ToHL7 + "|8410608.2")?["valueBoolean"] == .bool(true))
        #expect(status["component"]?.arrayValue?.count == 2)
        #expect(status["derivedFrom"]?.arrayValue?.first?["reference"]?.stringValue == "urn:uuid:" + stored.id.rawValue)

        // A clinical finding alone (irregular pulse) is information, not unreliability.
        let finding = mapper.entries(for: Samples.stored(Samples.bloodPressure(flags: [.irregularPulse])), sensor: nil)
        #expect(observation(finding, code: mdc + "150020")?["interpretation"] == nil)
        #expect(observation(finding, code: mdc + "8410608") != nil)
    }

    @Test func measurementStatusFollowsThePHDMapping() throws {
        func spo2(_ flags: [ReadingFlag]) -> JSON? {
            let reading = Reading(
                kind: .spotCheckOximetry, characteristic: 0x2A5E, deviceTime: Samples.time(5),
                components: [ReadingComponent(.oxygenSaturation, Samples.value("97"), .percent)], flags: flags)
            return observation(mapper.entries(for: Samples.stored(reading), sensor: nil), code: mdc + "150456")
        }
        let invalid = try #require(spo2([.invalidMeasurementDetected]))
        #expect(invalid["valueQuantity"] == nil)
        #expect(codes(invalid["dataAbsentReason"]) == [CodeSystem.dataAbsentReason + "|error"])
        #expect(invalid["status"]?.stringValue == "entered-in-error")
        let early = try #require(spo2([.earlyEstimatedData]))
        #expect(early["status"]?.stringValue == "preliminary")
        #expect(codes(early["interpretation"]?.arrayValue?.first) == [CodeSystem.measurementStatus + "|early-indication"])
        #expect(early["valueQuantity"]?["value"] == .number("97"))
        let test = try #require(spo2([.dataForTesting]))
        #expect(codes(["coding": test["meta"]?["security"] ?? .null]) == [CodeSystem.actReason + "|HTEST"])
        #expect(spo2([])?["meta"]?["security"] == nil)
    }

    @Test func bloodPressureInKilopascalGoesOutInMillimetresOfMercuryWithTheOriginalInTheNote() throws {
        let reading = Reading(
            kind: .bloodPressure, characteristic: 0x2A35, deviceTime: Samples.time(9),
            components: ConformanceTests.pressureKPa)
        let panel = try #require(observation(mapper.entries(for: Samples.stored(reading), sensor: nil), code: mdc + "150020"))
        let systolic = try #require(component(panel, code: mdc + "150021"))
        #expect(systolic["valueQuantity"]?["value"] == .number("138.0"))  // 18.4 kPa × 7.50062 = 138.01
        #expect(systolic["valueQuantity"]?["code"]?.stringValue == "mm[Hg]")
        #expect(component(panel, code: mdc + "150022")?["valueQuantity"]?["value"] == .number("87.8"))
        #expect(component(panel, code: mdc + "150023")?["valueQuantity"]?["value"] == .number("105.0"))
        let note = panel["note"]?.arrayValue?.first?["text"]?.stringValue ?? ""
        #expect(note.contains("systolic 18.4 kPa") && note.contains("7.50062"))
    }

    @Test func oximetryCodes() throws {
        let reading = Reading(
            kind: .continuousOximetry, characteristic: 0x2A5F,
            components: [
                ReadingComponent(.oxygenSaturation, Samples.value("96"), .percent),
                ReadingComponent(.pulseRate, Samples.value("72"), .perMinute),
                ReadingComponent(.perfusionIndex, Samples.value("4.5"), .percent),
            ])
        let entries = mapper.entries(for: Samples.stored(reading), sensor: nil)
        #expect(observations(entries).count == 3)
        #expect(codes(observation(entries, code: mdc + "150456")?["code"]) == [mdc + "150456", loinc + "2708-6", loinc + "59408-5"])
        #expect(codes(observation(entries, code: mdc + "149530")?["code"]) == [mdc + "149530", loinc + "8867-4"])
        #expect(observation(entries, code: mdc + "150448")?["valueQuantity"]?["value"] == .number("4.5"))
    }

    /// A settled continuous SpO2 (the median of a window) states its window as effectivePeriod (PHD IG 2.0.0:
    /// a measurement with a duration) and the statistic in `method`; the window's qualifiers are no components.
    @Test func aSettledContinuousValueCarriesItsWindow() throws {
        let reading = Reading(
            kind: .continuousOximetry, characteristic: 0x2A5F,
            components: [
                ReadingComponent(.oxygenSaturation, Samples.value("96"), .percent),
                ReadingComponent(.pulseRate, Samples.value("70"), .perMinute),
            ],
            qualifiers: [ReadingQualifier.settledWindowMilliseconds: "29500", ReadingQualifier.settledSamples: "30"])
        let entries = mapper.entries(for: Samples.stored(reading), sensor: nil)
        for resource in observations(entries) {
            #expect(resource["effectiveDateTime"] == nil)
            #expect(resource["effectivePeriod"]?["start"]?.stringValue == "2025-06-15T17:06:10.500+02:00", "\(resource)")
            #expect(resource["effectivePeriod"]?["end"]?.stringValue == "2025-06-15T17:06:40+02:00")
            #expect(resource["method"]?["text"]?.stringValue == "median of 30 settled samples over 29.5 s")
            #expect(resource["component"] == nil, "\(resource)")
        }
        // A single sample (no window) keeps its instant.
        let instant = mapper.entries(for: Samples.stored(Reading(
            kind: .continuousOximetry, characteristic: 0x2A5F,
            components: [ReadingComponent(.oxygenSaturation, Samples.value("96"), .percent)])), sensor: nil)
        #expect(observations(instant).first?["effectiveDateTime"]?.stringValue == "2025-06-15T17:06:40+02:00")
        #expect(observations(instant).first?["effectivePeriod"] == nil)
    }

    @Test func glucoseCodesFollowUnitSampleTypeAndContext() throws {
        func glucose(_ value: String, _ unit: UCUMUnit, qualifiers: [String: String] = [:]) throws -> JSON {
            let reading = Reading(
                kind: .glucose, characteristic: 0x2A18, deviceTime: Samples.time(7),
                components: [ReadingComponent(.glucose, Samples.value(value), unit)], sequenceNumber: 7,
                qualifiers: qualifiers)
            return try #require(observations(mapper.entries(for: Samples.stored(reading), sensor: nil)).first)
        }
        #expect(codes(try glucose("5.4", .millimolePerLitre)["code"]) == [mdc + "160184", loinc + "14743-9"])
        #expect(codes(try glucose("97", .milligramPerDecilitre)["code"]) == [mdc + "160184", loinc + "41653-7"])
        let venous = try glucose("6.1", .millimolePerLitre, qualifiers: [
            "glucose-sample-type": "venous-plasma", "meal": "preprandial", "glucose-device-unit": "mol/L",
        ])
        #expect(codes(venous["code"]) == [mdc + "160196", loinc + "14749-6"])
        // Coded context is its own Observation derived from the glucose Observation; technical qualifiers are
        // not shown.
        #expect(venous["component"] == nil)
        #expect(venous["category"]?.arrayValue?.count == 1)  // not a vital sign: PHD category only
    }

    @Test func temperatureKeepsThePrecisionAndSite() throws {
        let reading = Reading(
            kind: .bodyTemperature, characteristic: 0x2A1C, deviceTime: Samples.time(1),
            components: [ReadingComponent(.bodyTemperature, .number(DecimalNumber(mantissa: 3670, exponent: -2)), .celsius)],
            qualifiers: ["temperature-site": "tympanum"])
        let temperature = try #require(observations(mapper.entries(for: Samples.stored(reading), sensor: nil)).first)
        #expect(codes(temperature["code"]) == [mdc + "150364", loinc + "8310-5"])
        #expect(temperature["valueQuantity"]?["value"] == .number("36.70"))
        #expect(temperature["valueQuantity"]?["code"]?.stringValue == "Cel")
        #expect(codes(temperature["bodySite"]) == [CodeSystem.snomed + "|42859004"])
        #expect(JSON.object(["v": .decimal(DecimalNumber(mantissa: 3670, exponent: -2))]).text == #"{"v":36.70}"#)
    }

    @Test func scaleAndBodyCompositionGiveOneObservationPerQuantity() throws {
        let reading = Reading(
            kind: .bodyComposition, characteristic: 0x2A9C, deviceTime: Samples.time(2),
            components: [
                ReadingComponent(.bodyFatPercentage, Samples.value("23.5"), .percent),
                ReadingComponent(.bodyWeight, Samples.value("81.35"), .kilogram),
                ReadingComponent(.height, Samples.value("1.80"), .metre),
                ReadingComponent(.bodyMassIndex, Samples.value("25.1"), .kilogramPerSquareMetre),
                ReadingComponent(.muscleMass, Samples.value("35.2"), .kilogram),
            ])
        let entries = mapper.entries(for: Samples.stored(reading), sensor: nil)
        #expect(observations(entries).count == 6)  // five quantities and the coincident time stamp
        #expect(codes(observation(entries, code: mdc + "188736")?["code"]) == [mdc + "188736", loinc + "29463-7"])
        #expect(observation(entries, code: mdc + "188736")?["valueQuantity"]?["value"] == .number("81.35"))
        #expect(has(observation(entries, code: mdc + "188740")?["code"], loinc + "8302-2"))
        #expect(has(observation(entries, code: mdc + "188752")?["code"], loinc + "39156-5"))
        #expect(has(observation(entries, code: mdc + "188748")?["code"], loinc + "41982-0"))
        #expect(observation(entries, code: mdc + "188776") != nil)
        let identifiers = observations(entries).compactMap { $0["identifier"]?.arrayValue?.first?["value"]?.stringValue }
        #expect(Set(identifiers).count == 6)
        // Height in m (the Weight Scale's unit) goes out in cm, as the R4 bodyheight profile requires.
        #expect(observation(entries, code: mdc + "188740")?["valueQuantity"]?["value"] == .number("180"))
        #expect(observation(entries, code: mdc + "188740")?["valueQuantity"]?["code"]?.stringValue == "cm")
    }

    @Test func devicesCarryManufacturerModelSerialAndFirmware() async throws {
        let directory = TemporaryDirectory()
        let store = try ReadingStore.open(StoreConfiguration(path: directory.file("db.sqlite")))
        let update = SensorUpdate(
            key: Samples.cuff, address: "00:1C:05:FF:E8:74", manufacturer: "A&D Medical", model: "UA-651BLE",
            serial: "5170900123", firmware: "1.2", hardware: "B", software: "2.0", systemID: "001C05FFFEE87400",
            profile: "blood-pressure")
        try await store.upsertSensor(update)
        let record = try await store.sensor(Samples.cuff)
        let device = mapper.sensorDevice(Samples.cuff, record: record, kind: nil).json["resource"]
        #expect(device?["manufacturer"]?.stringValue == "A&D Medical")
        #expect(device?["modelNumber"]?.stringValue == "UA-651BLE")
        #expect(device?["serialNumber"]?.stringValue == "5170900123")
        let identifiers = device?["identifier"]?.arrayValue ?? []
        #expect(identifiers.contains { $0["system"]?.stringValue == "urn:dho-gateway:sensor" && $0["value"]?.stringValue == Samples.cuff.rawValue })
        #expect(identifiers.contains { $0["system"]?.stringValue == CodeSystem.ieeeSystemID && $0["value"]?.stringValue == "00-1C-05-FF-FE-E8-74-00" })
        #expect(identifiers.contains { $0["system"]?.stringValue == CodeSystem.bluetoothAddress && $0["value"]?.stringValue == "00-1C-05-FF-E8-74" })
        let versions = device?["version"]?.arrayValue ?? []
        #expect(versions.contains { codes($0["type"]) == [mdc + "531976"] && $0["value"]?.stringValue == "1.2" })
        #expect(codes(device?["type"]) == [mdc + "65573"])
        #expect(codes(device?["specialization"]?.arrayValue?.first?["systemType"]) == [mdc + "528391"])
        #expect(device?["specialization"]?.arrayValue?.first?["_version"] != nil)  // unknown: BLE reports none

        let gateway = mapper.gatewayDevice().json["resource"]
        #expect(codes(gateway?["type"]) == [mdc + "531981"])
        #expect(gateway?["serialNumber"]?.stringValue == "SN0042")
        #expect(gateway?["version"]?.arrayValue?.first?["value"]?.stringValue == "1.0.0")
        let systemID = gateway?["identifier"]?.arrayValue?.first { $0["system"]?.stringValue == CodeSystem.ieeeSystemID }
        #expect(systemID?["value"]?.stringValue == "0A-1B-2C-3D-4E-5F-60-71")
        #expect(codes(systemID?["type"]) == [CodeSystem.continuaDeviceIdentifiers + "|SYSID"])
        let properties = (gateway?["property"]?.arrayValue ?? []).flatMap { codes($0["type"]) }
        #expect(properties == [mdc + "68220", CodeSystem.asn1ToHL7 + "|532354.0"])
        #expect(gateway?["specialization"]?.arrayValue?.count == 6)
    }

    @Test func theDeviceOfAnUnknownSensorStillIdentifiesIt() {
        let device = mapper.sensorDevice(Samples.oximeter, record: nil, kind: .spotCheckOximetry).json["resource"]
        #expect(device?["identifier"]?.arrayValue?.first?["value"]?.stringValue == Samples.oximeter.rawValue)
        #expect(codes(device?["specialization"]?.arrayValue?.first?["systemType"]) == [mdc + "528388"])
        // Required elements the device never told are marked unknown, not left out (PhdDevice 1..1).
        #expect(device?["_manufacturer"]?["extension"]?.arrayValue?.first?["valueCode"]?.stringValue == "unknown")
    }

    @Test func theCodeTableIsPublicForTriage() {
        let systolic = FHIRCodeTable.code(for: .systolicPressure, kind: .bloodPressure)
        #expect(systolic.mdc.code == "150021")
        #expect(FHIRCodeTable.code(for: .pulseRate, kind: .spotCheckOximetry).mdc.code == "149530")
        #expect(FHIRCodeTable.code(for: .glucose, kind: .glucose).codings(for: .milligramPerDecilitre).map(\.code) == ["160184", "41653-7"])
        #expect(mapper.observationReference(for: ReadingID(rawValue: "abc"))
            == "Observation?identifier=urn:dho-gateway:observation|abc")
    }

    @Test func thePatientReferenceAndTokenNeverPrint() throws {
        let patient = try PatientReference(Harness.patient)
        #expect(!"\(patient)".contains("01017012345"))
        #expect(!String(reflecting: patient).contains("01017012345"))
        let token = try BearerToken("s3cr3t-token")
        #expect(!"\(token)".contains("s3cr3t"))
        #expect(throws: ForwardingError.self) { try PatientReference("01017012345") }
        #expect(throws: ForwardingError.self) { try BearerToken("two words") }
    }
}
