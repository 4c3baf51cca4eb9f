public import Foundation

/// Who the gateway is, for its own FHIR Device (PhgDevice) and the observation-gatewayDevice extension.
public struct GatewayIdentity: Sendable, Hashable {
    /// Stable identifier of this hub (its serial number or inventory id).
    public var identifier: String
    public var manufacturer: String?
    public var model: String?
    public var serialNumber: String?
    public var softwareVersion: String?
    /// IEEE EUI-64 of the hub, 16 hex digits, when it has one (otherwise the PhgDevice carries one derived
    /// from `identifier`, see `DeviceMapping`).
    public var systemID: String?
    /// Whether the hub is a regulated medical device (PhgDevice regulation status property).
    public var isRegulated: Bool

    public init(
        identifier: String, manufacturer: String? = nil, model: String? = nil, serialNumber: String? = nil,
        softwareVersion: String? = nil, systemID: String? = nil, isRegulated: Bool = false
    ) {
        self.isRegulated = isRegulated
        self.identifier = identifier
        self.manufacturer = manufacturer
        self.model = model
        self.serialNumber = serialNumber
        self.softwareVersion = softwareVersion
        self.systemID = systemID
    }
}

/// The patient every Observation is about: a FHIR reference, either literal ("Patient/123") or conditional
/// ("Patient?identifier=urn:oid:2.16.578.1.12.4.1.4.1|<national id>"). It names the patient, so it is never
/// logged: `description` is redacted and the text is only reachable through `reference` for the mapper.
public struct PatientReference: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    let reference: String

    public init(_ reference: String) throws(ForwardingError) {
        let trimmed = reference.trimmingSpaces
        guard trimmed.hasPrefix("Patient/") || trimmed.hasPrefix("Patient?"), trimmed.count > "Patient/".count,
              !trimmed.contains(where: { $0.isNewline || $0 == " " })
        else {
            throw .configuration("the patient reference must look like Patient/<id> or Patient?identifier=<system>|<value>")
        }
        self.reference = trimmed
    }

    public var description: String { "Patient(redacted)" }
    public var debugDescription: String { description }
}

/// Everything the FHIR mapping needs besides the readings.
public struct FHIRMappingConfiguration: Sendable, Hashable {
    public var gateway: GatewayIdentity
    public var patient: PatientReference
    /// `Observation.identifier.system`; with the reading identifier as value it keys conditional create.
    public var observationIdentifierSystem: String
    /// `Device.identifier.system` for sensors, with the sensor key as value.
    public var sensorIdentifierSystem: String
    /// `Device.identifier.system` for the gateway, with `gateway.identifier` as value.
    public var gatewayIdentifierSystem: String
    /// The home's time zone: `effectiveDateTime` carries its offset at the measurement (the PHD IG 2.0.0
    /// PhdBaseObservation-notes "Timestamp": the PHG includes its offset), so a nurse reads the patient's time.
    public var timeZone: TimeZone
    /// Where the project's own extensions and code systems are defined.
    public var canonical: ProjectCanonical

    // The identifier systems stay the URNs hubs have always sent: they key the conditional creates, and a new
    // system would make the centre create a second copy of every reading it already has (README "FHIR
    // conformance", identifiers). They name identifiers, not definitions, so they need not resolve.
    public init(
        gateway: GatewayIdentity, patient: PatientReference,
        observationIdentifierSystem: String = "urn:dho-gateway:observation",
        sensorIdentifierSystem: String = "urn:dho-gateway:sensor",
        gatewayIdentifierSystem: String = "urn:dho-gateway:gateway",
        timeZone: TimeZone = TimeZone(identifier: "Europe/Oslo") ?? .gmt,
        canonical: ProjectCanonical = .default
    ) {
        self.timeZone = timeZone
        self.canonical = canonical
        self.gateway = gateway
        self.patient = patient
        self.observationIdentifierSystem = observationIdentifierSystem
        self.sensorIdentifierSystem = sensorIdentifierSystem
        self.gatewayIdentifierSystem = gatewayIdentifierSystem
    }
}

extension String {
    var trimmingSpaces: String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text = text.dropFirst() }
        while let last = text.last, last.isWhitespace { text = text.dropLast() }
        return String(text)
    }
}
