public import FHIRModel
public import HealthProfiles
public import ReadingStore

/// Which Observation (or which component of a panel Observation) an annotation is for: a reading and the
/// vitals that Observation reports, as the mapper groups them. A single-vital Observation and each component
/// of a panel have one vital; a blood-pressure panel has all its members (systolic, diastolic, mean).
public struct ObservationTarget: Sendable, Hashable, CustomStringConvertible {
    public var reading: ReadingID
    public var vitals: [VitalSign]

    public init(reading: ReadingID, vitals: [VitalSign]) {
        self.reading = reading
        self.vitals = vitals
    }

    public var description: String { "\(reading)[\(vitals.map(\.rawValue).joined(separator: ","))]" }
}

/// Content another module adds to the Observations of readings when they are forwarded (Triage: the
/// traffic-light interpretation).
///
/// Readings are mapped to FHIR at forward time, so the forwarder asks once per Bundle, before mapping, for
/// every Observation of the readings it claimed, handing over what the module attached to each reading's
/// outbox item when it released it (`StoreUnitOfWork.release(_:priority:annotation:)`): the answer comes from
/// those bytes, with no look-up in the store or the module at send time. The mapper puts an answer first in the
/// Observation's (or component's) `interpretation` list, ahead of what the device's own status flags say.
public protocol ObservationAnnotations: Sendable {
    /// Interpretations for `targets`; a target without one is simply absent from the answer. `attached` holds
    /// each claimed reading's annotation (absent when nothing was attached). A thrown error sends the batch back
    /// to the queue: the readings are never sent without their annotations because of a failure.
    func interpretations(
        for targets: [ObservationTarget], attached: [ReadingID: [UInt8]]
    ) throws -> [ObservationTarget: FHIRCodeableConcept]
}
