import Forwarding
import Foundation
import Triage

/// Reads the centre's answer to the care-plan search: the patient's active CarePlan with the Provenance that
/// records who ordered and who verified that version (README "Care plans from the centre").
///
/// The plan document is the project's care-plan YAML, attached to the CarePlan in an extension
/// (`…/StructureDefinition/dho-care-plan-document`: a complete plan, or `…/dho-care-plan-overrides`: keys merged
/// over the plan in force), because its rule kinds — changes from the habitual value, window changes,
/// missing-measurement schedules, Norwegian patient texts, opening hours — have no standard FHIR elements, and
/// one document validated as a whole by the same parser as a local plan cannot disagree with itself. The people
/// are standard FHIR: a Provenance whose target is exactly this CarePlan version, with an `author` agent (the
/// ordering doctor), a `verifier` agent (the second person), `recorded` and `reason`.
enum CentrePlanSearch {
    enum Outcome: Equatable {
        /// The centre has no active plan for the patient: the plan in force stays.
        case noPlan
        case order(CentrePlanOrder)
        /// A plan version that cannot be installed, and why (the plan in force stays).
        case refused(reference: String, reason: String)
    }

    static let documentExtension = "/StructureDefinition/dho-care-plan-document"
    static let overridesExtension = "/StructureDefinition/dho-care-plan-overrides"
    static let participantTypes = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
    /// Far above any real plan (a template is ~4 KB): a bigger attachment is refused, not parsed.
    static let maximumDocumentBytes = 256 << 10

    /// The search URL: the patient's active CarePlans with the Provenances that target them.
    static func url(base: String, patientReference: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let subject: String
        if let query = patientReference.split(separator: "?", maxSplits: 1).dropFirst().first,
           query.hasPrefix("identifier=") {
            // A conditional reference ("Patient?identifier=system|value"): search by the identifier.
            subject = "subject:identifier=" + (String(query.dropFirst("identifier=".count)).addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
        } else {
            subject = "subject=" + (patientReference.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
        }
        let trimmed = base.hasSuffix("/") ? String(base.dropLast()) : base
        return "\(trimmed)/CarePlan?\(subject)&status=active&_revinclude=Provenance:target"
    }

    static func read(_ bundle: JSON, patientReference: String) -> Outcome {
        guard bundle["resourceType"]?.stringValue == "Bundle" else {
            return .refused(reference: "search", reason: "the centre's answer is not a Bundle")
        }
        let resources = (bundle["entry"]?.arrayValue ?? []).compactMap { $0["resource"] }
        let plans = resources.filter { $0["resourceType"]?.stringValue == "CarePlan" && $0["status"]?.stringValue == "active" }
        guard let plan = plans.first else { return .noPlan }
        let reference = versionReference(plan)
        guard plans.count == 1 else {
            return .refused(reference: reference, reason: "the centre has \(plans.count) active care plans for the patient; exactly one is needed")
        }
        guard plan["intent"]?.stringValue == "order" || plan["intent"]?.stringValue == "plan" else {
            return .refused(reference: reference, reason: "the CarePlan's intent must be order or plan")
        }
        guard isThePatient(plan["subject"], patientReference) else {
            return .refused(reference: reference, reason: "the CarePlan is not for this hub's patient")
        }
        guard plan["meta"]?["versionId"]?.stringValue != nil, plan["id"]?.stringValue != nil else {
            return .refused(reference: reference, reason: "the CarePlan has no id and meta.versionId to refer to")
        }
        let document: (yaml: String, mode: PlanChangeMode)
        switch planDocument(plan) {
        case let .success(found): document = found
        case let .failure(problem): return .refused(reference: reference, reason: problem.text)
        }
        let provenances = resources.filter { resource in
            resource["resourceType"]?.stringValue == "Provenance"
                && (resource["target"]?.arrayValue ?? []).contains { $0["reference"]?.stringValue == reference }
        }
        guard provenances.count == 1, let provenance = provenances.first else {
            return .refused(reference: reference, reason: provenances.isEmpty
                ? "no Provenance records who ordered and verified \(reference)"
                : "\(provenances.count) Provenances target \(reference); exactly one is needed")
        }
        guard let doctor = agent(provenance, type: "author") else {
            return .refused(reference: reference, reason: "the Provenance names no ordering doctor (agent of type author with who.display)")
        }
        guard let verifier = agent(provenance, type: "verifier") else {
            return .refused(reference: reference, reason: "the Provenance names no verifying person (agent of type verifier with who.display)")
        }
        let reason = (provenance["reason"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue ?? $0["coding"]?.arrayValue?.first?["display"]?.stringValue }
            .joined(separator: "; ")
        guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            return .refused(reference: reference, reason: "the Provenance gives no reason for the change")
        }
        let recorded = provenance["recorded"]?.stringValue.flatMap { try? Date($0, strategy: .iso8601) }
        return .order(CentrePlanOrder(
            reference: reference, planYAML: document.yaml, mode: document.mode, orderedBy: doctor, verifiedBy: verifier,
            reason: reason, verifiedAt: recorded))
    }

    /// "CarePlan/<id>/_history/<versionId>": the version the order is about.
    static func versionReference(_ plan: JSON) -> String {
        let id = plan["id"]?.stringValue ?? "?"
        let version = plan["meta"]?["versionId"]?.stringValue ?? "?"
        return "CarePlan/\(VisibleTextClipped.clip(id))/_history/\(VisibleTextClipped.clip(version))"
    }

    static func isThePatient(_ subject: JSON?, _ patientReference: String) -> Bool {
        if subject?["reference"]?.stringValue == patientReference { return true }
        // A conditional reference is matched by the subject's identifier.
        guard let query = patientReference.split(separator: "?", maxSplits: 1).dropFirst().first,
              query.hasPrefix("identifier="), let identifier = subject?["identifier"] else { return false }
        let wanted = query.dropFirst("identifier=".count)
        return "\(identifier["system"]?.stringValue ?? "")|\(identifier["value"]?.stringValue ?? "")" == wanted
    }

    struct Problem: Error { let text: String }

    static func planDocument(_ plan: JSON) -> Result<(yaml: String, mode: PlanChangeMode), Problem> {
        let documents = (plan["extension"]?.arrayValue ?? []).compactMap { ext -> (JSON, PlanChangeMode)? in
            guard let url = ext["url"]?.stringValue else { return nil }
            if url.hasSuffix(documentExtension) { return (ext, .completePlan) }
            if url.hasSuffix(overridesExtension) { return (ext, .overridesOnActivePlan) }
            return nil
        }
        guard documents.count == 1, let (ext, mode) = documents.first else {
            return .failure(Problem(text: documents.isEmpty
                ? "the CarePlan carries no plan document (extension …\(documentExtension) or …\(overridesExtension))"
                : "the CarePlan carries \(documents.count) plan documents; exactly one is needed"))
        }
        guard let attachment = ext["valueAttachment"], let data = attachment["data"]?.stringValue else {
            return .failure(Problem(text: "the plan document is not an attachment with data"))
        }
        let contentType = attachment["contentType"]?.stringValue ?? ""
        guard contentType.hasPrefix("application/yaml") || contentType.hasPrefix("text/yaml") else {
            return .failure(Problem(text: "the plan document's contentType must be application/yaml (got \(VisibleTextClipped.clip(contentType)))"))
        }
        guard data.utf8.count <= maximumDocumentBytes * 4 / 3 + 4, let bytes = Data(base64Encoded: data) else {
            return .failure(Problem(text: "the plan document is not base64 data within \(maximumDocumentBytes >> 10) KiB"))
        }
        guard let yaml = String(data: bytes, encoding: .utf8) else {
            return .failure(Problem(text: "the plan document is not UTF-8 text"))
        }
        return .success((yaml, mode))
    }

    /// The display name of the Provenance agent of `type` (participant-type code).
    static func agent(_ provenance: JSON, type: String) -> String? {
        let agents = (provenance["agent"]?.arrayValue ?? []).filter { agent in
            (agent["type"]?["coding"]?.arrayValue ?? []).contains {
                $0["code"]?.stringValue == type && ($0["system"]?.stringValue ?? participantTypes) == participantTypes
            }
        }
        guard agents.count == 1 else { return nil }
        let name = agents[0]["who"]?["display"]?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return name.isEmpty ? nil : name
    }
}

/// Text from the centre that goes into the audit trail and `dhoctl` output: printable, bounded.
enum VisibleTextClipped {
    static func clip(_ text: String, limit: Int = 120) -> String {
        let printable = String(String.UnicodeScalarView(text.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : $0 }))
        return printable.count > limit ? String(printable.prefix(limit)) + "…" : printable
    }
}
