import FHIRTestSupport
import Forwarding
import Foundation
import Gateway
import HealthProfiles
import Logging
import ReadingStore
@testable import Triage

/// The real delivery path for triage tests: the reference FHIR receiver on loopback and a forwarder over the
/// fixture's store, with Triage's annotations and test-sized backoff.
struct Delivery {
    let receiver: ReceiverProcess

    init() async throws {
        receiver = try await ReceiverProcess()
    }

    /// A forwarder over `store` (recreate it after the fixture reopens the store, as the daemon would).
    func forwarder(_ store: ReadingStore) async throws -> Forwarder {
        var logger = Logger(label: "triage-tests.forwarding")
        logger.logLevel = .critical
        return Forwarder(
            store: store,
            transport: try CurlTransport(endpoint: EndpointConfiguration(
                url: receiver.url, connectTimeout: .seconds(2), requestTimeout: .seconds(10))),
            mapper: FHIRMapper(configuration: FHIRMappingConfiguration(
                gateway: GatewayIdentity(identifier: "hub-triage-tests"),
                patient: try PatientReference(TriageFixture.subject))),
            annotations: TriageAnnotations(),
            configuration: ForwarderConfiguration(
                batchSize: 10, retry: DeliveryBackoff(baseDelay: .milliseconds(10), maximumDelay: .milliseconds(40))),
            logger: logger, sleeper: Sleeper { try await Task.sleep(for: min($0, .milliseconds(50))) })
    }

    /// The Observations of a reading the receiver keeps, by the MDC code of their `code`. A reading's first
    /// Observation is identified by the reading id, the others by identifiers derived from it per role.
    func observations(of reading: ReadingID) async throws -> [String: [String: Any]] {
        let roles = VitalSign.allCases.map(\.rawValue) + ["blood-pressure-panel", "device-status"]
        let identifiers = Set([reading.rawValue] + roles.map { ReadingIdentity.derivedIdentifier(reading.rawValue, role: $0) })
        var byCode: [String: [String: Any]] = [:]
        for resource in try await receiver.resources("Observation") {
            let values = (resource["identifier"] as? [[String: Any]])?.compactMap { $0["value"] as? String } ?? []
            guard values.contains(where: identifiers.contains) else { continue }
            let codings = ((resource["code"] as? [String: Any])?["coding"] as? [[String: Any]]) ?? []
            if let mdc = codings.first(where: { $0["system"] as? String == CodeSystem.mdc })?["code"] as? String {
                byCode[mdc] = resource
            }
        }
        return byCode
    }
}

/// `(system|code)` of each coding of each interpretation of an Observation or component, as the receiver got it.
func interpretationCodes(_ resource: [String: Any]?) -> [[String]] {
    ((resource?["interpretation"] as? [[String: Any]]) ?? []).map { concept in
        ((concept["coding"] as? [[String: Any]]) ?? []).map {
            "\($0["system"] as? String ?? "")|\($0["code"] as? String ?? "")"
        }
    }
}

/// The triage zone of an Observation or component as the receiver got it: the concept in the project's
/// triage-interpretation extension (PHD IG 2.0.0 keeps `interpretation` for the device's measurement status).
func triageConcept(_ resource: [String: Any]?) -> [String: Any]? {
    let zone = (resource?["extension"] as? [[String: Any]])?.first {
        $0["url"] as? String == ProjectCanonical.default.triageInterpretationExtension
    }
    return zone?["valueCodeableConcept"] as? [String: Any]
}

/// `(system|code)` of each coding of the triage zone of an Observation or component.
func triageCodes(_ resource: [String: Any]?) -> [String] {
    ((triageConcept(resource)?["coding"] as? [[String: Any]]) ?? []).map {
        "\($0["system"] as? String ?? "")|\($0["code"] as? String ?? "")"
    }
}

/// Readings with identity as the gateway stores them.
enum Sensors {
    static let oximeter = SensorKey(rawValue: "bt:00:1C:05:AA:BB:CC")
    static let cuff = SensorKey(rawValue: "bt:00:1C:05:FF:E8:74")
}

extension ReadingStore {
    /// Ingests `reading` held (as the gateway does), measured and received at `at`.
    func ingestHeld(_ reading: Reading, sensor: SensorKey?, at: Date) async throws -> ReadingID {
        guard let sensor else { throw QueuedFlagError(description: "bad sensor key") }
        return try await ingest(reading, rawFrame: [0x01], sensor: sensor, receivedAt: at, measuredAt: at, held: true)
            .readingID
    }
}
