import FHIRTestSupport
import Forwarding
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HealthProfiles
import ReadingStore
import Testing

/// The checker can fail: a Bundle the mapper made, broken in one place at a time the way the September 2024
/// ballot mapping (or a careless change) would break it, is answered 422 with an OperationOutcome that names the
/// violated rule; the unbroken Bundle is accepted.
@Suite struct StrictReceiverTests {
    /// One resource of the Bundle changed by `change`; `resourceType` and `code` pick it.
    struct Breakage: CustomTestStringConvertible, Sendable {
        let name: String
        let resourceType: String
        let code: String?
        let rule: String
        let change: @Sendable (inout [String: JSON]) -> Void
        var testDescription: String { name }
    }

    static let breakages: [Breakage] = [
        Breakage(name: "the ballot's category code", resourceType: "Observation", code: "150020",
                 rule: "PhdBaseObservation.category[PHD-Observation]") {
            $0["category"] = [["coding": [["system": .string(CodeSystem.phdObservationCategory), "code": "phd-observation"]]]]
        },
        Breakage(name: "a status bit coded Y/N", resourceType: "Observation", code: "8410608",
                 rule: "PhdBitsEnumerationObservation.component[bitsComponent].value[x]") {
            $0["component"] = [[
                "code": ["coding": [["system": .string(CodeSystem.asn1ToHL7), "code": "8410608.0"]]],
                "valueCodeableConcept": ["coding": [["system": .string(CodeSystem.yesNo), "code": "Y"]]],
            ]]
        },
        Breakage(name: "the ballot's ASN1ToHL7 system", resourceType: "Observation", code: "8410608",
                 rule: "PhdBitsEnumerationObservation.component[bitsComponent].code") {
            $0["component"] = [[
                "code": ["coding": [["system": "http://hl7.org/fhir/uv/phd/CodeSystem/ASN1ToHL7", "code": "8410608.0"]]],
                "valueBoolean": true,
            ]]
        },
        Breakage(name: "the triage zone as an interpretation", resourceType: "Observation", code: "149546",
                 rule: "PhdBaseObservation.interpretation[MsmtStatusInterpretation]") {
            $0["interpretation"] = [["coding": [["system": .string(CodeSystem.observationInterpretation), "code": "H"]]]]
        },
        Breakage(name: "two statuses in one interpretation", resourceType: "Observation", code: "149546",
                 rule: "PhdBaseObservation.interpretation[MsmtStatusInterpretation]") {
            $0["interpretation"] = [["coding": [
                ["system": .string(CodeSystem.measurementStatus), "code": "questionable"],
                ["system": .string(CodeSystem.measurementStatus), "code": "validated-data"],
            ]]]
        },
        Breakage(name: "blood pressure in kPa", resourceType: "Observation", code: "150020",
                 rule: "vitalsigns/bp component[systolic].valueQuantity.code") {
            var components = $0["component"]?.arrayValue ?? []
            if case var .object(systolic) = components[0] {
                systolic["valueQuantity"] = ["value": .number("18.4"), "unit": "kPa", "system": .string(CodeSystem.ucum), "code": "kPa"]
                components[0] = .object(systolic)
            }
            $0["component"] = .array(components)
        },
        Breakage(name: "a time without offset", resourceType: "Observation", code: "149546", rule: "fhir.resources") {
            $0["effectiveDateTime"] = "2025-06-15T17:06:40"
        },
        Breakage(name: "a LO as a bound with a comparator", resourceType: "Observation", code: "149546",
                 rule: "PhdNumericObservation.valueQuantity.comparator") {
            $0["valueQuantity"] = ["comparator": "<", "value": .number("20"), "unit": "mg/dL", "system": .string(CodeSystem.ucum), "code": "mg/dL"]
        },
        Breakage(name: "a value next to its dataAbsentReason", resourceType: "Observation", code: "149546",
                 rule: "Observation obs-6") {
            $0["dataAbsentReason"] = ["coding": [["system": "http://terminology.hl7.org/CodeSystem/data-absent-reason", "code": "negative-infinity"]]]
        },
        Breakage(name: "invalid but final", resourceType: "Observation", code: "149546",
                 rule: "PhdBaseObservation-notes Measurement Status (Invalid)") {
            $0["status"] = "entered-in-error"
        },
        Breakage(name: "a sensor without MDC 65573", resourceType: "Device", code: "65573",
                 rule: "PhdDevice.type.coding[PhdCode]") {
            $0["type"] = ["coding": [FHIRCoding.mdc(528391, "MDC_DEV_SPEC_PROFILE_BPM").json]]
        },
        Breakage(name: "a gateway without system id", resourceType: "Device", code: "531981", rule: "PhgDevice ^purpose") {
            $0["identifier"] = .array(($0["identifier"]?.arrayValue ?? []).filter { $0["type"] == nil })
        },
        Breakage(name: "a project extension named by URN", resourceType: "Observation", code: "149546",
                 rule: "dho.canonical-url") {
            $0["extension"] = .array(($0["extension"]?.arrayValue ?? [])
                + [["url": "urn:dho-gateway:extension:device-local-time", "valueString": "2025-04-17T20:41:59"]])
        },
    ]

    static func bundle(breaking breakage: Breakage?) throws -> [UInt8] {
        let mapper = try Harness.mapper()
        let stored = Samples.stored(Samples.bloodPressure(flags: [.bodyMovement]))
        let entries = mapper.entries(for: stored, sensor: nil).map { entry -> JSON in
            guard let breakage, case var .object(members) = entry.json, case var .object(resource) = members["resource"],
                  resource["resourceType"]?.stringValue == breakage.resourceType,
                  breakage.code.map({ code in codes(resource["code"] ?? resource["type"]).contains(mdc + code) }) ?? true
            else { return entry.json }
            breakage.change(&resource)
            members["resource"] = .object(resource)
            return .object(members)
        }
        return JSON.object(["resourceType": "Bundle", "type": "transaction", "entry": .array(entries)]).serialized()
    }

    static func post(_ body: [UInt8], to receiver: ReceiverProcess) async throws -> (status: Int, body: [String: Any]) {
        var request = URLRequest(url: try #require(URL(string: receiver.url)))
        request.httpMethod = "POST"
        request.setValue("application/fhir+json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(body)
        let (data, response) = try await URLSession.shared.data(for: request)
        let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, json)
    }

    @Test(arguments: breakages)
    func aBrokenResourceIsRejectedNamingTheRule(_ breakage: Breakage) async throws {
        let receiver = try await ReceiverProcess()
        let broken = try Self.bundle(breaking: breakage)
        #expect(broken != (try Self.bundle(breaking: nil)), "the breakage must change the Bundle")
        let (status, outcome) = try await Self.post(broken, to: receiver)
        #expect(status == 422)
        #expect(outcome["resourceType"] as? String == "OperationOutcome")
        let diagnostics = (outcome["issue"] as? [[String: Any]] ?? []).compactMap { $0["diagnostics"] as? String }
        #expect(diagnostics.contains { $0.contains(breakage.rule) }, "\(diagnostics)")
        #expect(try await receiver.resources("Observation").isEmpty)  // rejected whole
    }

    @Test func theUnbrokenBundleIsAccepted() async throws {
        let receiver = try await ReceiverProcess()
        let (status, _) = try await Self.post(try Self.bundle(breaking: nil), to: receiver)
        #expect(status == 200)
        #expect(try await receiver.stat("nonConformant") == 0)
    }
}
