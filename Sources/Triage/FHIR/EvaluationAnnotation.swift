public import FHIRModel
import Foundation
public import HealthProfiles

/// What triage attaches to a reading's outbox item when it releases it: the part of its evaluation an
/// Observation's interpretation is built from (outcome and per-vital assessments). Carried with the item, so the
/// forwarder builds the interpretation at send time (readings are mapped then, see the upgrade tests) without
/// entering the store or triage again; opaque to the store.
public struct EvaluationAnnotation: Sendable, Hashable, Codable {
    var outcome: TriageResult.Outcome
    var assessments: [VitalAssessment]

    init(_ result: TriageResult) {
        outcome = result.outcome
        assessments = result.assessments
    }

    /// The annotation of `result`, as attached to the outbox item.
    static func bytes(_ result: TriageResult) throws -> [UInt8] {
        var json = JSONText(capacity: 64 + 112 * result.assessments.count)
        try json.annotation(result)
        return json.bytes
    }

    /// Reads an attached annotation back. - Throws: `TriageError.corruptRecord` when the bytes are not one.
    public init(bytes: [UInt8]) throws {
        if let json = try? JSON.parse(bytes), let read = Self.read(json) {
            self = read
            return
        }
        do {
            self = try JSONDecoder().decode(Self.self, from: Data(bytes))
        } catch {
            throw TriageError.corruptRecord("an outbox item's triage annotation")
        }
    }

    /// The interpretation of the Observation reporting `vitals` (see `TriageFHIR.interpretation(for:vitals:)`).
    public func interpretation(vitals: [VitalSign]) -> FHIRCodeableConcept? {
        guard case .zone = outcome else { return nil }
        let assessed = assessments.filter { vitals.contains($0.vital) }
        guard let zone = assessed.map(\.zone).max() else { return nil }
        return TriageFHIR.interpretation(zone: zone, findings: assessed.flatMap(\.findings))
    }
}
