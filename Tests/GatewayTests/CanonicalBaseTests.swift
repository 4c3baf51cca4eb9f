import Foundation
import GatewayTestSupport
import Testing

/// The operator's `forwarding: canonical-base` reaches everything the daemon sends: the triage zone on each
/// Observation and the Flags' extensions and code system, and no `urn:dho-gateway:fhir:*` name is left; the
/// strict receiver (FHIR R4, R4 vital signs, PHD IG 2.0.0) accepts all of it.
@Suite struct CanonicalBaseTests {
    static let base = "https://fhir.centre.example/dho"

    /// Every string value under `key` anywhere in `node`.
    static func values(of key: String, in node: Any) -> [String] {
        if let object = node as? [String: Any] {
            return object.flatMap { name, value in
                (name == key ? [value as? String].compactMap { $0 } : []) + values(of: key, in: value)
            }
        }
        if let array = node as? [Any] { return array.flatMap { values(of: key, in: $0) } }
        return []
    }

    @Test func theOperatorsCanonicalBaseNamesTheProjectsDefinitions() async throws {
        let gateway = try await GatewayHarness.start(forwardingSettings: ["canonical-base: \(Self.base)/"])
        try await EndToEndTests.pairEverything(gateway)
        try await EndToEndTests.settled(gateway, readings: 7)
        try await gateway.waitUntil("the red and yellow Flags delivered") {
            try await gateway.receiver.resources("Flag").count == 2
        }
        #expect(try await gateway.receiver.violations() == [])

        let observations = try await gateway.receiver.resources("Observation")
        let flags = try await gateway.receiver.resources("Flag")
        let urls = Self.values(of: "url", in: observations + flags) + Self.values(of: "system", in: observations + flags)
        #expect(!urls.contains { $0.hasPrefix("urn:dho-gateway:fhir") }, "\(Set(urls))")
        // The red SpO2's zone, on the Observation itself.
        let zones = Self.values(of: "url", in: observations).filter { $0.hasSuffix("/triage-interpretation") }
        #expect(!zones.isEmpty && zones.allSatisfy { $0 == Self.base + "/StructureDefinition/triage-interpretation" })
        // The Flags' own extensions and code system.
        let flagURLs = Set(Self.values(of: "url", in: flags))
        #expect(flagURLs.contains(Self.base + "/StructureDefinition/triage-zone"), "\(flagURLs)")
        #expect(Self.values(of: "system", in: flags).contains(Self.base + "/CodeSystem/triage-alert"))
        await gateway.stop()
    }
}
