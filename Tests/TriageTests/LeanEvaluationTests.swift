import FHIRModel
import Foundation
import GRDB
import HealthProfiles
import Testing
@testable import Triage

/// triage.v8-lean-evaluations (issue 16, flash wear and CPU): an evaluation's row keeps only what its columns do not
/// hold, written without `JSONEncoder`, as is the outbox item's annotation, and what either answers is what was
/// evaluated, whatever the shape of the result; evaluations stored whole before the migration answer the same after it.
@Suite struct LeanEvaluationTests {
    private let start = Oslo.date(2026, 3, 3, 10, 0)   // a Tuesday, the centre open

    /// Results of many shapes through the real path: green, red (a finding, an alert raised), green again (the alert
    /// cleared), a control measurement, a glucose beyond the meter's range, a red reading after hours.
    private func evaluateMany(_ fixture: TriageFixture) async throws -> [TriageResult] {
        var results: [TriageResult] = []
        results.append(try await fixture.evaluate(Readings.spo2("97", pulse: "72")))
        fixture.clock.advance(hours: 1)
        results.append(try await fixture.evaluate(Readings.spo2("85", pulse: "125")))
        fixture.clock.advance(hours: 1)
        results.append(try await fixture.evaluate(Readings.spo2("96", pulse: "70")))
        results.append(try await fixture.evaluate(Readings.spo2NaN()))
        results.append(try await fixture.evaluate(BeyondMeasuringRangeTests.beyond(.below)))
        results.append(try await fixture.evaluate(Readings.temperature("37.45", unit: .celsius)))
        fixture.clock.advance(hours: 9)
        results.append(try await fixture.evaluate(Readings.spo2("86")))
        return results
    }

    @Test func whatIsStoredAndAttachedIsWhatWasEvaluated() async throws {
        let fixture = try await TriageFixture(start: start)
        try await fixture.install()
        let results = try await evaluateMany(fixture)
        #expect(results.contains { !$0.alertEvents.isEmpty } && results.contains { $0.afterHours })
        #expect(results.contains { if case .controlMeasurementNeeded = $0.outcome { true } else { false } })
        #expect(results.contains { $0.assessments.contains { $0.beyondMeasuringRange != nil } })
        for result in results {
            #expect(try await fixture.triage.storedResult(readingID: result.readingID) == result)
            try Self.expectAnnotationReadsBack(result)
        }
    }

    /// The annotation of `result` as written now and as `JSONEncoder` wrote it before (outbox items released by an
    /// older hub) is read (without `JSONDecoder`) into what `JSONDecoder` makes of the same bytes, and that is the
    /// evaluation's.
    static func expectAnnotationReadsBack(_ result: TriageResult) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        for bytes in [try EvaluationAnnotation.bytes(result), Array(try encoder.encode(EvaluationAnnotation(result)))] {
            let decoded = try JSONDecoder().decode(EvaluationAnnotation.self, from: Data(bytes))
            #expect(decoded == EvaluationAnnotation(result))
            #expect(EvaluationAnnotation.read(try JSON.parse(bytes)) == decoded)
            #expect(try EvaluationAnnotation(bytes: bytes) == decoded)
        }
    }

    /// Every optional part at once, with text JSON must escape and numbers that are not whole.
    @Test func everyPartOfAResultComesBack() async throws {
        let fixture = try await TriageFixture(start: start)
        try await fixture.install()
        let red = try await fixture.evaluate(Readings.spo2("85", pulse: "125"))
        let finding = RuleFinding(rule: "absolute", kind: .absolute, vital: .bodyTemperature, zone: .yellow, direction: .high,
                                  summary: "temperature \"37.95\" \\ above\n\tyellow bound 37.9 °C \u{1}")
        var result = red
        result.outcome = .controlMeasurementNeeded(reasons: ["device \"moved\"", "ærlig"])
        result.assessments.append(VitalAssessment(vital: .bodyTemperature, value: 37.95, unit: .celsius, zone: .yellow,
                                                  findings: [finding], baseline: 1e-5, beyondMeasuringRange: .above))
        result.assessments.append(VitalAssessment(vital: .bodyWeight, value: -0.0, unit: .kilogram, zone: .green,
                                                  findings: [], baseline: 123_456_789_012.5))
        result.skipped = ["bodyFat: no triage rules for this vital"]
        result.patientMessage = "Linje 1\nLinje \"2\" — ring 113"
        result.afterHours = true
        let json = try StoredEvaluation.json(result)
        let back = StoredEvaluation.result(
            json: json, readingID: result.readingID, measuredAt: result.measuredAt.timeIntervalSince1970,
            evaluatedAt: result.evaluatedAt.timeIntervalSince1970, planVersion: result.planVersion,
            outcome: StoredEvaluation.outcomeText(result.outcome))
        #expect(back == result)
        try Self.expectAnnotationReadsBack(result)
        var notAssessed = result
        notAssessed.outcome = .notAssessed
        try Self.expectAnnotationReadsBack(notAssessed)
        #expect(throws: TriageError.self) { try EvaluationAnnotation(bytes: Array(#"{"assessments":[],"outcome":{"zone":{"_0":"blue"}}}"#.utf8)) }
        result.assessments[0].value = .nan
        #expect(throws: (any Error).self) { try StoredEvaluation.json(result) }
    }

    /// A green SpO2 + pulse reading's row holds none of its columns again and is a third of a 1 KB page at most.
    @Test func aGreenReadingsStoredResultIsSmall() async throws {
        let fixture = try await TriageFixture(start: start)
        try await fixture.install()
        let result = try await fixture.evaluate(Readings.spo2("97", pulse: "72"), id: String(repeating: "ab", count: 32))
        let (json, rowBytes) = try await fixture.database.read { db in
            (try String.fetchOne(db, sql: "SELECT result_json FROM triage_evaluations") ?? "",
             try Int.fetchOne(db, sql: """
                SELECT length(reading_id) + 8 + 8 + 1 + length(outcome) + length(CAST(result_json AS BLOB))
                FROM triage_evaluations
                """) ?? 0)
        }
        #expect(!json.contains(result.readingID) && !json.contains("planVersion") && !json.contains("measuredAt"))
        #expect(rowBytes < 1024 / 3 - 24)
    }

    @Test func evaluationsStoredWholeBeforeTheMigrationAnswerTheSameAfterIt() async throws {
        var fixture = try await TriageFixture(start: start)
        try await fixture.install()
        let results = try await evaluateMany(fixture)
        // What the code before triage.v8 stored: the whole result, as JSONEncoder wrote it.
        try await fixture.database.write { db in
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            for result in results {
                try db.execute(sql: "UPDATE triage_evaluations SET result_json = ? WHERE reading_id = ?",
                               arguments: [String(decoding: try encoder.encode(result), as: UTF8.self), result.readingID])
            }
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'triage.v8-lean-evaluations'")
        }
        #expect(try await Self.wholeRows(fixture) == results.count)
        try await fixture.reopen()

        #expect(try await Self.wholeRows(fixture) == 0)
        for result in results {
            #expect(try await fixture.triage.storedResult(readingID: result.readingID) == result)
        }
        let replayed = try await fixture.triage.evaluate(
            readingID: results[1].readingID, measuredAt: results[1].measuredAt, reading: Readings.spo2("85", pulse: "125"))
        #expect(replayed.wasAlreadyEvaluated && replayed.zone == .red)
        #expect(try await TriageEvaluationsSchemaTests.count("triage_evaluations", fixture) == results.count)
        #expect(try await fixture.store.integrityCheck() == ["ok"])
    }

    static func wholeRows(_ fixture: TriageFixture) async throws -> Int {
        try await fixture.database.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM triage_evaluations WHERE result_json NOT LIKE '{\"a\":[%'") ?? -1
        }
    }
}
