/// The annotation's JSON, written by hand in the shape its synthesized `Decodable` reads (`EvaluationAnnotation
/// (bytes:)`, at forward time): `{"assessments":[…],"outcome":{"zone":{"_0":"red"}}}`. Written for every reading in
/// its commit, where `JSONEncoder` cost more than the rest of the release (see `JSONText`).
extension JSONText {
    mutating func annotation(_ result: TriageResult) throws {
        raw(#"{"assessments":["#)
        for (index, assessment) in result.assessments.enumerated() {
            if index > 0 { raw(",") }
            try self.assessment(assessment)
        }
        raw(#"],"outcome":"#)
        outcome(result.outcome)
        raw("}")
    }

    /// `TriageResult.Outcome` as Swift synthesizes it for an enum with associated values.
    mutating func outcome(_ outcome: TriageResult.Outcome) {
        switch outcome {
        case let .zone(zone):
            raw(#"{"zone":{"_0":"#)
            string(zone.rawValue)
            raw("}}")
        case let .controlMeasurementNeeded(reasons):
            raw(#"{"controlMeasurementNeeded":{"reasons":"#)
            strings(reasons)
            raw("}}")
        case .notAssessed:
            raw(#"{"notAssessed":{}}"#)
        }
    }

    /// `VitalAssessment`'s synthesized keys; `baseline` and `beyondMeasuringRange` only when set.
    mutating func assessment(_ assessment: VitalAssessment) throws {
        raw("{")
        if let baseline = assessment.baseline {
            raw(#""baseline":"#)
            try number(baseline)
            raw(",")
        }
        if let side = assessment.beyondMeasuringRange {
            raw(#""beyondMeasuringRange":"#)
            string(side.rawValue)
            raw(",")
        }
        raw(#""findings":"#)
        findings(assessment.findings)
        raw(#","unit":"#)
        string(assessment.unit.rawValue)
        raw(#","value":"#)
        try number(assessment.value)
        raw(#","vital":"#)
        string(assessment.vital.rawValue)
        raw(#","zone":"#)
        string(assessment.zone.rawValue)
        raw("}")
    }

    /// `[RuleFinding]` with its synthesized keys.
    mutating func findings(_ findings: [RuleFinding]) {
        raw("[")
        for (index, finding) in findings.enumerated() {
            if index > 0 { raw(",") }
            raw(#"{"direction":"#)
            string(finding.direction.rawValue)
            raw(#","kind":"#)
            string(finding.kind.rawValue)
            raw(#","rule":"#)
            string(finding.rule)
            raw(#","summary":"#)
            string(finding.summary)
            raw(#","vital":"#)
            string(finding.vital.rawValue)
            raw(#","zone":"#)
            string(finding.zone.rawValue)
            raw("}")
        }
        raw("]")
    }
}
