import HealthProfiles
public import ReadingStore

/// Maps stored readings to FHIR R4 resources following the published HL7 Personal Health Device IG 2.0.0 and the
/// FHIR R4 vital-signs profiles (README "FHIR conformance").
///
/// One reading becomes:
/// - one Observation per measured quantity, except blood pressure, which is one panel Observation
///   (PhdCompoundNumericObservation: systolic, diastolic, mean as components) plus a separate pulse Observation;
/// - when the device set bits of its status field, one PhdBitsEnumerationObservation listing them, derived from
///   the reading's first Observation;
/// - when the device stamped the reading with its own clock, one PhdCoincidentTimeStampObservation relating its
///   clock to the hub's, referenced from every Observation of the reading;
/// - glucose context coded by IEEE 11073-10417 (meal, sample location, tester) as PhdCodedEnumerationObservations
///   derived from the glucose Observation;
/// - the sensor's Device (PhdDevice) and the gateway's Device (PhgDevice).
/// Every resource is a conditional create on a stable identifier, so a Bundle can be sent any number of times.
public struct FHIRMapper: Sendable {
    public let configuration: FHIRMappingConfiguration
    /// The gateway's Device entry and its fullUrl, built once: every reading's entries and every Observation
    /// refer to them, and building them (two SHA-256 digests and the Device's JSON) each time was ~10 % of the
    /// drain's CPU (perf, debug `bench drain`).
    private(set) var gatewayEntry: BundleEntry
    /// `gatewayEntry` serialised once, for the Bundles written as bytes (`serializedEntries`).
    private(set) var gatewayDeviceBytes: SerializedEntry
    let gatewayURL: String
    /// Sensor Device fullUrls by sensor key (a SHA-256 digest each; every Observation of a reading names it).
    let sensorURLs = SensorDeviceURLs()

    public init(configuration: FHIRMappingConfiguration) {
        self.configuration = configuration
        gatewayURL = "urn:uuid:" + ReadingIdentity.derivedIdentifier(configuration.gateway.identifier, role: "gateway-device")
        gatewayEntry = BundleEntry(validated: .null, fullUrl: gatewayURL)
        gatewayDeviceBytes = SerializedEntry(fullUrl: gatewayURL, bytes: [])
        gatewayEntry = buildGatewayDevice()
        gatewayDeviceBytes = SerializedEntry(gatewayEntry)
    }

    /// Everything a stored reading contributes to a Bundle: sensor Device, gateway Device, Observations.
    /// `interpretations` (from `ObservationAnnotations`, keyed by `annotationTargets(for:)`) go into the matching
    /// Observation's or component's triage-interpretation extension (see `ProjectCanonical`).
    public func entries(
        for stored: StoredReading, sensor: SensorRecord?, interpretations: [ObservationTarget: FHIRCodeableConcept] = [:]
    ) -> [BundleEntry] {
        entries(for: stored, sensorDevice: sensorDevice(stored.sensor, record: sensor, kind: stored.reading.kind),
                interpretations: interpretations)
    }

    /// `entries(for:sensor:interpretations:)` with the sensor's Device entry already built (the forwarder builds
    /// it once per sensor and batch).
    func entries(
        for stored: StoredReading, sensorDevice: BundleEntry, interpretations: [ObservationTarget: FHIRCodeableConcept]
    ) -> [BundleEntry] {
        [sensorDevice, gatewayDevice()] + observations(for: stored, interpretations: interpretations)
    }

    /// The Observations of a reading, and the components of its panel Observations, that may carry an
    /// interpretation: what the forwarder asks `ObservationAnnotations` about.
    public static func annotationTargets(for stored: StoredReading) -> [ObservationTarget] {
        groups(for: stored.reading).flatMap { group -> [ObservationTarget] in
            let observation = ObservationTarget(reading: stored.id, vitals: group.vitals)
            guard case let .panel(_, _, members) = group else { return [observation] }
            return [observation] + members.map { ObservationTarget(reading: stored.id, vitals: [$0.vital]) }
        }
    }

    /// The conditional reference to a reading's first Observation, for resources sent in a later Bundle
    /// (Triage's alerts): "Observation?identifier=urn:dho-gateway:observation|<reading id>".
    public func observationReference(for id: ReadingID) -> String {
        "Observation?" + BundleEntry.identifierQuery(system: configuration.observationIdentifierSystem, value: id.rawValue)
    }

    /// The identifier value of each Observation of a reading: the reading identifier for the first one
    /// (so that `ReadingID` names it), derived identifiers for the others.
    static func observationIdentifier(reading id: ReadingID, role: String, isFirst: Bool) -> String {
        isFirst ? id.rawValue : ReadingIdentity.derivedIdentifier(id.rawValue, role: role)
    }

    /// How a reading's components are grouped into Observations.
    enum Group {
        case panel(VitalSignCode, role: String, members: [ReadingComponent])
        case single(ReadingComponent)

        var role: String {
            switch self {
            case let .panel(_, role, _): return role
            case let .single(component): return component.vital.rawValue
            }
        }

        var vitals: [VitalSign] {
            switch self {
            case let .panel(_, _, members): return members.map(\.vital)
            case let .single(component): return [component.vital]
            }
        }
    }

    static let bloodPressurePanelMembers: [VitalSign] = [.systolicPressure, .diastolicPressure, .meanArterialPressure]

    static func groups(for reading: Reading) -> [Group] {
        guard reading.kind == .bloodPressure else { return reading.components.map(Group.single) }
        let members = reading.components.filter { bloodPressurePanelMembers.contains($0.vital) }
        let others = reading.components.filter { !bloodPressurePanelMembers.contains($0.vital) }
        var groups: [Group] = []
        if !members.isEmpty {
            groups.append(.panel(FHIRCodeTable.bloodPressurePanel, role: "blood-pressure-panel", members: members))
        }
        return groups + others.map(Group.single)
    }

    public func observations(
        for stored: StoredReading, interpretations: [ObservationTarget: FHIRCodeableConcept] = [:]
    ) -> [BundleEntry] {
        let (reading, conversionNote) = VitalSignUnits.conforming(stored.reading)
        let status = StatusMapping.summarize(reading.flags)
        let coincident = coincidentTimeStamp(stored)
        var entries: [BundleEntry] = []
        for (index, group) in Self.groups(for: reading).enumerated() {
            let identifier = Self.observationIdentifier(reading: stored.id, role: group.role, isFirst: index == 0)
            var resource = commonObservation(stored, identifier: identifier, status: status, coincident: coincident?.fullUrl)
            resource["interpretation"] = Self.measurementStatusInterpretations(status, text: interpretationText(reading, status: status))
            let annotation = interpretations[ObservationTarget(reading: stored.id, vitals: group.vitals)]
            resource["extension"] = .array((resource["extension"]?.arrayValue ?? []) + triageExtension(annotation))
            switch group {
            case let .panel(code, _, members):
                resource["code"] = code.codeableConcept(for: nil)
                resource["component"] = .array(members.map { component in
                    var member = measuredValue(component, absentOverride: status.dataAbsentReason)
                    member["code"] = FHIRCodeTable.code(for: component.vital, kind: reading.kind, canonical: configuration.canonical)
                        .codeableConcept(for: component.unit)
                    let own = interpretations[ObservationTarget(reading: stored.id, vitals: [component.vital])]
                    if own != nil { member["extension"] = .array(triageExtension(own)) }
                    return .object(member)
                })
                // A status that withholds the values withholds the whole measurement: the reason goes on the
                // Observation too (PhdBaseObservation-notes "Measurement Status"), the components keep it for
                // the bp profile, which requires its systolic and diastolic components.
                if let reason = status.dataAbsentReason { resource["dataAbsentReason"] = Self.dataAbsentReason(reason) }
                resource["meta"] = meta(profiles: [FHIRURL.phdCompoundNumeric, code.vitalSignsProfile], status: status)
                resource["category"] = categories(vitalSign: code.isVitalSign)
            case let .single(component):
                let code = FHIRCodeTable.code(
                    for: component.vital, kind: reading.kind, qualifiers: reading.qualifiers, canonical: configuration.canonical)
                resource["code"] = code.codeableConcept(for: component.unit)
                resource.merge(measuredValue(component, absentOverride: status.dataAbsentReason)) { $1 }
                // The gateway withheld an impossible value (`implausible-value`): the PHD IG's "invalid"
                // measurement status, dataAbsentReason error and status entered-in-error.
                if reading.flags.contains(.implausibleValue), component.value == .absent(.error) {
                    resource["status"] = "entered-in-error"
                }
                resource["meta"] = meta(profiles: [FHIRURL.phdNumeric, code.vitalSignsProfile], status: status)
                resource["category"] = categories(vitalSign: code.isVitalSign)
            }
            if index == 0 {
                // Context belongs to the measurement as a whole: put it on its first Observation.
                if let site = QualifierMapping.bodySite(reading.qualifiers) { resource["bodySite"] = site }
                let context = QualifierMapping.components(reading.qualifiers, canonical: configuration.canonical)
                if !context.isEmpty {
                    resource["component"] = .array((resource["component"]?.arrayValue ?? []) + context)
                }
                let notes = BeyondRangeNote.texts(reading)
                    + [reading.flags.isEmpty ? nil : noteText(reading, status: status), conversionNote].compactMap { $0 }
                if !notes.isEmpty { resource["note"] = .array(notes.map { ["text": .string($0)] }) }
            }
            entries.append(BundleEntry(
                fullUrl: "urn:uuid:" + identifier, resourceType: "Observation", resource: .object(resource),
                identifierSystem: configuration.observationIdentifierSystem, identifierValue: identifier))
        }
        if let first = entries.first {
            if let bits = statusObservation(stored, status: status, derivedFrom: first.fullUrl, coincident: coincident?.fullUrl) {
                entries.append(bits)
            }
            entries += contextObservations(stored, derivedFrom: first.fullUrl, coincident: coincident?.fullUrl)
        }
        if let coincident { entries.append(coincident) }
        return entries
    }

    /// The elements every PHD Observation of a reading shares (PhdBaseObservation.fsh): identifier, status,
    /// subject, effective time with the home's offset, the PhdDevice, the PhgDevice (observation-gatewayDevice)
    /// and, when the device stamped the reading, the coincident time stamp.
    func commonObservation(
        _ stored: StoredReading, identifier: String, status: StatusMapping.Summary, coincident: String?
    ) -> [String: JSON] {
        var extensions: [JSON] = [
            ["url": .string(FHIRURL.gatewayDeviceExtension), "valueReference": ["reference": .string(gatewayDeviceURL())]],
        ]
        if let coincident {
            extensions.append(["url": .string(FHIRURL.coincidentTimeStampExtension), "valueReference": ["reference": .string(coincident)]])
        }
        let state = status.enteredInError ? "entered-in-error" : status.preliminary ? "preliminary" : "final"
        var observation: [String: JSON] = [
            "resourceType": "Observation",
            "identifier": [["system": .string(configuration.observationIdentifierSystem), "value": .string(identifier)]],
            "status": .string(state),
            "subject": ["reference": .string(configuration.patient.reference)],
            "device": ["reference": .string(sensorDeviceURL(stored.sensor))],
            "extension": .array(extensions),
        ]
        observation.merge(effectiveTime(stored)) { _, settled in settled }
        return observation
    }

    /// One `interpretation` element per measurement status, each with exactly one measurement-status coding
    /// (PhdBaseObservation.fsh `interpretation.coding contains MsmtStatusInterpretation 1..1`): two statuses
    /// are two elements. Nil when the device reported none.
    static func measurementStatusInterpretations(_ status: StatusMapping.Summary, text: String) -> JSON? {
        guard !status.interpretations.isEmpty else { return nil }
        return .array(status.interpretations.map { code in
            FHIRCodeableConcept(
                coding: [FHIRCoding(CodeSystem.measurementStatus, code, StatusMapping.measurementStatusDisplay[code])],
                text: text
            ).json
        })
    }

    /// Triage's traffic-light zone of an Observation or component, as the project's extension (it cannot be an
    /// `interpretation`: every interpretation element of a PHD Observation is a measurement status).
    func triageExtension(_ annotation: FHIRCodeableConcept?) -> [JSON] {
        guard let annotation else { return [] }
        return [["url": .string(configuration.canonical.triageInterpretationExtension), "valueCodeableConcept": annotation.json]]
    }

    func interpretationText(_ reading: Reading, status: StatusMapping.Summary) -> String {
        status.unreliableFlags.isEmpty
            ? "Device status: " + reading.flags.map(StatusMapping.words).joined(separator: ", ")
            : "Unreliable measurement, control measurement needed: "
                + status.unreliableFlags.map(StatusMapping.words).joined(separator: ", ")
    }

    func noteText(_ reading: Reading, status: StatusMapping.Summary) -> String {
        var text = "Device reported: " + reading.flags.map(StatusMapping.words).joined(separator: ", ") + "."
        if !status.unreliableFlags.isEmpty { text += " The value may be unreliable; ask for a control measurement." }
        return text
    }

    /// valueQuantity, or dataAbsentReason when the device sent NaN/NRes/INF or a status that withholds the value.
    func measuredValue(_ component: ReadingComponent, absentOverride: String?) -> [String: JSON] {
        if let reason = absentOverride { return ["dataAbsentReason": Self.dataAbsentReason(reason)] }
        switch component.value {
        case let .number(number):
            return ["valueQuantity": [
                "value": .decimal(number),
                "unit": .string(component.unit.display),
                "system": .string(CodeSystem.ucum),
                "code": .string(component.unit.rawValue),
            ]]
        case .absent, .beyondRange:
            // LO / HI too: PHD IG 2.0.0 "Special FLOAT and SFLOAT Values" (pagecontent/FLOATS.md) and
            // PhdNumericObservation: a special value is sent as dataAbsentReason (−∞ `negative-infinity`, +∞
            // `positive-infinity`), never as a valueQuantity; the annunciation that says why goes in the status
            // bits Observation (`sensor-result-too-low` / `-too-high`), the red zone in the triage extension (LL/HH).
            return ["dataAbsentReason": Self.dataAbsentReason(component.value.dataAbsentReason?.rawValue ?? AbsentReason.error.rawValue)]
        }
    }

    static let dataAbsentReasonDisplay: [String: String] = [
        "not-a-number": "Not a Number (NaN)", "error": "Error", "positive-infinity": "Positive Infinity (PINF)",
        "negative-infinity": "Negative Infinity (NINF)", "unknown": "Unknown", "not-performed": "Not Performed",
        "temp-unknown": "Temporarily Unknown",
    ]

    static func dataAbsentReason(_ code: String) -> JSON {
        ["coding": [FHIRCoding(CodeSystem.dataAbsentReason, code, dataAbsentReasonDisplay[code]).json]]
    }

    func meta(profiles: [String?], status: StatusMapping.Summary) -> JSON {
        var meta: [String: JSON] = ["profile": .array(profiles.compactMap { $0 }.map(JSON.string))]
        if status.testData {
            meta["security"] = [FHIRCoding(CodeSystem.actReason, "HTEST", "test health data").json]
        }
        return .object(meta)
    }

    func categories(vitalSign: Bool) -> JSON {
        var categories: [JSON] = [
            // PhdBaseObservation.fsh: category[PHD-Observation] code fixed to #phd (CodeSystem.PhdObservationCategories.fsh).
            ["coding": [FHIRCoding(CodeSystem.phdObservationCategory, "phd", "PHD generated Observation").json]],
        ]
        if vitalSign {
            categories.insert(
                ["coding": [FHIRCoding(CodeSystem.observationCategory, "vital-signs", "Vital Signs").json]], at: 0)
        }
        return .array(categories)
    }

    /// PhdBitsEnumerationObservation with the set bits of the device's status field; nil when no flag of the
    /// reading is a bit of the field its kind reports (PhdBitsEnumerationObservation.fsh).
    func statusObservation(
        _ stored: StoredReading, status: StatusMapping.Summary, derivedFrom: String, coincident: String?
    ) -> BundleEntry? {
        let reading = stored.reading
        guard let bitString = StatusMapping.bitString(for: reading.kind) else { return nil }
        let components = reading.flags.compactMap(StatusMapping.bitComponent(for:)).filter {
            $0["code"]?["coding"]?.arrayValue?.first?["code"]?.stringValue?.hasPrefix(bitString.mdc.code + ".") == true
        }
        guard !components.isEmpty else { return nil }
        let identifier = ReadingIdentity.derivedIdentifier(stored.id.rawValue, role: "device-status")
        var resource = commonObservation(stored, identifier: identifier, status: status, coincident: coincident)
        // The bits are what the device reported, valid even when its measurement was not.
        resource["status"] = .string(status.preliminary ? "preliminary" : "final")
        resource["code"] = ["coding": [bitString.mdc.json], "text": .string(bitString.text)]
        resource["component"] = .array(components)
        resource["derivedFrom"] = [["reference": .string(derivedFrom)]]
        resource["meta"] = meta(profiles: [FHIRURL.phdBitsEnumeration], status: status)
        resource["category"] = categories(vitalSign: false)
        return BundleEntry(
            fullUrl: "urn:uuid:" + identifier, resourceType: "Observation", resource: .object(resource),
            identifierSystem: configuration.observationIdentifierSystem, identifierValue: identifier)
    }
}
