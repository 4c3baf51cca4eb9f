import Foundation
import HealthProfiles
import Testing
@testable import Triage

/// Absolute bounds (with unit conversion), worst-of, and the FHIR interpretation of the result.
@Suite struct ZoneRuleTests {
    @Test func absoluteBoundsGiveGreenYellowRed() async throws {
        let fixture = try await TriageFixture()
        try await fixture.install()
        #expect(try await fixture.evaluate(Readings.spo2("96")).zone == .green)
        #expect(try await fixture.evaluate(Readings.spo2("92")).zone == .green)    // bounds are strict
        #expect(try await fixture.evaluate(Readings.spo2("91")).zone == .yellow)
        #expect(try await fixture.evaluate(Readings.spo2("88")).zone == .yellow)
        let red = try await fixture.evaluate(Readings.spo2("87"))
        #expect(red.zone == .red)
        let finding = try #require(red.assessments.first { $0.vital == .oxygenSaturation }?.findings.first)
        #expect(finding.kind == .absolute && finding.direction == .low)
        #expect(finding.summary == "spo2 87 % below red bound 88 %")
    }

    @Test func glucoseInMilligramsPerDecilitreIsConverted() async throws {
        let fixture = try await TriageFixture()
        try await fixture.install()
        // 50 mg/dL = 2.78 mmol/L: red below 3.0. 70 mg/dL = 3.89: yellow below 4.0. 100 mg/dL = 5.55: green.
        let red = try await fixture.evaluate(Readings.glucose("50", unit: .milligramPerDecilitre))
        #expect(red.zone == .red)
        #expect(abs((red.assessments.first?.value ?? 0) - 50 / 18.016) < 1e-9)
        #expect(try await fixture.evaluate(Readings.glucose("70", unit: .milligramPerDecilitre)).zone == .yellow)
        #expect(try await fixture.evaluate(Readings.glucose("100", unit: .milligramPerDecilitre)).zone == .green)
        #expect(try await fixture.evaluate(Readings.glucose("21.5", unit: .millimolePerLitre)).zone == .red)
    }

    @Test func fahrenheitAndPoundsAndKilopascalAreConverted() async throws {
        let fixture = try await TriageFixture()
        try await fixture.install()
        // 101.5 °F = 38.61 °C: yellow (above 37.9), not red (above 38.9). 102.5 °F = 39.17 °C: red.
        #expect(try await fixture.evaluate(Readings.temperature("101.5", unit: .fahrenheit)).zone == .yellow)
        #expect(try await fixture.evaluate(Readings.temperature("102.5", unit: .fahrenheit)).zone == .red)
        #expect(try await fixture.evaluate(Readings.temperature("98.6", unit: .fahrenheit)).zone == .green)
        // 25 kPa = 187.5 mmHg systolic: red above 180.
        #expect(try await fixture.evaluate(Readings.bloodPressure("25", "10", unit: .kilopascal)).zone == .red)
        #expect(CanonicalUnits.canonicalValue(176.37, unit: .pound, vital: .bodyWeight).map { abs($0 - 80) < 0.001 } == true)
        #expect(CanonicalUnits.canonicalValue(1, unit: .pound, vital: .glucose) == nil)
    }

    @Test func readingZoneIsTheWorstOfItsVitals() async throws {
        let fixture = try await TriageFixture()
        try await fixture.install()
        // Systolic 165: yellow; diastolic 85: green; pulse 125: red.
        let result = try await fixture.evaluate(Readings.bloodPressure("165", "85", pulse: "125"))
        #expect(result.zone == .red)
        let zones = Dictionary(uniqueKeysWithValues: result.assessments.map { ($0.vital, $0.zone) })
        #expect(zones == [.systolicPressure: .yellow, .diastolicPressure: .green, .pulseRate: .red])
        #expect(result.patientMessage.hasPrefix("RED-TEXT"))
        // One alert per vital that left green.
        #expect(Set(result.alertEvents.map(\.alert.key)) == ["vital:systolic", "vital:pulse"])
    }

    @Test func componentsWithoutRulesAreSkippedNotFailed() async throws {
        let fixture = try await TriageFixture()
        try await fixture.install()
        let reading = Reading(kind: .bodyComposition, characteristic: 0x2A9C, components: [
            ReadingComponent(.bodyFatPercentage, Readings.number("31.5"), .percent),
            ReadingComponent(.bodyWeight, Readings.number("80"), .kilogram),
        ])
        let result = try await fixture.evaluate(reading)
        #expect(result.zone == .green)
        #expect(result.skipped == ["body-fat: no triage rules for this vital"])
    }

    @Test func interpretationCodes() async throws {
        let fixture = try await TriageFixture()
        try await fixture.install()
        let low = try await fixture.evaluate(Readings.spo2("85"))
        let interpretation = try #require(TriageFHIR.interpretation(for: low))
        #expect(interpretation.overall.coding.first?.code == "LL")
        #expect(interpretation.overall.coding.first?.system
            == "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation")
        #expect(interpretation.overall.text == "Triage red: Critical low")
        #expect(interpretation.components[.pulseRate]?.coding.first?.code == "N")
        #expect(try await fixture.triage.interpretation(readingID: low.readingID) == interpretation)

        let high = try await fixture.evaluate(Readings.bloodPressure("170", "80"))
        #expect(TriageFHIR.interpretation(for: high)?.overall.coding.first?.code == "H")
        // Per Observation: a blood-pressure panel gets its members' worst zone, the pulse its own.
        let panel: [VitalSign] = [.systolicPressure, .diastolicPressure, .meanArterialPressure]
        #expect(TriageFHIR.interpretation(for: high, vitals: panel)?.coding.first?.code == "H")
        #expect(TriageFHIR.interpretation(for: high, vitals: [.pulseRate])?.coding.first?.code == "N")
        #expect(TriageFHIR.interpretation(for: high, vitals: [.bodyWeight]) == nil)
        let mixed = try await fixture.evaluate(Readings.bloodPressure("85", "115"))   // red low + red high
        #expect(TriageFHIR.interpretation(for: mixed)?.overall.coding.first?.code == "AA")

        let change = RuleFinding(rule: "weight-gain-3d", kind: .windowChange, vital: .bodyWeight, zone: .yellow,
                                 direction: .high, summary: "")
        #expect(TriageFHIR.interpretation(zone: .yellow, findings: [change]).coding.first?.code == "A")
        #expect(TriageFHIR.interpretation(zone: .green, findings: []).coding.first?.display == "Normal")

        let unreliable = try await fixture.evaluate(Readings.spo2("80", flags: [.sensorDisplaced]))
        #expect(TriageFHIR.interpretation(for: unreliable) == nil)
        #expect(TriageFHIR.interpretation(for: unreliable, vitals: [.oxygenSaturation]) == nil)
    }

    @Test func noPlanMeansAClearError() async throws {
        let fixture = try await TriageFixture()
        await #expect(throws: TriageError.noActivePlan) { try await fixture.evaluate(Readings.spo2("96")) }
        await #expect(throws: TriageError.invalidReadingID) {
            try await fixture.triage.evaluate(readingID: " ", measuredAt: Date(), reading: Readings.spo2("96"))
        }
    }

    /// The blank check runs for every reading without Foundation (issue 16); it must refuse exactly what
    /// `trimmingCharacters(in: .whitespaces)` left empty.
    @Test func aBlankReadingIDIsWhatFoundationCallsWhitespace() async throws {
        let candidates = ["", " ", "\t", " \t ", "\u{00A0}", "\u{2003}\u{3000}", "\n", "\r\n", " \n ", "\u{200B}", "a", " a ",
                          "\u{1680}", "\u{000B}", "\u{0085}", "\u{2028}", " \u{200B}1"]
        let ascii = (0..<128).map { String(UnicodeScalar(UInt8($0))) }
        for text in candidates + ascii + ascii.map({ " \($0)\t" }) {
            #expect(Triage.isBlank(text) == text.trimmingCharacters(in: .whitespaces).isEmpty, "\(text.unicodeScalars.map(\.value))")
        }
        let fixture = try await TriageFixture()
        try await fixture.install()
        await #expect(throws: TriageError.invalidReadingID) {
            try await fixture.triage.evaluate(readingID: "\t\u{3000}", measuredAt: Date(), reading: Readings.spo2("96"))
        }
    }
}
