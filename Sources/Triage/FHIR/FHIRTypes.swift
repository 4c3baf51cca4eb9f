/// The few FHIR R4 datatypes triage produces, as Codable values (JSON keys are FHIR's element names;
/// absent optionals are omitted, as FHIR requires).
public struct FHIRCoding: Sendable, Hashable, Codable {
    public var system: String
    public var code: String
    public var display: String?

    public init(system: String, code: String, display: String? = nil) {
        self.system = system
        self.code = code
        self.display = display
    }
}

public struct FHIRCodeableConcept: Sendable, Hashable, Codable {
    public var coding: [FHIRCoding]?
    public var text: String?

    public init(coding: [FHIRCoding]? = nil, text: String? = nil) {
        self.coding = coding
        self.text = text
    }
}

public struct FHIRIdentifier: Sendable, Hashable, Codable {
    public var system: String
    public var value: String
}

public struct FHIRReference: Sendable, Hashable, Codable {
    public var reference: String
}

/// FHIR dateTime values as text (ISO 8601 with zone), exactly as they go on the wire.
public struct FHIRPeriod: Sendable, Hashable, Codable {
    public var start: String?
    public var end: String?
}

public struct FHIRExtension: Sendable, Hashable, Codable {
    public var url: String
    public var valueCode: String?
    public var valueString: String?
    public var valueDateTime: String?
    public var valueInteger: Int?

    public init(url: String, valueCode: String? = nil, valueString: String? = nil, valueDateTime: String? = nil,
                valueInteger: Int? = nil) {
        self.url = url
        self.valueCode = valueCode
        self.valueString = valueString
        self.valueDateTime = valueDateTime
        self.valueInteger = valueInteger
    }
}

/// A FHIR R4 Flag resource (https://hl7.org/fhir/R4/flag.html). R4 Flag has no `note`, so the zone and the
/// details travel in extensions.
public struct FHIRFlag: Sendable, Hashable, Codable {
    public var resourceType: String = "Flag"
    public var identifier: [FHIRIdentifier]
    /// "active" while the alert stands, "inactive" once cleared or superseded.
    public var status: String
    public var category: [FHIRCodeableConcept]
    public var code: FHIRCodeableConcept
    public var subject: FHIRReference
    public var period: FHIRPeriod
    public var `extension`: [FHIRExtension]?
}

/// How the forwarder should send a Flag inside its transaction Bundle: a conditional update on the
/// Flag's identifier, so a retried or repeated upload changes nothing on the server (idempotent), and the
/// later "inactive" version updates the same resource rather than creating a second one.
public struct FHIRBundleRequest: Sendable, Hashable, Codable {
    public var method: String
    public var url: String
}
