public import Foundation
public import HealthProfiles

/// Pure builders for the FHIR content triage contributes: Observation.interpretation and alert Flags.
public enum TriageFHIR {
    public static let interpretationSystem = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
    public static let flagCategorySystem = "http://terminology.hl7.org/CodeSystem/flag-category"
    /// Identifier system for globally unique identifiers (RFC 3986 URIs, here urn:uuid).
    public static let identifierSystem = "urn:ietf:rfc:3986"
    /// Canonical base for the gateway's own code system and extensions; to be replaced by the project's
    /// published canonical URL when there is one.
    public static let canonicalBase = "urn:dho-gateway:fhir"
    public static var alertCodeSystem: String { "\(canonicalBase):CodeSystem:triage-alert" }
    public static var zoneExtensionURL: String { "\(canonicalBase):StructureDefinition:triage-zone" }
    public static var detailExtensionURL: String { "\(canonicalBase):StructureDefinition:triage-detail" }
    public static var planVersionExtensionURL: String { "\(canonicalBase):StructureDefinition:triage-plan-version" }
    public static var deviceLastSeenExtensionURL: String { "\(canonicalBase):StructureDefinition:device-last-seen" }
    public static var checkedAtExtensionURL: String { "\(canonicalBase):StructureDefinition:gateway-checked-at" }

    // MARK: Observation.interpretation

    /// The HL7 v3 ObservationInterpretation for one vital's triage.
    ///
    /// Green is N (normal). Yellow and red map to the v3 pair "abnormal / critical abnormal", which is how
    /// the traffic light is meant: yellow = answer by end of day, red = answer within the hour. When every
    /// rule that set the zone is an absolute bound in one direction, the direction is known relative to the
    /// patient's own range, so the more specific L/H (yellow) or LL/HH (red) is used. Changes from the
    /// habitual value or over a window give A/AA: the value may well be inside the reference range while the
    /// *change* is abnormal, and v3's L/H would wrongly claim it is below/above the range.
    public static func interpretation(zone: Zone, findings: [RuleFinding]) -> FHIRCodeableConcept {
        let decisive = findings.filter { $0.zone == zone }
        let code: String
        switch zone {
        case .green:
            code = "N"
        case .yellow, .red:
            let directions = Set(decisive.map(\.direction))
            let allAbsolute = !decisive.isEmpty && decisive.allSatisfy { $0.kind == .absolute }
            if allAbsolute, directions.count == 1, let direction = directions.first {
                switch (zone, direction) {
                case (.red, .low): code = "LL"
                case (.red, .high): code = "HH"
                default: code = direction == .low ? "L" : "H"
                }
            } else {
                code = zone == .red ? "AA" : "A"
            }
        }
        return FHIRCodeableConcept(
            coding: [FHIRCoding(system: interpretationSystem, code: code, display: interpretationDisplay(code))],
            text: zone.rawValue)
    }

    /// Interpretation for the whole Observation (e.g. a blood-pressure panel) and for each component.
    /// Nil for readings that needed a control measurement: an unreliable value gets no interpretation.
    public static func interpretation(for result: TriageResult) -> ReadingInterpretation? {
        guard case let .zone(zone) = result.outcome else { return nil }
        var components: [VitalSign: FHIRCodeableConcept] = [:]
        for assessment in result.assessments {
            components[assessment.vital] = interpretation(zone: assessment.zone, findings: assessment.findings)
        }
        return ReadingInterpretation(
            overall: interpretation(zone: zone, findings: result.assessments.flatMap(\.findings)), components: components)
    }

    static func interpretationDisplay(_ code: String) -> String {
        switch code {
        case "N": return "Normal"
        case "A": return "Abnormal"
        case "AA": return "Critical abnormal"
        case "L": return "Low"
        case "LL": return "Critical low"
        case "H": return "High"
        case "HH": return "Critical high"
        default: return code
        }
    }

    // MARK: Flag

    /// The Flag for `alert`: active while the alert stands, inactive (with period end) once it has ended.
    /// `subjectReference` is the placeholder the caller (the forwarder's patient mapping) supplies.
    public static func flag(for alert: TriageAlert, subjectReference: String, checkedAt: Date? = nil) -> FHIRFlag {
        let isActive = alert.status == .active
        let code: String
        let category: String
        switch alert.kind {
        case .measurement:
            code = "triage-\(alert.zone.rawValue)"
            category = "clinical"
        case .missingMeasurement:
            code = "missing-measurement"
            category = "admin"
        }
        var extensions = [
            FHIRExtension(url: zoneExtensionURL, valueCode: alert.zone.rawValue),
            FHIRExtension(url: detailExtensionURL, valueString: alert.summary),
            FHIRExtension(url: planVersionExtensionURL, valueInteger: alert.planVersion),
        ]
        if let lastSeen = alert.deviceLastSeen {
            extensions.append(FHIRExtension(url: deviceLastSeenExtensionURL, valueDateTime: dateTime(lastSeen)))
        }
        if let checkedAt {
            extensions.append(FHIRExtension(url: checkedAtExtensionURL, valueDateTime: dateTime(checkedAt)))
        }
        let zoneName = alert.kind == .missingMeasurement ? "not measured" : alert.zone.rawValue
        return FHIRFlag(
            identifier: [FHIRIdentifier(system: identifierSystem, value: "urn:uuid:\(alert.id)")],
            status: isActive ? "active" : "inactive",
            category: [FHIRCodeableConcept(
                coding: [FHIRCoding(system: flagCategorySystem, code: category, display: category.capitalized)])],
            code: FHIRCodeableConcept(
                coding: [FHIRCoding(system: alertCodeSystem, code: code, display: "Triage \(zoneName)")],
                text: "Triage \(zoneName): \(alert.summary)"),
            subject: FHIRReference(reference: subjectReference),
            period: FHIRPeriod(start: dateTime(alert.raisedAt), end: isActive ? nil : alert.endedAt.map(dateTime)),
            extension: extensions)
    }

    /// The Bundle entry request for `flag`: conditional update on its identifier.
    public static func bundleRequest(for flag: FHIRFlag) -> FHIRBundleRequest {
        let identifier = flag.identifier.first.map { "\($0.system)|\($0.value)" } ?? ""
        let query = identifier.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) ?? identifier
        return FHIRBundleRequest(method: "PUT", url: "Flag?identifier=\(query)")
    }

    /// The outbox identifier of one state of an alert's Flag; at-least-once delivery of the same state
    /// carries the same identifier, so it can be de-duplicated.
    public static func outboxIdentifier(alertID: String, status: String) -> String { "triage-flag-\(alertID)-\(status)" }

    /// FHIR dateTime in UTC with seconds, e.g. "2026-03-02T10:15:00Z".
    public static func dateTime(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle())
    }
}

/// Interpretations for a reading's Observation and its components, for the FHIR mapping.
public struct ReadingInterpretation: Sendable, Hashable, Codable {
    public var overall: FHIRCodeableConcept
    public var components: [VitalSign: FHIRCodeableConcept]
}

private extension CharacterSet {
    static let urlQueryValueAllowed: CharacterSet = {
        var set = CharacterSet.urlQueryAllowed
        set.remove(charactersIn: "&=+#")
        return set
    }()
}
