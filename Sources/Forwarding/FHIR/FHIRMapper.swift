import HealthProfiles
public import ReadingStore

/// Maps stored readings to FHIR R4 resources following the HL7 Personal Health Device IG.
///
/// One reading becomes:
/// - one Observation per measured quantity, except blood pressure, which is one panel Observation
///   (systolic, diastolic, mean as components) plus a separate pulse Observation;
/// - when the device reported status flags, one status Observation (PhdBitsEnumerationObservation) listing
///   them, derived from the reading's first Observation;
/// - the sensor's Device and the gateway's Device.
/// Every resource is a conditional create on a stable identifier, so a Bundle can be sent any number of times.
public struct FHIRMapper: Sendable {
    public let configuration: FHIRMappingConfiguration

    public init(configuration: FHIRMappingConfiguration) {
        self.configuration = configuration
    }

    /// Everything a stored reading contributes to a Bundle: sensor Device, gateway Device, Observations.
    /// `interpretations` (from `ObservationAnnotations`, keyed by `annotationTargets(for:)`) go first into
    /// the matching Observation's or component's `interpretation`.
    public func entries(
        for stored: StoredReading, sensor: SensorRecord?, interpretations: [ObservationTarget: FHIRCodeableConcept] = [:]
    ) -> [BundleEntry] {
        [sensorDevice(stored.sensor, record: sensor, kind: stored.reading.kind), gatewayDevice()]
            + observations(for: stored, interpretations: interpretations)
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
        let reading = stored.reading
        let status = StatusMapping.summarize(reading.flags)
        var entries: [BundleEntry] = []
        for (index, group) in Self.groups(for: reading).enumerated() {
            let identifier = Self.observationIdentifier(reading: stored.id, role: group.role, isFirst: index == 0)
            let annotation = interpretations[ObservationTarget(reading: stored.id, vitals: group.vitals)]
            var resource = commonObservation(stored, identifier: identifier, status: status, annotation: annotation)
            switch group {
            case let .panel(code, _, members):
                resource["code"] = code.codeableConcept(for: nil)
                resource["component"] = .array(members.map { component in
                    var member = measuredValue(component, absentOverride: status.dataAbsentReason)
                    member["code"] = FHIRCodeTable.code(for: component.vital, kind: reading.kind)
                        .codeableConcept(for: component.unit)
                    if let own = interpretations[ObservationTarget(reading: stored.id, vitals: [component.vital])] {
                        member["interpretation"] = [own.json]
                    }
                    return .object(member)
                })
                resource["meta"] = meta(profiles: [FHIRURL.phdCompoundNumeric, code.vitalSignsProfile], status: status)
                resource["category"] = categories(vitalSign: code.isVitalSign)
            case let .single(component):
                let code = FHIRCodeTable.code(for: component.vital, kind: reading.kind, qualifiers: reading.qualifiers)
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
                let context = QualifierMapping.components(reading.qualifiers)
                if !context.isEmpty {
                    resource["component"] = .array((resource["component"]?.arrayValue ?? []) + context)
                }
            }
            entries.append(BundleEntry(
                fullUrl: "urn:uuid:" + identifier, resourceType: "Observation", resource: .object(resource),
                identifierSystem: configuration.observationIdentifierSystem, identifierValue: identifier))
        }
        if !reading.flags.isEmpty, let first = entries.first {
            entries.append(statusObservation(stored, status: status, derivedFrom: first.fullUrl))
        }
        return entries
    }

    /// The elements every Observation of a reading shares.
    func commonObservation(
        _ stored: StoredReading, identifier: String, status: StatusMapping.Summary, annotation: FHIRCodeableConcept? = nil
    ) -> [String: JSON] {
        var extensions: [JSON] = [
            ["url": .string(FHIRURL.gatewayDeviceExtension), "valueReference": ["reference": .string(gatewayDeviceURL())]],
        ]
        if let deviceTime = stored.reading.deviceTime {
            extensions.append(["url": .string(FHIRURL.deviceLocalTimeExtension), "valueString": .string(deviceTime.description)])
        }
        var resource: [String: JSON] = [
            "resourceType": "Observation",
            "identifier": [["system": .string(configuration.observationIdentifierSystem), "value": .string(identifier)]],
            "status": .string(status.preliminary ? "preliminary" : "final"),
            "subject": ["reference": .string(configuration.patient.reference)],
            "effectiveDateTime": .string(Timestamp.utc(stored.measuredAt)),
            "device": ["reference": .string(sensorDeviceURL(stored.sensor))],
            "extension": .array(extensions),
        ]
        var concepts: [FHIRCodeableConcept] = []
        if let annotation { concepts.append(annotation) }
        if !status.interpretations.isEmpty {
            concepts.append(FHIRCodeableConcept(
                coding: status.interpretations.map {
                    FHIRCoding(CodeSystem.measurementStatus, $0, StatusMapping.measurementStatusDisplay[$0])
                },
                text: interpretationText(stored.reading, status: status)))
        }
        resource["interpretation"] = Self.interpretationList(concepts)
        if !stored.reading.flags.isEmpty {
            resource["note"] = [["text": .string(noteText(stored.reading, status: status))]]
        }
        return resource
    }

    /// One `interpretation` list for an Observation: each assessment its own CodeableConcept (a concept's
    /// codings must be synonyms, and the triage zone and the device's measurement status are different
    /// assessments), the annotation first. A coding an earlier concept already carries is not repeated, and a
    /// concept left without codings is dropped. Nil when nothing remains.
    static func interpretationList(_ concepts: [FHIRCodeableConcept]) -> JSON? {
        var seen: Set<String> = []
        var list: [JSON] = []
        for concept in concepts {
            var unique = concept
            unique.coding = concept.coding.filter { seen.insert($0.system + "|" + $0.code).inserted }
            if !unique.coding.isEmpty { list.append(unique.json) }
        }
        return list.isEmpty ? nil : .array(list)
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
        case let .absent(reason):
            return ["dataAbsentReason": Self.dataAbsentReason(reason.rawValue)]
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
            ["coding": [FHIRCoding(CodeSystem.phdObservationCategory, "phd-observation", "PHD generated").json]],
        ]
        if vitalSign {
            categories.insert(
                ["coding": [FHIRCoding(CodeSystem.observationCategory, "vital-signs", "Vital Signs").json]], at: 0)
        }
        return .array(categories)
    }

    /// PhdBitsEnumerationObservation listing the device's status flags, one component per flag.
    func statusObservation(_ stored: StoredReading, status: StatusMapping.Summary, derivedFrom: String) -> BundleEntry {
        let reading = stored.reading
        let identifier = ReadingIdentity.derivedIdentifier(stored.id.rawValue, role: "device-status")
        var resource = commonObservation(stored, identifier: identifier, status: status)
        resource["interpretation"] = nil
        let bitString = StatusMapping.bitString(for: reading.kind)
        let code = bitString?.mdc ?? FHIRCoding(CodeSystem.gatewayFlag, "device-status", "Device status")
        resource["code"] = ["coding": [code.json], "text": .string(bitString?.text ?? "Device status")]
        resource["component"] = .array(reading.flags.map(StatusMapping.component(for:)))
        resource["derivedFrom"] = [["reference": .string(derivedFrom)]]
        resource["meta"] = meta(profiles: [FHIRURL.phdBitsEnumeration], status: status)
        resource["category"] = categories(vitalSign: false)
        return BundleEntry(
            fullUrl: "urn:uuid:" + identifier, resourceType: "Observation", resource: .object(resource),
            identifierSystem: configuration.observationIdentifierSystem, identifierValue: identifier)
    }
}
