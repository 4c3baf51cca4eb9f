public import FHIRModel
import HealthProfiles
public import ReadingStore

/// The forwarder's mapping of a reading: its Bundle entries written directly as bytes (issue 16). Building each
/// Observation as a `[String: JSON]` tree, sorting every object's keys and serialising it was ≈ 5 % of the daemon's
/// CPU under a live flow and more of a backlog drain. The measurement Observations (one per group, the hot path of
/// every reading) and the coincident time stamp are written member by member here, keys in the order
/// `JSON.serialized()` sorts them; the rarer derived resources (status bits, glucose context) and the Devices keep
/// their one tree mapping and are serialised from it. `observations(for:interpretations:)` (the tree) stays the
/// test oracle: `ObservationWriterTests` compares both byte for byte over every profile the gateway maps.
extension FHIRMapper {
    /// What `entries(for:sensorDevice:interpretations:)` gives, serialised: sensor Device, gateway Device,
    /// Observations. The forwarder's entry point for a claimed reading.
    public func serializedEntries(
        for stored: StoredReading, sensorDevice: BundleEntry, interpretations: [ObservationTarget: FHIRCodeableConcept]
    ) -> [SerializedEntry] {
        [SerializedEntry(sensorDevice), gatewayDeviceBytes] + serializedObservations(for: stored, interpretations: interpretations)
    }

    /// `observations(for:interpretations:)`, serialised.
    public func serializedObservations(
        for stored: StoredReading, interpretations: [ObservationTarget: FHIRCodeableConcept] = [:]
    ) -> [SerializedEntry] {
        let (reading, conversionNote) = VitalSignUnits.conforming(stored.reading)
        let status = StatusMapping.summarize(reading.flags)
        var writer = JSONWriter()
        let coincident = serializedCoincidentTimeStamp(stored, writer: &writer)
        var entries: [SerializedEntry] = []
        for (index, group) in Self.groups(for: reading).enumerated() {
            let identifier = Self.observationIdentifier(reading: stored.id, role: group.role, isFirst: index == 0)
            let fullUrl = "urn:uuid:" + identifier
            writeEntryStart(fullUrl: fullUrl, identifier: identifier, to: &writer)
            writeObservation(
                ObservationParts(stored: stored, reading: reading, group: group, isFirst: index == 0, identifier: identifier,
                                 status: status, coincident: coincident?.fullUrl, conversionNote: conversionNote),
                interpretations: interpretations, to: &writer)
            writer.endObject()
            entries.append(SerializedEntry(fullUrl: fullUrl, bytes: writer.take()))
        }
        if let first = entries.first {
            if let bits = statusObservation(stored, status: status, derivedFrom: first.fullUrl, coincident: coincident?.fullUrl) {
                entries.append(SerializedEntry(bits))
            }
            entries += contextObservations(stored, derivedFrom: first.fullUrl, coincident: coincident?.fullUrl).map(SerializedEntry.init)
        }
        if let coincident { entries.append(coincident) }
        return entries
    }

    /// `coincidentTimeStamp(_:)`, written directly: every reading of a device with a clock has one, and building
    /// and serialising its tree was a third of what the mapping still cost in a backlog drain (perf, release
    /// `bench drain`, the readings of a cuff that stamps them).
    func serializedCoincidentTimeStamp(_ stored: StoredReading, writer: inout JSONWriter) -> SerializedEntry? {
        guard let deviceTime = stored.reading.deviceTime,
              let deviceClock = Timestamp.deviceClock(
                  deviceTime, offsetSeconds: configuration.timeZone.secondsFromGMT(for: stored.measuredAt))
        else { return nil }
        let identifier = ReadingIdentity.derivedIdentifier(stored.id.rawValue, role: "coincident-time-stamp")
        let fullUrl = "urn:uuid:" + identifier
        writeEntryStart(fullUrl: fullUrl, identifier: identifier, to: &writer)
        writer.beginObject()
        writer.key("code")
        FHIRCodeableConcept(coding: [Self.absoluteTimeClock], text: "Device clock (absolute time)").write(to: &writer)
        writer.reference("device", gatewayDeviceURL())
        writer.member("effectiveDateTime", Timestamp.local(stored.measuredAt, in: configuration.timeZone))
        writeIdentifier(identifier, to: &writer)
        writer.key("meta")
        writer.beginObject()
        writer.key("profile")
        writer.beginArray()
        writer.string(FHIRURL.phdCoincidentTimeStamp)
        writer.endArray()
        writer.endObject()
        writer.member("resourceType", "Observation")
        writer.member("status", "final")
        writer.reference("subject", sensorDeviceURL(stored.sensor))
        writer.member("valueDateTime", deviceClock)
        writer.endObject()
        writer.endObject()
        return SerializedEntry(fullUrl: fullUrl, bytes: writer.take())
    }

    /// An Observation entry up to its resource: fullUrl and the conditional create on its identifier; the
    /// resource and the entry's closing brace follow.
    private func writeEntryStart(fullUrl: String, identifier: String, to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("fullUrl", fullUrl)
        writer.key("request")
        writer.beginObject()
        writer.member("ifNoneExist", BundleEntry.identifierQuery(system: configuration.observationIdentifierSystem, value: identifier))
        writer.member("method", "POST")
        writer.member("url", "Observation")
        writer.endObject()
        writer.key("resource")
    }

    private func writeIdentifier(_ identifier: String, to writer: inout JSONWriter) {
        writer.key("identifier")
        writer.beginArray()
        writer.beginObject()
        writer.member("system", configuration.observationIdentifierSystem)
        writer.member("value", identifier)
        writer.endObject()
        writer.endArray()
    }

    /// What one measurement Observation is written from.
    struct ObservationParts {
        let stored: StoredReading
        /// The reading with units converted (`VitalSignUnits.conforming`).
        let reading: Reading
        let group: Group
        let isFirst: Bool
        let identifier: String
        let status: StatusMapping.Summary
        let coincident: String?
        let conversionNote: String?
    }

    /// The resource `observations(for:interpretations:)` builds for one group, its keys in ascending order.
    private func writeObservation(
        _ parts: ObservationParts, interpretations: [ObservationTarget: FHIRCodeableConcept], to writer: inout JSONWriter
    ) {
        let (reading, status, group) = (parts.reading, parts.status, parts.group)
        var code: VitalSignCode
        var single: ReadingComponent?
        switch group {
        case let .panel(panelCode, _, _): code = panelCode
        case let .single(component):
            single = component
            code = FHIRCodeTable.code(
                for: component.vital, kind: reading.kind, qualifiers: reading.qualifiers, canonical: configuration.canonical)
        }
        let context = parts.isFirst ? QualifierMapping.components(reading.qualifiers, canonical: configuration.canonical) : []

        writer.beginObject()
        if parts.isFirst, let site = QualifierMapping.bodySite(reading.qualifiers) {
            writer.key("bodySite")
            writer.value(site)
        }
        writer.key("category")
        writeCategories(vitalSign: code.isVitalSign, to: &writer)
        writer.key("code")
        writeCodeableConcept(code, unit: single?.unit, to: &writer)
        if case let .panel(_, _, members) = group {
            writer.key("component")
            writer.beginArray()
            for member in members { writePanelMember(member, parts: parts, interpretations: interpretations, to: &writer) }
            for item in context { writer.value(item) }
            writer.endArray()
        } else if !context.isEmpty {
            writer.key("component")
            writer.beginArray()
            for item in context { writer.value(item) }
            writer.endArray()
        }
        // A panel withholding its values says so on the Observation too; a single value says it in its place.
        let absentReason = status.dataAbsentReason ?? single.flatMap(Self.absentReason(of:))
        if let absentReason {
            writer.key("dataAbsentReason")
            writeDataAbsentReason(absentReason, to: &writer)
        }
        writer.reference("device", sensorDeviceURL(parts.stored.sensor))
        let window = Self.settledWindow(reading)
        let end = Timestamp.local(parts.stored.measuredAt, in: configuration.timeZone)
        if let window {
            writer.key("effectivePeriod")
            writer.beginObject()
            writer.member("end", end)
            writer.member("start", Timestamp.local(parts.stored.measuredAt.addingTimeInterval(-window.seconds), in: configuration.timeZone))
            writer.endObject()
        } else {
            writer.member("effectiveDateTime", end)
        }
        writer.key("extension")
        writer.beginArray()
        writeReferenceExtension(FHIRURL.gatewayDeviceExtension, gatewayDeviceURL(), to: &writer)
        if let coincident = parts.coincident {
            writeReferenceExtension(FHIRURL.coincidentTimeStampExtension, coincident, to: &writer)
        }
        writeTriageExtension(interpretations[ObservationTarget(reading: parts.stored.id, vitals: group.vitals)], to: &writer)
        writer.endArray()
        writeIdentifier(parts.identifier, to: &writer)
        if !status.interpretations.isEmpty {
            let text = interpretationText(reading, status: status)
            writer.key("interpretation")
            writer.beginArray()
            for interpretation in status.interpretations {
                FHIRCodeableConcept(
                    coding: [FHIRCoding(CodeSystem.measurementStatus, interpretation, StatusMapping.measurementStatusDisplay[interpretation])],
                    text: text
                ).write(to: &writer)
            }
            writer.endArray()
        }
        writer.key("meta")
        writeMeta(profiles: [single == nil ? FHIRURL.phdCompoundNumeric : FHIRURL.phdNumeric, code.vitalSignsProfile], status: status, to: &writer)
        if let window {
            writer.key("method")
            writer.beginObject()
            writer.member("text", "median of \(window.samples) settled samples over \(Self.secondsText(window.seconds)) s")
            writer.endObject()
        }
        if parts.isFirst {
            let notes = BeyondRangeNote.texts(reading)
                + [reading.flags.isEmpty ? nil : noteText(reading, status: status), parts.conversionNote].compactMap { $0 }
            if !notes.isEmpty {
                writer.key("note")
                writer.beginArray()
                for note in notes {
                    writer.beginObject()
                    writer.member("text", note)
                    writer.endObject()
                }
                writer.endArray()
            }
        }
        writer.member("resourceType", "Observation")
        writer.member("status", observationStatus(status, single: single, reading: reading))
        writer.reference("subject", configuration.patient.reference)
        if absentReason == nil, let single, case let .number(number) = single.value {
            writer.key("valueQuantity")
            writeQuantity(number, unit: single.unit, to: &writer)
        }
        writer.endObject()
    }

    /// The reason a component's own value is absent (NaN, NRes, LO/HI...), as `measuredValue` gives it.
    static func absentReason(of component: ReadingComponent) -> String? {
        if case .number = component.value { return nil }
        return component.value.dataAbsentReason?.rawValue ?? AbsentReason.error.rawValue
    }

    /// `commonObservation`'s status, entered-in-error for a value the gateway withheld as impossible.
    private func observationStatus(_ status: StatusMapping.Summary, single: ReadingComponent?, reading: Reading) -> String {
        if let single, reading.flags.contains(.implausibleValue), single.value == .absent(.error) { return "entered-in-error" }
        return status.enteredInError ? "entered-in-error" : status.preliminary ? "preliminary" : "final"
    }

    private func writePanelMember(
        _ component: ReadingComponent, parts: ObservationParts, interpretations: [ObservationTarget: FHIRCodeableConcept],
        to writer: inout JSONWriter
    ) {
        writer.beginObject()
        writer.key("code")
        let code = FHIRCodeTable.code(for: component.vital, kind: parts.reading.kind, canonical: configuration.canonical)
        writeCodeableConcept(code, unit: component.unit, to: &writer)
        let absentReason = parts.status.dataAbsentReason ?? Self.absentReason(of: component)
        if let absentReason {
            writer.key("dataAbsentReason")
            writeDataAbsentReason(absentReason, to: &writer)
        }
        if let own = interpretations[ObservationTarget(reading: parts.stored.id, vitals: [component.vital])] {
            writer.key("extension")
            writer.beginArray()
            writeTriageExtension(own, to: &writer)
            writer.endArray()
        }
        if absentReason == nil, case let .number(number) = component.value {
            writer.key("valueQuantity")
            writeQuantity(number, unit: component.unit, to: &writer)
        }
        writer.endObject()
    }

    private func writeCodeableConcept(_ code: VitalSignCode, unit: UCUMUnit?, to writer: inout JSONWriter) {
        FHIRCodeableConcept(coding: code.codings(for: unit), text: code.text).write(to: &writer)
    }

    private func writeQuantity(_ number: DecimalNumber, unit: UCUMUnit, to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("code", unit.rawValue)
        writer.member("system", CodeSystem.ucum)
        writer.member("unit", unit.display)
        writer.key("value")
        writer.number(number.description)
        writer.endObject()
    }

    private func writeDataAbsentReason(_ code: String, to writer: inout JSONWriter) {
        FHIRCodeableConcept(coding: [FHIRCoding(CodeSystem.dataAbsentReason, code, Self.dataAbsentReasonDisplay[code])])
            .write(to: &writer)
    }

    private func writeReferenceExtension(_ url: String, _ reference: String, to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("url", url)
        writer.reference("valueReference", reference)
        writer.endObject()
    }

    /// `triageExtension`, written directly.
    private func writeTriageExtension(_ annotation: FHIRCodeableConcept?, to writer: inout JSONWriter) {
        guard let annotation else { return }
        writer.beginObject()
        writer.member("url", configuration.canonical.triageInterpretationExtension)
        writer.key("valueCodeableConcept")
        annotation.write(to: &writer)
        writer.endObject()
    }

    private func writeMeta(profiles: [String?], status: StatusMapping.Summary, to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("profile")
        writer.beginArray()
        for profile in profiles { if let profile { writer.string(profile) } }
        writer.endArray()
        if status.testData {
            writer.key("security")
            writer.beginArray()
            FHIRCoding(CodeSystem.actReason, "HTEST", "test health data").write(to: &writer)
            writer.endArray()
        }
        writer.endObject()
    }

    private func writeCategories(vitalSign: Bool, to writer: inout JSONWriter) {
        writer.beginArray()
        if vitalSign {
            FHIRCodeableConcept(coding: [FHIRCoding(CodeSystem.observationCategory, "vital-signs", "Vital Signs")]).write(to: &writer)
        }
        FHIRCodeableConcept(coding: [FHIRCoding(CodeSystem.phdObservationCategory, "phd", "PHD generated Observation")]).write(to: &writer)
        writer.endArray()
    }
}
