public import Forwarding
public import ReadingStore
import Triage

/// Triage's side of the forwarder's `ObservationAnnotations`: the traffic-light interpretation of each
/// Observation about to be sent, from the evaluation triage attached to the reading's outbox item when it
/// released it (`EvaluationAnnotation`). The glue between the two modules, kept where they are wired: the
/// forwarder never calls into triage, and nothing is read from the store at send time.
///
/// A single-vital Observation gets that vital's zone; a blood-pressure panel the worst zone of its members
/// (each component its own); readings not triaged (or needing a control measurement) get none.
public struct TriageAnnotations: ObservationAnnotations {
    public init() {}

    public func interpretations(
        for targets: [ObservationTarget], attached: [ReadingID: [UInt8]]
    ) throws -> [ObservationTarget: FHIRCodeableConcept] {
        var evaluations: [ReadingID: EvaluationAnnotation] = [:]
        for (reading, bytes) in attached { evaluations[reading] = try EvaluationAnnotation(bytes: bytes) }
        var answer: [ObservationTarget: FHIRCodeableConcept] = [:]
        for target in targets {
            if let interpretation = evaluations[target.reading]?.interpretation(vitals: target.vitals) {
                answer[target] = interpretation
            }
        }
        return answer
    }
}
