/// A FHIR Coding: system, code and an optional display.
public struct FHIRCoding: Sendable, Hashable {
    public var system: String
    public var code: String
    public var display: String?

    public init(_ system: String, _ code: String, _ display: String? = nil) {
        self.system = system
        self.code = code
        self.display = display
    }

    public static func mdc(_ code: Int, _ referenceID: String) -> FHIRCoding {
        FHIRCoding(CodeSystem.mdc, String(code), referenceID)
    }

    public static func loinc(_ code: String, _ display: String? = nil) -> FHIRCoding {
        FHIRCoding(CodeSystem.loinc, code, display)
    }

    public static func snomed(_ code: String, _ display: String) -> FHIRCoding {
        FHIRCoding(CodeSystem.snomed, code, display)
    }

    public var json: JSON {
        var members: [String: JSON] = ["system": .string(system), "code": .string(code)]
        if let display { members["display"] = .string(display) }
        return .object(members)
    }
}

/// A FHIR CodeableConcept: codings that mean the same thing, and the text a person reads.
public struct FHIRCodeableConcept: Sendable, Hashable {
    public var coding: [FHIRCoding]
    public var text: String?

    public init(coding: [FHIRCoding], text: String? = nil) {
        self.coding = coding
        self.text = text
    }

    public var json: JSON {
        var members: [String: JSON] = [:]
        if !coding.isEmpty { members["coding"] = .array(coding.map(\.json)) }
        if let text { members["text"] = .string(text) }
        return .object(members)
    }
}

/// Code systems and canonical URLs the mapping uses.
public enum CodeSystem {
    public static let mdc = "urn:iso:std:iso:11073:10101"
    public static let loinc = "http://loinc.org"
    public static let snomed = "http://snomed.info/sct"
    public static let ucum = "http://unitsofmeasure.org"
    public static let observationCategory = "http://terminology.hl7.org/CodeSystem/observation-category"
    public static let phdObservationCategory = "http://hl7.org/fhir/uv/phd/CodeSystem/PhdObservationCategories"
    public static let dataAbsentReason = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
    /// Measurement-status interpretation codes (PoCD IG), as the PHD IG maps the 11073 Measurement-Status.
    public static let measurementStatus = "http://hl7.org/fhir/uv/pocd/CodeSystem/measurement-status"
    /// Single bits of IEEE 11073 status bit strings ("8410608.0" = body movement); its canonical URL is the one
    /// of PHD IG 2.0.0 input/fsh/CodeSystem.ASN1ToHL7.fsh (^url), not the ballot's hl7.org/fhir/uv/phd one.
    public static let asn1ToHL7 = "http://terminology.hl7.org/CodeSystem/ASN1ToHL7"
    public static let yesNo = "http://terminology.hl7.org/CodeSystem/v2-0136"
    public static let actReason = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
    /// PHD IG 2.0.0 input/fsh/CodeSystem.ContinuaDeviceIdentifiers.fsh (^url).
    public static let continuaDeviceIdentifiers = "http://terminology.hl7.org/CodeSystem/ContinuaDeviceIdentifiers"
    public static let ieeeSystemID = "urn:oid:1.2.840.10004.1.1.1.0.0.1.0.0.1.2680"
    public static let bluetoothAddress = "http://hl7.org/fhir/sid/eui-48/bluetooth"
    public static let deviceNameType = "http://hl7.org/fhir/device-nametype"
    /// HL7 v3 ObservationInterpretation (N, L, H, LL, HH, A, AA...): Triage's traffic-light interpretation.
    public static let observationInterpretation = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
}

/// Extension and profile URLs.
public enum FHIRURL {
    public static let gatewayDeviceExtension = "http://hl7.org/fhir/StructureDefinition/observation-gatewayDevice"
    /// PHD IG 2.0.0 input/fsh/StructureDefinition.CoincidentTimeStampReference.fsh.
    public static let coincidentTimeStampExtension = "http://hl7.org/fhir/uv/phd/StructureDefinition/CoincidentTimeStampReference"
    public static let phdCoincidentTimeStamp = "http://hl7.org/fhir/uv/phd/StructureDefinition/PhdCoincidentTimeStampObservation"
    public static let phdCodedEnumeration = "http://hl7.org/fhir/uv/phd/StructureDefinition/PhdCodedEnumerationObservation"
    public static let phdNumeric = "http://hl7.org/fhir/uv/phd/StructureDefinition/PhdNumericObservation"
    public static let phdCompoundNumeric = "http://hl7.org/fhir/uv/phd/StructureDefinition/PhdCompoundNumericObservation"
    public static let phdBitsEnumeration = "http://hl7.org/fhir/uv/phd/StructureDefinition/PhdBitsEnumerationObservation"
    public static let phdDevice = "http://hl7.org/fhir/uv/phd/StructureDefinition/PhdDevice"
    public static let phgDevice = "http://hl7.org/fhir/uv/phd/StructureDefinition/PhgDevice"
}
