import Foundation
import GRDB
import HealthProfiles
import Testing
@testable import Triage

/// A reading whose vitals the plan has no rules for (glucose under a COPD plan) gets no verdict: "green" would
/// tell the patient, the technician and the centre that it is within limits nobody set.
@Suite struct NotAssessedTests {
    private static let glucoseLine =
        #"  glucose: {unit: mmol/L, yellow: {below: 4.0, above: 15}, red: {below: 3.0, above: 20}}"# + "\n"

    @Test func aVitalWithoutRulesIsNotAssessedNotGreen() async throws {
        let fixture = try await TriageFixture()
        try await fixture.install(TestPlans.standard(replacing: Self.glucoseLine, with: ""))
        let result = try await fixture.evaluate(Readings.glucose("25", unit: .millimolePerLitre), id: "glucose-1")
        #expect(result.outcome == .notAssessed)
        #expect(result.zone == nil)
        #expect(result.assessments.isEmpty)
        #expect(result.alertEvents.isEmpty)
        #expect(result.patientMessage == ZoneTexts.defaultNotAssessed)
        #expect(TriageFHIR.interpretation(for: result) == nil)
        #expect(TriageFHIR.interpretation(for: result, vitals: [.glucose]) == nil)
        let stored = try await fixture.database.read { db in
            try String.fetchOne(db, sql: "SELECT outcome FROM triage_evaluations WHERE reading_id = 'glucose-1'")
        }
        #expect(stored == "not-assessed")
        // Evaluated again (after a restart), the stored result comes back unchanged.
        let again = try await fixture.evaluate(Readings.glucose("25", unit: .millimolePerLitre), id: "glucose-1")
        #expect(again.wasAlreadyEvaluated && again.outcome == .notAssessed)
    }

    @Test func aReadingWithOneRuledVitalTakesThatVitalsZone() async throws {
        let fixture = try await TriageFixture()
        try await fixture.install()
        // spo2 has rules; the pulse of the same reading has them too: a zone, as before.
        #expect(try await fixture.evaluate(Readings.spo2("96")).outcome == .zone(.green))
    }

    @Test func thePlanMayWordTheNotAssessedText() async throws {
        let fixture = try await TriageFixture()
        let plan = TestPlans.standard(replacing: Self.glucoseLine, with: "")
            .replacingOccurrences(of: "  not-measured: NOT-MEASURED", with: "  not-measured: NOT-MEASURED\n  not-assessed: NOT-ASSESSED")
        try await fixture.install(plan)
        #expect(try await fixture.evaluate(Readings.glucose("5.5", unit: .millimolePerLitre)).patientMessage == "NOT-ASSESSED")
    }

    @Test func anEmptyNotAssessedTextIsRefused() throws {
        let plan = TestPlans.standard.replacingOccurrences(
            of: "  not-measured: NOT-MEASURED", with: "  not-measured: NOT-MEASURED\n  not-assessed: \" \"")
        do {
            _ = try CarePlanDocument.parse(yaml: plan, source: "plan.yaml")
            Issue.record("an empty not-assessed text was accepted")
        } catch {
            #expect(error.keyPath == "texts.not-assessed")
            #expect(error.message == "must not be empty: the patient is shown this text")
        }
    }
}
