import SystemCrypto
import Forwarding
import Foundation

/// What the hub tells the centre about each care-plan version it fetched: a FHIR Task per (hub, CarePlan
/// version), `completed` with the hub's plan version when installed, `rejected` with the reason when refused,
/// so the centre can query which plan each hub uses (`Task?focus=CarePlan/<id>/_history/<v>`,
/// `Task?owner:identifier=<hub>`). A conditional update on a deterministic identifier: sent again (after a crash,
/// at every poll) it stays one Task.
enum CentrePlanReport {
    static let outboxKind = "care-plan-report"
    static let gatewayIdentifierSystem = "urn:ietf:rfc:3986"

    enum Result {
        case installed(hubVersion: Int)
        case refused(reason: String)
    }

    static func entry(
        reference: String, result: Result, gatewayID: String, patientReference: String, at: Date
    ) -> (key: String, entry: BundleEntry) {
        let identifier = "urn:uuid:" + uuid(from: "\(gatewayID)\n\(reference)")
        var task: [String: JSON] = [
            "resourceType": "Task",
            "identifier": [["system": .string(gatewayIdentifierSystem), "value": .string(identifier)]],
            "intent": "order",
            "code": ["text": "install the care plan on the patient's home hub"],
            "focus": ["reference": .string(reference)],
            "for": ["reference": .string(patientReference)],
            "owner": ["display": .string("home hub \(gatewayID)")],
            "lastModified": .string(at.formatted(Date.ISO8601FormatStyle())),
        ]
        switch result {
        case let .installed(version):
            task["status"] = "completed"
            task["output"] = [["type": ["text": "hub care-plan version"], "valueInteger": .integer(version)]]
        case let .refused(reason):
            task["status"] = "rejected"
            task["statusReason"] = ["text": .string(reason)]
        }
        let entry = BundleEntry(
            conditionalUpdateOf: .object(task), resourceType: "Task", fullUrl: identifier,
            identifierSystem: gatewayIdentifierSystem, identifierValue: identifier)
        return ("\(reference)|\(task["status"]?.stringValue ?? "")", entry)
    }

    /// A name-based UUID (version 5 layout over SHA-256 rather than SHA-1): the same text, the same UUID.
    static func uuid(from text: String) -> String {
        var bytes = Array(SHA256.hash(text.utf8).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return parts.joined(separator: "-")
    }
}
