public import Forwarding
public import ReadingStore

/// Triage's side of `ObservationAnnotations`: the traffic-light interpretation of each Observation the
/// forwarder is about to send, from the stored evaluations (one read per batch). Give it to the `Forwarder`.
///
/// A single-vital Observation gets that vital's zone; a blood-pressure panel the worst zone of its members
/// (each component its own); readings not triaged (or needing a control measurement) get none.
public struct TriageAnnotations: ObservationAnnotations {
    let store: ReadingStore

    /// - Throws: `TriageError.storeNotPrepared` when the store was opened without `Triage.storeMigrations`.
    public init(store: ReadingStore) async throws {
        try await Triage.requireMigrations(store)
        self.store = store
    }

    public func interpretations(
        for targets: [ObservationTarget]
    ) async throws -> [ObservationTarget: FHIRCodeableConcept] {
        let readingIDs = Array(Set(targets.map(\.reading.rawValue)))
        guard !readingIDs.isEmpty else { return [:] }
        let results = try await store.writer.read { db in try EvaluationRecords.results(db, readingIDs: readingIDs) }
        var answer: [ObservationTarget: FHIRCodeableConcept] = [:]
        for target in targets {
            if let result = results[target.reading.rawValue],
               let interpretation = TriageFHIR.interpretation(for: result, vitals: target.vitals)
            {
                answer[target] = interpretation
            }
        }
        return answer
    }
}
