import ReadingStore

/// The Observations that describe a reading rather than measure it: its coincident time stamp and its coded
/// glucose context.
extension FHIRMapper {
    /// MDC_ATTR_TIME_ABS: a device clock without zone, what Bluetooth devices keep (ValueSet.MDCClockTypes.fsh).
    static let absoluteTimeClock = FHIRCoding.mdc(67975, "MDC_ATTR_TIME_ABS")

    /// PhdCoincidentTimeStampObservation (StructureDefinition.PhdCoincidentTimeStampObservation.fsh) for a reading
    /// the device stamped with its own clock: at the hub's instant `effectiveDateTime` (the corrected measurement
    /// time) the device's clock showed `valueDateTime` (its own stamp). The pair records the correction the hub
    /// applied, as PhdBaseObservation-notes.md "Timestamp" asks whenever the PHG modifies a time stamp, and lets
    /// the centre recover the device's time. Nil when the device sent no complete date.
    func coincidentTimeStamp(_ stored: StoredReading) -> BundleEntry? {
        guard let deviceTime = stored.reading.deviceTime,
              let deviceClock = Timestamp.deviceClock(
                  deviceTime, offsetSeconds: configuration.timeZone.secondsFromGMT(for: stored.measuredAt))
        else { return nil }
        let identifier = ReadingIdentity.derivedIdentifier(stored.id.rawValue, role: "coincident-time-stamp")
        let resource: JSON = [
            "resourceType": "Observation",
            "meta": ["profile": [.string(FHIRURL.phdCoincidentTimeStamp)]],
            "identifier": [["system": .string(configuration.observationIdentifierSystem), "value": .string(identifier)]],
            "status": "final",
            "code": ["coding": [Self.absoluteTimeClock.json], "text": "Device clock (absolute time)"],
            "subject": ["reference": .string(sensorDeviceURL(stored.sensor))],
            "effectiveDateTime": .string(Timestamp.local(stored.measuredAt, in: configuration.timeZone)),
            "valueDateTime": .string(deviceClock),
            "device": ["reference": .string(gatewayDeviceURL())],
        ]
        return BundleEntry(
            fullUrl: "urn:uuid:" + identifier, resourceType: "Observation", resource: resource,
            identifierSystem: configuration.observationIdentifierSystem, identifierValue: identifier)
    }

    /// One PhdCodedEnumerationObservation per coded glucose context qualifier (meal, sample location, tester),
    /// as the IG models context (its example meal-context-observation.json), derived from the glucose
    /// Observation so that the centre finds the measurement it qualifies.
    func contextObservations(_ stored: StoredReading, derivedFrom: String, coincident: String?) -> [BundleEntry] {
        let status = StatusMapping.summarize(stored.reading.flags)
        return QualifierMapping.codedContext(stored.reading.qualifiers).map { key, code, value in
            let identifier = ReadingIdentity.derivedIdentifier(stored.id.rawValue, role: "context-" + key)
            var resource = commonObservation(stored, identifier: identifier, status: status, coincident: coincident)
            // The context is what the patient entered, valid even when the measurement was not.
            resource["status"] = .string(status.preliminary ? "preliminary" : "final")
            resource["meta"] = meta(profiles: [FHIRURL.phdCodedEnumeration], status: status)
            resource["category"] = categories(vitalSign: false)
            resource["code"] = code
            resource["valueCodeableConcept"] = value
            resource["derivedFrom"] = [["reference": .string(derivedFrom)]]
            return BundleEntry(
                fullUrl: "urn:uuid:" + identifier, resourceType: "Observation", resource: .object(resource),
                identifierSystem: configuration.observationIdentifierSystem, identifierValue: identifier)
        }
    }
}
