/// What kind of measurement a reading is; one per measurement characteristic the gateway stores.
public enum ReadingKind: String, Sendable, Hashable, Codable, CaseIterable {
    case bloodPressure = "blood-pressure"
    case spotCheckOximetry = "spo2-spot-check"
    case continuousOximetry = "spo2-continuous"
    case glucose = "glucose"
    case bodyWeight = "body-weight"
    case bodyComposition = "body-composition"
    case bodyTemperature = "body-temperature"
}

/// A complete measurement decoded from one device frame, independent of how it was transported.
///
/// This is the single currency between the codecs and the rest of the gateway: the store persists it,
/// triage classifies it and the forwarder maps it to FHIR. It holds only what the device said;
/// the gateway adds identity, receipt time and clock correction when it stores it.
public struct Reading: Sendable, Hashable, Codable {
    public var kind: ReadingKind
    /// The characteristic the frame came from, as a 16-bit assigned number (e.g. 0x2A35).
    public var characteristic: UInt16
    /// Measurement time by the device's own clock, when the frame carries one.
    public var deviceTime: DeviceDateTime?
    public var components: [ReadingComponent]
    /// Device-reported status, sorted for a stable encoding.
    public var flags: [ReadingFlag]
    /// Glucose sequence number (the RACP cursor); nil for other profiles.
    public var sequenceNumber: UInt16?
    /// Multi-user devices (cuffs, scales) tell which of their users measured; 0xFF means unknown user.
    public var userID: UInt8?
    /// Free qualifiers for the FHIR mapping: temperature site, glucose sample type and location, meal...
    public var qualifiers: [String: String]

    public init(
        kind: ReadingKind, characteristic: UInt16, deviceTime: DeviceDateTime? = nil,
        components: [ReadingComponent], flags: some Sequence<ReadingFlag> = [], sequenceNumber: UInt16? = nil,
        userID: UInt8? = nil, qualifiers: [String: String] = [:]
    ) {
        self.kind = kind
        self.characteristic = characteristic
        self.deviceTime = deviceTime
        self.components = components
        self.flags = Array(Set(flags)).sorted()
        self.sequenceNumber = sequenceNumber
        self.userID = userID
        self.qualifiers = qualifiers
    }

    public func component(_ vital: VitalSign) -> ReadingComponent? {
        components.first { $0.vital == vital }
    }

    /// Why the value should not be acted on, empty when it is trustworthy: device status flags that mean
    /// "measurement unreliable", and any primary component that is NaN / NRes / infinite.
    public var unreliabilityReasons: [String] {
        var reasons = flags.filter(\.makesReadingUnreliable).map(\.rawValue)
        for component in components {
            if case let .absent(reason) = component.value {
                reasons.append("\(component.vital.rawValue)-\(reason.rawValue)")
            }
        }
        return reasons
    }

    public var isReliable: Bool { unreliabilityReasons.isEmpty }
}
