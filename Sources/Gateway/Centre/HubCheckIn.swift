import Forwarding
import Foundation

/// The hub's check-in as FHIR: one Observation per hub, updated in place (conditional update on an identifier
/// derived from the hub id), so `GET [base]/Observation?code=<base>/CodeSystem/hub-status|check-in` gives the
/// centre the last check-in of every hub and the Observation's `_history` is the series (README "The hub at
/// the centre").
///
/// An Observation, not a Device property or a Task: a check-in is a measurement of the hub at an instant
/// (`effectiveDateTime`) with figures (components) that ordinary FHIR search and tooling read, its `subject`
/// and `device` are the hub's own Device (R4 allows a Device subject), and it claims no PHD profile — it is
/// not a personal-health-device measurement, and the PHD profiles' required MDC codes would not fit.
enum HubCheckIn {
    static let outboxKind = "hub-check-in"
    static let identifierSystem = "urn:ietf:rfc:3986"

    struct Figures: Equatable {
        var softwareVersion: String
        /// The hub's care-plan version in force; nil before any is installed.
        var planVersion: Int?
        /// Items waiting for the centre (readings, Flags, reports), not counting check-ins.
        var queueDepth: Int
        var oldestUndelivered: Date?
    }

    static func codeSystem(_ canonical: ProjectCanonical) -> String { canonical.codeSystem("hub-status") }

    /// The entries to queue: the hub's Device (conditional create, shared with readings' Bundles) and the
    /// check-in Observation (conditional update).
    static func entries(_ figures: Figures, at time: Date, gatewayID: String, mapper: FHIRMapper) -> [BundleEntry] {
        let canonical = mapper.configuration.canonical
        let system = codeSystem(canonical)
        let identifier = "urn:uuid:" + CentrePlanReport.uuid(from: "\(gatewayID)\nhub-check-in")
        let hub: JSON = ["reference": .string(mapper.gatewayDeviceURL()), "display": .string("home hub \(gatewayID)")]
        func code(_ code: String, _ display: String) -> JSON {
            ["coding": [["system": .string(system), "code": .string(code), "display": .string(display)]], "text": .string(display)]
        }
        var oldest: [String: JSON] = ["code": code("oldest-undelivered", "Oldest item not yet delivered")]
        if let date = figures.oldestUndelivered {
            oldest["valueDateTime"] = .string(GatewayFHIR.instant(date))
        } else {
            oldest["dataAbsentReason"] = [
                "coding": [["system": "http://terminology.hl7.org/CodeSystem/data-absent-reason", "code": "not-applicable"]],
                "text": "nothing waiting",
            ]
        }
        var plan: [String: JSON] = ["code": code("care-plan-version", "Care-plan version in force")]
        if let version = figures.planVersion {
            plan["valueInteger"] = .integer(version)
        } else {
            plan["dataAbsentReason"] = ["coding": [["system": "http://terminology.hl7.org/CodeSystem/data-absent-reason", "code": "unknown"]]]
        }
        let observation: JSON = [
            "resourceType": "Observation",
            "identifier": [["system": .string(identifierSystem), "value": .string(identifier)]],
            "status": "final",
            "code": code("check-in", "Home hub check-in"),
            "subject": hub,
            "device": hub,
            "effectiveDateTime": .string(GatewayFHIR.instant(time)),
            "component": [
                ["code": code("software-version", "Hub software version"), "valueString": .string(figures.softwareVersion)],
                .object(plan),
                ["code": code("queue-depth", "Items waiting for the centre"), "valueInteger": .integer(figures.queueDepth)],
                .object(oldest),
            ],
        ]
        let entry = BundleEntry(
            conditionalUpdateOf: observation, resourceType: "Observation", fullUrl: identifier,
            identifierSystem: identifierSystem, identifierValue: identifier)
        return [mapper.gatewayDevice(), entry]
    }
}
