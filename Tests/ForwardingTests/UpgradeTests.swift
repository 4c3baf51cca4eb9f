import FHIRTestSupport
import Forwarding
import Foundation
import HealthProfiles
import ReadingStore
import Testing

/// A hub upgraded from the September 2024 ballot mapping to the PHD IG 2.0.0 one, with items still queued:
/// nothing is lost, nothing is sent twice, and the centre creates no second copy of what it already has.
@Suite struct UpgradeTests {
    static let alertID = "3f6c2a9e-8d41-4c5b-9e7a-0b1c2d3e4f50"

    /// A Flag exactly as the previous version rendered and queued it (Triage renders Flags when it queues
    /// them): project extensions and code system under `urn:dho-gateway:fhir:*`.
    static func legacyFlag(status: String) -> BundleEntry {
        BundleEntry(
            conditionalUpdateOf: [
                "resourceType": "Flag",
                "identifier": [["system": "urn:ietf:rfc:3986", "value": .string("urn:uuid:" + alertID)]],
                "status": .string(status),
                "category": [["coding": [["system": "http://terminology.hl7.org/CodeSystem/flag-category",
                                          "code": "clinical", "display": "Clinical"]]]],
                "code": ["coding": [["system": "urn:dho-gateway:fhir:CodeSystem:triage-alert", "code": "triage-red",
                                     "display": "Triage red"]], "text": "Triage red: SpO2 86 % below 88 %"],
                "subject": ["reference": .string(Harness.patient)],
                "period": ["start": "2026-03-02T10:15:00Z"],
                "extension": [
                    ["url": "urn:dho-gateway:fhir:StructureDefinition:triage-zone", "valueCode": "red"],
                    ["url": "urn:dho-gateway:fhir:StructureDefinition:triage-detail", "valueString": "SpO2 86 % below 88 %"],
                    ["url": "urn:dho-gateway:fhir:StructureDefinition:triage-plan-version", "valueInteger": 3],
                ],
            ],
            resourceType: "Flag", fullUrl: "urn:uuid:" + alertID, identifierSystem: "urn:ietf:rfc:3986",
            identifierValue: "urn:uuid:" + alertID)
    }

    @Test func aFlagQueuedByTheOldVersionGoesOutConformantAndUpdatesTheSameFlag() async throws {
        let harness = try await Harness()
        let entry = Self.legacyFlag(status: "active")
        try await harness.store.enqueue(kind: .alert, key: "triage-flag-\(Self.alertID)-active",
                                        payload: BundleEntry.payload([entry]), sequenceKey: entry.updatedResourceURL)
        let report = await (try harness.forwarder()).drain()
        #expect(report.delivered == 1 && report.parked == 0)
        #expect(try await harness.receiver.violations() == [])

        let flags = try await harness.receiver.resources("Flag")
        #expect(flags.count == 1)
        let urls = (flags.first?["extension"] as? [[String: Any]] ?? []).compactMap { $0["url"] as? String }
        let canonical = ProjectCanonical.default
        #expect(urls == ["triage-zone", "triage-detail", "triage-plan-version"].map(canonical.structureDefinition))
        let coding = ((flags.first?["code"] as? [String: Any])?["coding"] as? [[String: Any]])?.first
        #expect(coding?["system"] as? String == canonical.codeSystem("triage-alert"))
        #expect(coding?["code"] as? String == "triage-red")  // only the URLs change

        // The next state, queued after the upgrade, updates that same Flag: one Flag, never a second.
        let later = Self.legacyFlag(status: "inactive")
        try await harness.store.enqueue(kind: .alert, key: "triage-flag-\(Self.alertID)-inactive",
                                        payload: BundleEntry.payload([later]), sequenceKey: later.updatedResourceURL)
        _ = await (try harness.forwarder()).drain()
        #expect(try await harness.receiver.identifiers("Flag") == ["urn:ietf:rfc:3986|urn:uuid:\(Self.alertID)": 1])
        #expect(try await harness.receiver.updates("Flag") == ["urn:ietf:rfc:3986|urn:uuid:\(Self.alertID)": 1])
        #expect(try await harness.receiver.resources("Flag").first?["status"] as? String == "inactive")
    }

    @Test func aReadingTheCentreAlreadyHasInTheOldFormIsNotCreatedAgain() async throws {
        // The centre as it was: it accepted the ballot form, so it is not strict.
        let harness = try await Harness(strictPHD: false)
        let ids = try await harness.ingestReadings(1)
        let readingID = ids[0].rawValue
        // What the old version delivered for this reading: the panel under the same identifier system and
        // value, in the ballot form (category phd-observation, UTC time).
        let old: JSON = [
            "resourceType": "Observation",
            "identifier": [["system": .string(harness.mapper.configuration.observationIdentifierSystem),
                            "value": .string(readingID)]],
            "status": "final", "code": ["coding": [FHIRCoding.mdc(150020, "MDC_PRESS_BLD_NONINV").json]],
            "category": [["coding": [["system": .string(CodeSystem.phdObservationCategory), "code": "phd-observation"]]]],
            "subject": ["reference": .string(Harness.patient)], "effectiveDateTime": "2025-06-15T15:06:40Z",
        ]
        let entry = BundleEntry(
            fullUrl: "urn:uuid:" + readingID, resourceType: "Observation", resource: old,
            identifierSystem: harness.mapper.configuration.observationIdentifierSystem, identifierValue: readingID)
        let (status, _) = try await StrictReceiverTests.post(
            JSON.object(["resourceType": "Bundle", "type": "transaction", "entry": [entry.json]]).serialized(),
            to: harness.receiver)
        #expect(status == 200)

        // The upgraded hub sends the reading (say its delivery was never confirmed): the panel is found by its
        // unchanged identifier; the new resources of the new mapping are created once.
        let report = await (try harness.forwarder()).drain()
        #expect(report.delivered == 1)
        #expect(try await harness.receiver.stat("duplicates") == 0)
        #expect(try await harness.createdObservations()[readingID] == 1)
        #expect(try await harness.receiver.stat("existing") >= 1)
    }
}
