import Foundation
import HealthProfiles

/// How an evaluation's result is kept in `triage_evaluations.result_json` since `triage.v8-lean-evaluations`: only
/// what the row's columns do not hold, with short keys.
///
/// Issue 16, flash wear: the whole `TriageResult` as `JSONEncoder` wrote it repeated the reading's identifier, its
/// times, the plan version and the outcome (all columns of the row), the keys of every assessment and a flag that is
/// always false when stored: rows of about 560 bytes, over half of a 1 KB page, so every reading's commit wrote a
/// page of its own for its evaluation (2.2 pages with the splits, `scripts/wal-pages`). This form is ~170 bytes for
/// a green SpO2 + pulse reading, three rows to a page. The result read back is the one stored (the times to within
/// the REAL column's rounding, a fraction of a microsecond).
///
/// `{"a":[{"v":"spo2","x":97,"u":"%","z":"green"},…],"m":"…"}`, then when they are not empty: `"r"` the control
/// measurement's reasons, `"s"` the skipped components, `"h":true` after hours, `"e"` the alert events (as
/// `JSONEncoder` writes them: rare, and their shape is the alerts'). An assessment's `"f"` (findings), `"b"`
/// (habitual value) and `"r"` (beyond the measuring range) only when set.
struct StoredEvaluation: Decodable {
    struct Assessment: Decodable {
        var v: VitalSign
        var x: Double
        var u: UCUMUnit
        var z: Zone
        var f: [RuleFinding]?
        var b: Double?
        var r: MeasuringRangeSide?
    }

    var a: [Assessment]
    var m: String
    var r: [String]?
    var s: [String]?
    var h: Bool?
    var e: [AlertEvent]?

    /// The `outcome` column's text for `outcome`.
    static func outcomeText(_ outcome: TriageResult.Outcome) -> String {
        switch outcome {
        case let .zone(zone): zone.rawValue
        case .controlMeasurementNeeded: "control-measurement"
        case .notAssessed: "not-assessed"
        }
    }

    /// The `result_json` text of `result`.
    static func json(_ result: TriageResult) throws -> String {
        var json = JSONText(capacity: 96 + 48 * result.assessments.count + result.patientMessage.utf8.count)
        json.raw(#"{"a":["#)
        for (index, assessment) in result.assessments.enumerated() {
            if index > 0 { json.raw(",") }
            json.raw(#"{"v":"#)
            json.string(assessment.vital.rawValue)
            json.raw(#","x":"#)
            try json.number(assessment.value)
            json.raw(#","u":"#)
            json.string(assessment.unit.rawValue)
            json.raw(#","z":"#)
            json.string(assessment.zone.rawValue)
            if !assessment.findings.isEmpty {
                json.raw(#","f":"#)
                json.findings(assessment.findings)
            }
            if let baseline = assessment.baseline {
                json.raw(#","b":"#)
                try json.number(baseline)
            }
            if let side = assessment.beyondMeasuringRange {
                json.raw(#","r":"#)
                json.string(side.rawValue)
            }
            json.raw("}")
        }
        json.raw(#"],"m":"#)
        json.string(result.patientMessage)
        if case let .controlMeasurementNeeded(reasons) = result.outcome {
            json.raw(#","r":"#)
            json.strings(reasons)
        }
        if !result.skipped.isEmpty {
            json.raw(#","s":"#)
            json.strings(result.skipped)
        }
        if result.afterHours { json.raw(#","h":true"#) }
        if !result.alertEvents.isEmpty {
            json.raw(#","e":"#)
            json.raw(try JSONEncoder().encode(result.alertEvents))
        }
        json.raw("}")
        return String(decoding: json.bytes, as: UTF8.self)
    }

    /// The result a row holds: its columns and its `result_json`, in this form or (rows `triage.v8` did not rewrite,
    /// none after it ran) the whole `TriageResult`. Nil when the text is neither.
    static func result(
        json: String, readingID: String, measuredAt: Double, evaluatedAt: Double, planVersion: Int, outcome: String
    ) -> TriageResult? {
        let data = Data(json.utf8)
        guard let stored = try? JSONDecoder().decode(StoredEvaluation.self, from: data) else {
            return try? JSONDecoder().decode(TriageResult.self, from: data)
        }
        let decodedOutcome: TriageResult.Outcome
        switch outcome {
        case "control-measurement": decodedOutcome = .controlMeasurementNeeded(reasons: stored.r ?? [])
        case "not-assessed": decodedOutcome = .notAssessed
        default:
            guard let zone = Zone(rawValue: outcome) else { return nil }
            decodedOutcome = .zone(zone)
        }
        return TriageResult(
            readingID: readingID, measuredAt: Date(timeIntervalSince1970: measuredAt),
            evaluatedAt: Date(timeIntervalSince1970: evaluatedAt), planVersion: planVersion, outcome: decodedOutcome,
            assessments: stored.a.map {
                VitalAssessment(vital: $0.v, value: $0.x, unit: $0.u, zone: $0.z, findings: $0.f ?? [], baseline: $0.b,
                                beyondMeasuringRange: $0.r)
            },
            skipped: stored.s ?? [], patientMessage: stored.m, afterHours: stored.h ?? false,
            alertEvents: stored.e ?? [], wasAlreadyEvaluated: false)
    }
}
