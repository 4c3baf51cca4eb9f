import FHIRModel
import HealthProfiles

/// Reading an annotation back at forward time, for every reading the forwarder sends: `JSONDecoder` (its containers,
/// coding keys and the enum's nested containers) was 1.6 % of the daemon's CPU under `bench resources`' load, as much
/// as the hand-written `JSONText` saves on the way in. The same JSON is read here with FHIRModel's parser (the one the
/// forwarder reads the centre's answers with) into the same values; anything this does not recognise is left to
/// `JSONDecoder`, so an annotation reads the same either way (the tests compare the two).
extension EvaluationAnnotation {
    init(outcome: TriageResult.Outcome, assessments: [VitalAssessment]) {
        self.outcome = outcome
        self.assessments = assessments
    }

    /// The annotation `json` holds, in the shape the synthesized `Codable` writes; nil for any other.
    static func read(_ json: JSON) -> EvaluationAnnotation? {
        guard let outcome = json["outcome"].flatMap(readOutcome), let items = json["assessments"]?.arrayValue else {
            return nil
        }
        var assessments: [VitalAssessment] = []
        assessments.reserveCapacity(items.count)
        for item in items {
            guard let assessment = readAssessment(item) else { return nil }
            assessments.append(assessment)
        }
        return EvaluationAnnotation(outcome: outcome, assessments: assessments)
    }

    private static func readOutcome(_ json: JSON) -> TriageResult.Outcome? {
        guard let members = json.objectValue, members.count == 1, let (name, value) = members.first else { return nil }
        switch name {
        case "zone": return value["_0"]?.stringValue.flatMap(Zone.init(rawValue:)).map(TriageResult.Outcome.zone)
        case "controlMeasurementNeeded":
            guard let reasons = value["reasons"].flatMap(strings) else { return nil }
            return .controlMeasurementNeeded(reasons: reasons)
        case "notAssessed": return value.objectValue != nil ? .notAssessed : nil
        default: return nil
        }
    }

    private static func readAssessment(_ json: JSON) -> VitalAssessment? {
        guard let vital = json["vital"]?.stringValue.flatMap(VitalSign.init(rawValue:)),
              let value = json["value"].flatMap(number),
              let unit = json["unit"]?.stringValue.flatMap(UCUMUnit.init(rawValue:)),
              let zone = json["zone"]?.stringValue.flatMap(Zone.init(rawValue:)),
              let items = json["findings"]?.arrayValue
        else { return nil }
        var findings: [RuleFinding] = []
        for item in items {
            guard let finding = readFinding(item) else { return nil }
            findings.append(finding)
        }
        var baseline: Double?
        if let text = json["baseline"], text != .null {
            guard let number = number(text) else { return nil }
            baseline = number
        }
        var side: MeasuringRangeSide?
        if let text = json["beyondMeasuringRange"], text != .null {
            guard let known = text.stringValue.flatMap(MeasuringRangeSide.init(rawValue:)) else { return nil }
            side = known
        }
        return VitalAssessment(vital: vital, value: value, unit: unit, zone: zone, findings: findings, baseline: baseline,
                               beyondMeasuringRange: side)
    }

    private static func readFinding(_ json: JSON) -> RuleFinding? {
        guard let rule = json["rule"]?.stringValue,
              let kind = json["kind"]?.stringValue.flatMap(RuleKind.init(rawValue:)),
              let vital = json["vital"]?.stringValue.flatMap(VitalSign.init(rawValue:)),
              let zone = json["zone"]?.stringValue.flatMap(Zone.init(rawValue:)),
              let direction = json["direction"]?.stringValue.flatMap(FindingDirection.init(rawValue:)),
              let summary = json["summary"]?.stringValue
        else { return nil }
        return RuleFinding(rule: rule, kind: kind, vital: vital, zone: zone, direction: direction, summary: summary)
    }

    private static func number(_ json: JSON) -> Double? {
        json.numberText.flatMap(Double.init)
    }

    private static func strings(_ json: JSON) -> [String]? {
        guard let items = json.arrayValue else { return nil }
        var texts: [String] = []
        for item in items {
            guard let text = item.stringValue else { return nil }
            texts.append(text)
        }
        return texts
    }
}
