import Foundation
import HealthProfiles
import Testing
@testable import Triage

/// A glucometer's LO / HI: a result beyond what the meter can quantify. It used to arrive as "value absent" and ask
/// for a control measurement — a patient whose meter says LO got no alert. It is red, worded by the bound it lies
/// beyond, never as −∞ or a made-up number.
@Suite struct BeyondMeasuringRangeTests {
    static func beyond(_ side: MeasuringRangeSide, range: MeasuringRange? = nil, flags: [ReadingFlag]? = nil) -> Reading {
        var qualifiers: [String: String] = [:]
        if let range { qualifiers[ReadingQualifier.measuringRange] = range.qualifierText }
        let status: [ReadingFlag] = side == .below ? [.resultLowerThanDeviceCanProcess] : [.resultHigherThanDeviceCanProcess]
        return Reading(kind: .glucose, characteristic: 0x2A18,
                       components: [ReadingComponent(.glucose, .beyondRange(side), .milligramPerDecilitre)],
                       flags: flags ?? status, sequenceNumber: 12, qualifiers: qualifiers)
    }

    @Test func aLowGlucoseBeyondTheMeterIsRedWithTheBoundNotANumber() async throws {
        let fixture = try await TriageFixture()
        try await fixture.install()
        let result = try await fixture.evaluate(Self.beyond(.below))
        #expect(result.zone == .red)
        let assessment = try #require(result.assessments.first { $0.vital == .glucose })
        #expect(assessment.beyondMeasuringRange == .below)
        let finding = try #require(assessment.findings.first)
        #expect(finding.direction == .low && finding.kind == .absolute)
        #expect(finding.summary == "glucose below the meter's measuring range (LO, under 1.1 mmol/L) below red bound 3 mmol/L",
                "\(finding.summary)")
        #expect(TriageFHIR.interpretation(for: result)?.overall.coding.first?.code == "LL")
        // The patient is told what the meter showed, with the bound, then the plan's red text and its advice.
        #expect(result.patientMessage.hasPrefix("Måleren viste LO: blodsukkeret er lavere enn måleren kan måle (under 1,1 mmol/L).\nRED-TEXT\n"),
                "\(result.patientMessage)")
        for text in [finding.summary, result.patientMessage] {
            #expect(!text.lowercased().contains("inf") && !text.contains("absent"), "\(text)")
        }
        let flag = try #require(try await fixture.queuedFlags().first)
        #expect(flag.extension("triage-detail")?["valueString"]?.stringValue?
            .hasPrefix("glucose below the meter's measuring range (LO, under 1.1 mmol/L)") == true)
    }

    @Test func aHighGlucoseBeyondTheMeterIsRed() async throws {
        let fixture = try await TriageFixture()
        try await fixture.install()
        let result = try await fixture.evaluate(Self.beyond(.above))
        #expect(result.zone == .red)
        let finding = try #require(result.assessments.first?.findings.first)
        #expect(finding.summary == "glucose above the meter's measuring range (HI, over 33.3 mmol/L) above red bound 20 mmol/L",
                "\(finding.summary)")
        #expect(TriageFHIR.interpretation(for: result)?.overall.coding.first?.code == "HH")
        #expect(result.patientMessage.hasPrefix("Måleren viste HI: blodsukkeret er høyere enn måleren kan måle (over 33,3 mmol/L)."))
    }

    @Test func aRedBoundBeyondWhatTheMeterMeasuresCannotBeDecidedAndIsTreatedAsRed() async throws {
        let fixture = try await TriageFixture()
        try await fixture.install(TestPlans.standard(
            replacing: "red: {below: 3.0, above: 20}", with: "red: {below: 0.8, above: 40}"))
        let low = try await fixture.evaluate(Self.beyond(.below))
        #expect(low.zone == .red)
        #expect(low.assessments.first?.findings.first?.summary
            == "glucose below the meter's measuring range (LO, under 1.1 mmol/L); red bound 0.8 mmol/L lies beyond what the meter measures: zone undecidable, treated as red")
        let high = try await fixture.evaluate(Self.beyond(.above))
        #expect(high.zone == .red)
        #expect(high.assessments.first?.findings.first?.summary.hasSuffix("red bound 40 mmol/L lies beyond what the meter measures: zone undecidable, treated as red") == true)
    }

    @Test func theProfilesRangeNamesTheBound() async throws {
        let fixture = try await TriageFixture()
        try await fixture.install()
        // A meter stating 10–600 mg/dL (Accu-Chek Instant's low bound, README "Beyond the measuring range").
        let instant = MeasuringRange(low: DecimalNumber(10), high: DecimalNumber(600), unit: .milligramPerDecilitre)
        let result = try await fixture.evaluate(Self.beyond(.below, range: instant))
        #expect(result.assessments.first?.findings.first?.summary.hasPrefix("glucose below the meter's measuring range (LO, under 0.6 mmol/L)") == true)
    }

    @Test func aLowResultWithAFaultyStripStillAsksForAControlMeasurement() async throws {
        let fixture = try await TriageFixture()
        try await fixture.install()
        let result = try await fixture.evaluate(Self.beyond(.below, flags: [.resultLowerThanDeviceCanProcess, .stripInsertionError]))
        #expect(result.zone == nil)
        #expect(result.patientMessage == "CONTROL-TEXT")
    }

    @Test func textsNameTheBoundInTheCanonicalUnit() throws {
        let common = MeasuringRange.commonGlucose
        let low = try #require(BeyondRangeText.limit(.below, of: common, vital: .glucose))
        let high = try #require(BeyondRangeText.limit(.above, of: common, vital: .glucose))
        #expect(BeyondRangeText.short(low) == "LO (below 1.1 mmol/L)")
        #expect(BeyondRangeText.short(high) == "HI (above 33.3 mmol/L)")
        #expect(BeyondRangeText.summary(low) == "below the meter's measuring range (LO, under 1.1 mmol/L)")
        // A range stated in mmol/L is shown as stated.
        let molar = MeasuringRange(low: DecimalNumber(mantissa: 6, exponent: -1), high: DecimalNumber(mantissa: 333, exponent: -1),
                                   unit: .millimolePerLitre)
        #expect(try BeyondRangeText.short(#require(BeyondRangeText.limit(.below, of: molar, vital: .glucose))) == "LO (below 0.6 mmol/L)")
        #expect(MeasuringRange(qualifierText: molar.qualifierText) == molar)
        #expect(MeasuringRange(qualifierText: "600-20 mg/dL") == nil)
        #expect(MeasuringRange(qualifierText: "20-600") == nil)
    }
}
