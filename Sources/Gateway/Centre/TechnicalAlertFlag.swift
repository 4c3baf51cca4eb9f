import Forwarding
import Foundation

/// A technical alert (`TechnicalAlerts`) as the centre sees it: one R4 Flag per episode, `active` while it
/// stands, then `inactive` with `period.end`, updated in place (conditional update on the episode's identifier).
///
/// A Flag, not a DetectedIssue: R4 DetectedIssue is about a clinical action for a patient (drug interaction,
/// duplicate therapy) and has no lifecycle for "the problem is over"; a Flag is a standing warning with
/// `status` active/inactive and a `period`, which is exactly a raised and cleared alert, and the clinical alerts
/// already reach the centre as Flags, so the centre's worklist shows both. The category (the project's
/// `hub-status#technical`) keeps them apart from the clinical ones; `author` is the hub's Device; the device the
/// problem is about, when there is one, is named in the core `flag-detail` extension.
enum TechnicalAlertFlag {
    static let outboxKind = "technical-alert"
    static let identifierSystem = "urn:ietf:rfc:3986"
    static let flagDetailExtension = "http://hl7.org/fhir/StructureDefinition/flag-detail"

    struct Episode {
        var code: TechnicalAlerts.Code
        var device: String?
        var message: String
        var raisedAt: Date
        /// The episode's Flag identifier (urn:uuid).
        var identifier: String
        /// The patient the Flag was raised for: its clearing names the same one, even after the hub was
        /// reissued to another patient in between.
        var patientReference: String
    }

    /// The ledger subject of an alert: one standing episode per (code, device).
    static func subject(_ code: TechnicalAlerts.Code, device: String?) -> String {
        "alert|\(code.rawValue)|\(device ?? "")"
    }

    static func identifier(gatewayID: String, code: TechnicalAlerts.Code, device: String?, raisedAt: Date) -> String {
        "urn:uuid:" + CentrePlanReport.uuid(from: "\(gatewayID)\n\(subject(code, device: device))\n\(raisedAt.timeIntervalSince1970)")
    }

    /// The entries to queue for the episode: the hub's Device and the Flag, `active` or, with `clearedAt`,
    /// `inactive`.
    static func entries(
        _ episode: Episode, clearedAt: Date?, gatewayID: String, mapper: FHIRMapper
    ) -> [BundleEntry] {
        let canonical = mapper.configuration.canonical
        var period: [String: JSON] = ["start": .string(GatewayFHIR.instant(episode.raisedAt))]
        if let clearedAt { period["end"] = .string(GatewayFHIR.instant(clearedAt)) }
        var flag: [String: JSON] = [
            "resourceType": "Flag",
            "identifier": [["system": .string(identifierSystem), "value": .string(episode.identifier)]],
            "status": clearedAt == nil ? "active" : "inactive",
            "category": [[
                "coding": [["system": .string(HubCheckIn.codeSystem(canonical)), "code": "technical",
                            "display": "Technical problem at the home hub"]],
                "text": "Technical problem at the home hub",
            ]],
            "code": [
                "coding": [["system": .string(canonical.codeSystem("technical-alert")), "code": .string(episode.code.rawValue)]],
                "text": .string(VisibleTextClipped.clip(episode.message, limit: 500)),
            ],
            "subject": ["reference": .string(episode.patientReference)],
            "period": .object(period),
            "author": ["reference": .string(mapper.gatewayDeviceURL()), "display": .string("home hub \(gatewayID)")],
        ]
        if let device = episode.device {
            flag["extension"] = [["url": .string(flagDetailExtension), "valueReference": ["display": .string("device \(device)")]]]
        }
        let entry = BundleEntry(
            conditionalUpdateOf: .object(flag), resourceType: "Flag", fullUrl: episode.identifier,
            identifierSystem: identifierSystem, identifierValue: episode.identifier)
        return [mapper.gatewayDevice(), entry]
    }
}
