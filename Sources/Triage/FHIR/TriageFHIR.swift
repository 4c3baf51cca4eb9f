public import FHIRModel
public import Foundation
public import HealthProfiles

/// Pure builders for the FHIR content triage contributes: Observation.interpretation and alert Flags.
public enum TriageFHIR {
    public static let interpretationSystem = CodeSystem.observationInterpretation
    public static let flagCategorySystem = "http://terminology.hl7.org/CodeSystem/flag-category"
    /// Identifier system for globally unique identifiers (RFC 3986 URIs, here urn:uuid).
    public static let identifierSystem = "urn:ietf:rfc:3986"
    // The project's own code system and extensions of the Flag, under the operator's canonical base (the names
    // are those hubs used under `urn:dho-gateway:fhir:*` before, so `ProjectCanonical.upgradingLegacyURLs` maps
    // a Flag queued by an older hub onto exactly these).
    public static func alertCodeSystem(_ canonical: ProjectCanonical) -> String { canonical.codeSystem("triage-alert") }
    public static func zoneExtensionURL(_ canonical: ProjectCanonical) -> String { canonical.structureDefinition("triage-zone") }
    public static func detailExtensionURL(_ canonical: ProjectCanonical) -> String { canonical.structureDefinition("triage-detail") }
    public static func planVersionExtensionURL(_ canonical: ProjectCanonical) -> String {
        canonical.structureDefinition("triage-plan-version")
    }
    public static func deviceLastSeenExtensionURL(_ canonical: ProjectCanonical) -> String {
        canonical.structureDefinition("device-last-seen")
    }
    public static func checkedAtExtensionURL(_ canonical: ProjectCanonical) -> String {
        canonical.structureDefinition("gateway-checked-at")
    }

    // MARK: Observation.interpretation

    /// The HL7 v3 ObservationInterpretation for one vital's triage.
    ///
    /// Green is N (normal). Yellow and red map to the v3 pair "abnormal / critical abnormal", which is how
    /// the traffic light is meant: yellow = answer by end of day, red = answer within the hour. When every
    /// rule that set the zone is an absolute bound in one direction, the direction is known relative to the
    /// patient's own range, so the more specific L/H (yellow) or LL/HH (red) is used. Changes from the
    /// habitual value or over a window give A/AA: the value may well be inside the reference range while the
    /// *change* is abnormal, and v3's L/H would wrongly claim it is below/above the range.
    /// The text names the zone for the nurse: "Triage red: Critical low".
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
        let display = interpretationDisplay(code)
        return FHIRCodeableConcept(
            coding: [FHIRCoding(interpretationSystem, code, display)], text: "Triage \(zone.rawValue): \(display)")
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

    /// Interpretation of an Observation reporting `vitals` (one vital, or a panel's members): the worst zone
    /// of those vitals' assessments. Nil when none of them was triaged or the reading needed a control
    /// measurement.
    public static func interpretation(for result: TriageResult, vitals: [VitalSign]) -> FHIRCodeableConcept? {
        EvaluationAnnotation(result).interpretation(vitals: vitals)
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

    /// The Flag for `alert` (https://hl7.org/fhir/R4/flag.html): active while the alert stands, inactive (with
    /// period end) once it has ended. R4 Flag has no `note`, so zone and details travel in extensions.
    /// `subjectReference` is the patient reference the caller supplies (never logged).
    public static func flag(
        for alert: TriageAlert, subjectReference: String, checkedAt: Date? = nil, canonical: ProjectCanonical = .default
    ) -> JSON {
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
        var extensions: [JSON] = [
            ["url": .string(zoneExtensionURL(canonical)), "valueCode": .string(alert.zone.rawValue)],
            ["url": .string(detailExtensionURL(canonical)), "valueString": .string(alert.summary)],
            ["url": .string(planVersionExtensionURL(canonical)), "valueInteger": .integer(alert.planVersion)],
        ]
        if let lastSeen = alert.deviceLastSeen {
            extensions.append(["url": .string(deviceLastSeenExtensionURL(canonical)), "valueDateTime": .string(dateTime(lastSeen))])
        }
        if let checkedAt {
            extensions.append(["url": .string(checkedAtExtensionURL(canonical)), "valueDateTime": .string(dateTime(checkedAt))])
        }
        let zoneName = alert.kind == .missingMeasurement ? "not measured" : alert.zone.rawValue
        var period: [String: JSON] = ["start": .string(dateTime(alert.raisedAt))]
        if !isActive, let ended = alert.endedAt { period["end"] = .string(dateTime(ended)) }
        let identifier = flagIdentifier(alertID: alert.id)
        return [
            "resourceType": "Flag",
            "identifier": [["system": .string(identifier.system), "value": .string(identifier.value)]],
            "status": .string(isActive ? "active" : "inactive"),
            "category": [FHIRCodeableConcept(
                coding: [FHIRCoding(flagCategorySystem, category, category.capitalized)]).json],
            "code": FHIRCodeableConcept(
                coding: [FHIRCoding(alertCodeSystem(canonical), code, "Triage \(zoneName)")],
                text: "Triage \(zoneName): \(alert.summary)").json,
            "subject": ["reference": .string(subjectReference)],
            "period": .object(period),
            "extension": .array(extensions),
        ]
    }

    /// The Flag of `alert` as a Bundle entry: a conditional update on the Flag's identifier
    /// (`PUT Flag?identifier=urn:ietf:rfc:3986|urn:uuid:<alert id>`), so a retried upload changes nothing and
    /// the later "inactive" version updates the same Flag on the server.
    public static func flagEntry(
        for alert: TriageAlert, subjectReference: String, checkedAt: Date? = nil, canonical: ProjectCanonical = .default
    ) -> BundleEntry {
        let identifier = flagIdentifier(alertID: alert.id)
        return BundleEntry(
            conditionalUpdateOf: flag(for: alert, subjectReference: subjectReference, checkedAt: checkedAt, canonical: canonical),
            resourceType: "Flag", fullUrl: identifier.value, identifierSystem: identifier.system,
            identifierValue: identifier.value)
    }

    /// Flag.identifier of an alert's Flag: the alert id as a urn:uuid, one Flag per alert for all its states.
    public static func flagIdentifier(alertID: String) -> (system: String, value: String) {
        (identifierSystem, "urn:uuid:\(alertID)")
    }

    /// The outbox identifier of one state of an alert's Flag; at-least-once delivery of the same state
    /// carries the same identifier, so it can be de-duplicated.
    public static func outboxIdentifier(alertID: String, status: String) -> String { "triage-flag-\(alertID)-\(status)" }

    /// FHIR dateTime in UTC with seconds, e.g. "2026-03-02T10:15:00Z".
    public static func dateTime(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle())
    }
}

/// Interpretations for a reading's Observation and its components.
public struct ReadingInterpretation: Sendable, Hashable {
    public var overall: FHIRCodeableConcept
    public var components: [VitalSign: FHIRCodeableConcept]
}
