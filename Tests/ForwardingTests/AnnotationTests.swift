import FHIRTestSupport
import Forwarding
import Foundation
import HealthProfiles
import ReadingStore
import Testing

/// Interpretations another module (Triage) adds to Observations at forward time.
@Suite struct AnnotationTests {
    let mapper = try! Harness.mapper()
    static let v3 = CodeSystem.observationInterpretation

    static func concept(_ code: String, _ text: String, also: [FHIRCoding] = []) -> FHIRCodeableConcept {
        FHIRCodeableConcept(coding: [FHIRCoding(v3, code, code)] + also, text: text)
    }

    @Test func targetsNameEachObservationAndEachPanelComponent() {
        let stored = Samples.stored(Samples.bloodPressure())
        #expect(FHIRMapper.annotationTargets(for: stored).map(\.vitals) == [
            [.systolicPressure, .diastolicPressure, .meanArterialPressure],
            [.systolicPressure], [.diastolicPressure], [.meanArterialPressure], [.pulseRate],
        ])
        #expect(FHIRMapper.annotationTargets(for: stored).allSatisfy { $0.reading == stored.id })
    }

    /// The triage zone an Observation or component carries in the project's extension.
    static func triage(_ element: JSON?) -> JSON? {
        element?["extension"]?.arrayValue?.first {
            $0["url"]?.stringValue == ProjectCanonical.default.triageInterpretationExtension
        }?["valueCodeableConcept"]
    }

    @Test func triageZonesTravelInTheProjectExtensionBesideTheDeviceStatus() throws {
        let stored = Samples.stored(Samples.bloodPressure(systolic: "170", flags: [.validatedData]))
        let interpretations: [ObservationTarget: FHIRCodeableConcept] = [
            ObservationTarget(reading: stored.id, vitals: [.systolicPressure, .diastolicPressure, .meanArterialPressure]):
                Self.concept("H", "Triage yellow: High"),
            ObservationTarget(reading: stored.id, vitals: [.systolicPressure]): Self.concept("H", "Triage yellow: High"),
            ObservationTarget(reading: stored.id, vitals: [.pulseRate]): Self.concept("N", "Triage green"),
        ]
        let entries = mapper.entries(for: stored, sensor: nil, interpretations: interpretations)

        // `interpretation` holds the device's measurement status only, one coding per element (PHD IG 2.0.0);
        // the zone is in the extension, on the Observation and on each component it was given for.
        let panel = try #require(observation(entries, code: mdc + "150020"))
        #expect(panel["interpretation"]?.arrayValue?.map(codes) == [[CodeSystem.measurementStatus + "|validated-data"]])
        #expect(panel["interpretation"]?.arrayValue?.first?["text"]?.stringValue == "Device status: validated data")
        #expect(codes(Self.triage(panel)) == [Self.v3 + "|H"])
        #expect(Self.triage(panel)?["text"]?.stringValue == "Triage yellow: High")
        #expect(codes(Self.triage(component(panel, code: mdc + "150021"))) == [Self.v3 + "|H"])
        #expect(component(panel, code: mdc + "150021")?["interpretation"] == nil)
        #expect(Self.triage(component(panel, code: mdc + "150022")) == nil)

        let pulse = try #require(observation(entries, code: mdc + "149546"))
        #expect(pulse["interpretation"]?.arrayValue?.map(codes) == [[CodeSystem.measurementStatus + "|validated-data"]])
        #expect(codes(Self.triage(pulse)) == [Self.v3 + "|N"])
        // Without annotations there is no zone, and the device status is as before.
        let plain = mapper.entries(for: stored, sensor: nil)
        #expect(Self.triage(observation(plain, code: mdc + "150020")) == nil)
        #expect(observation(plain, code: mdc + "150020")?["interpretation"] == panel["interpretation"])
    }

    /// Answers from a table, or fails, and records what it was asked.
    final class TableAnnotations: ObservationAnnotations, @unchecked Sendable {
        // @unchecked: `asked` and `failing` are guarded by `lock`.
        private let lock = NSLock()
        private var askedTargets: [[ObservationTarget]] = []
        private var failingNow = false
        let table: [ReadingID: FHIRCodeableConcept]

        init(_ table: [ReadingID: FHIRCodeableConcept]) { self.table = table }

        var asked: [[ObservationTarget]] { lock.withLock { askedTargets } }
        var failing: Bool {
            get { lock.withLock { failingNow } }
            set { lock.withLock { failingNow = newValue } }
        }

        struct Unavailable: Error {}

        func interpretations(
            for targets: [ObservationTarget], attached: [ReadingID: [UInt8]]
        ) throws -> [ObservationTarget: FHIRCodeableConcept] {
            let fail = lock.withLock {
                askedTargets.append(targets)
                return failingNow
            }
            if fail { throw Unavailable() }
            var answer: [ObservationTarget: FHIRCodeableConcept] = [:]
            for target in targets where target.vitals.count > 1 {
                answer[target] = table[target.reading]
            }
            return answer
        }
    }

    @Test func theForwarderAsksOncePerBundleAndRetriesWhenTheAnswerIsUnavailable() async throws {
        let harness = try await Harness()
        let ids = try await harness.ingestReadings(3)
        let annotations = TableAnnotations(Dictionary(uniqueKeysWithValues: ids.map {
            ($0, Self.concept("AA", "Triage red: Critical abnormal"))
        }))
        annotations.failing = true
        let forwarder = Forwarder(
            store: harness.store, transport: try CurlTransport(endpoint: harness.endpoint()), mapper: harness.mapper,
            annotations: annotations,
            configuration: ForwarderConfiguration(
                batchSize: 10, retry: DeliveryBackoff(baseDelay: .milliseconds(10), maximumDelay: .milliseconds(40))),
            sleeper: harness.sleeper.sleeper)

        // Unavailable: nothing goes out without its annotations; the batch waits for the next attempt.
        let failed = await forwarder.forwardOnce()
        #expect(failed.claimed == 3 && failed.delivered == 0 && failed.retryDelay != nil)
        #expect(failed.failure?.contains("cannot prepare") == true)
        #expect(try await harness.receiver.stat("bundles") == 0)
        #expect(try await harness.store.outboxStatus().pending == 3)

        annotations.failing = false
        let report = await forwarder.drain()
        #expect(report.delivered == 3 && report.bundles == 1)
        #expect(annotations.asked.count == 2)
        #expect(annotations.asked.last?.count == 3 * 5)   // panel, three components, pulse per reading
        for resource in try await harness.receiver.resources("Observation") {
            let isPanel = ((resource["code"] as? [String: Any])?["text"] as? String) == "Blood pressure"
            let zone = (resource["extension"] as? [[String: Any]])?.first {
                ($0["url"] as? String) == ProjectCanonical.default.triageInterpretationExtension
            }
            let code = (((zone?["valueCodeableConcept"] as? [String: Any])?["coding"] as? [[String: Any]])?.first)?["code"] as? String
            #expect(code == (isPanel ? "AA" : nil))
            #expect(resource["interpretation"] == nil)
        }
    }
}

/// Conditional updates (PUT) through the forwarder and the reference receiver.
@Suite struct ConditionalUpdateTests {
    static func flag(_ status: String, value: String = "alert-1") -> BundleEntry {
        BundleEntry(
            conditionalUpdateOf: [
                "resourceType": "Flag", "status": .string(status),
                "identifier": [["system": "urn:ietf:rfc:3986", "value": .string(value)]],
                "code": ["text": "Triage red"], "subject": ["reference": .string(Harness.patient)],
            ],
            resourceType: "Flag", fullUrl: "urn:uuid:7d1f8a0e-0000-8000-8000-000000000002",
            identifierSystem: "urn:ietf:rfc:3986", identifierValue: value)
    }

    @Test func aConditionalUpdateIsAnIdempotentQueuedEntry() throws {
        let entry = Self.flag("active", value: "a|b,c")
        #expect(entry.json["request"]?["method"]?.stringValue == "PUT")
        #expect(entry.json["request"]?["url"]?.stringValue == #"Flag?identifier=urn:ietf:rfc:3986|a%5C%7Cb%5C%2Cc"#)
        #expect(entry.json["request"]?["ifNoneExist"] == nil)
        #expect(entry.updatedResourceURL == entry.json["request"]?["url"]?.stringValue)
        #expect(try BundleEntry(queued: entry.json) == entry)
        #expect(try BundleEntry(queued: BundleEntry(
            fullUrl: "urn:uuid:1", resourceType: "Flag", resource: ["resourceType": "Flag"], identifierSystem: "s",
            identifierValue: "v").json).updatedResourceURL == nil)

        func queued(method: String, url: String, type: String = "Flag", ifNoneExist: String? = nil) -> JSON {
            var request: [String: JSON] = ["method": .string(method), "url": .string(url)]
            request["ifNoneExist"] = ifNoneExist.map(JSON.string)
            return ["fullUrl": "urn:uuid:1", "resource": ["resourceType": .string(type)], "request": .object(request)]
        }
        #expect(throws: Never.self) { try BundleEntry(queued: queued(method: "PUT", url: "Flag/123")) }
        for bad in [
            queued(method: "PUT", url: "Flag"),                                   // would replace what?
            queued(method: "PUT", url: "Flag?"),
            queued(method: "PUT", url: "Observation?identifier=s|v"),             // another type
            queued(method: "POST", url: "Flag"),                                  // unconditional create
            queued(method: "POST", url: "Observation", ifNoneExist: "identifier=s|v"),
            queued(method: "DELETE", url: "Flag?identifier=s|v"),
            ["fullUrl": "urn:uuid:1", "resource": [:], "request": ["method": "PUT", "url": "Flag/1"]],
        ] {
            #expect(throws: ForwardingError.self, "\(bad.text)") { try BundleEntry(queued: bad) }
        }
    }

    @Test func successiveVersionsOfAFlagUpdateItInQueueOrder() async throws {
        let harness = try await Harness()
        _ = try await harness.ingestReadings(2)
        let active = Self.flag("active"), inactive = Self.flag("inactive")
        try await harness.store.enqueue(kind: .alert, key: "alert-1-active", payload: BundleEntry.payload([active]),
                                        sequenceKey: active.updatedResourceURL)
        try await harness.store.enqueue(kind: .alert, key: "alert-1-inactive", payload: BundleEntry.payload([inactive]),
                                        sequenceKey: inactive.updatedResourceURL)
        let report = try await harness.forwarder(batchSize: 10).drain()
        #expect(report.delivered == 4)
        #expect(report.bundles == 2)   // the inactive version waits for the active one: never in the same Bundle
        #expect(try await harness.receiver.identifiers("Flag") == ["urn:ietf:rfc:3986|alert-1": 1])
        #expect(try await harness.receiver.updates("Flag") == ["urn:ietf:rfc:3986|alert-1": 1])
        #expect(try await harness.receiver.resources("Flag").map { $0["status"] as? String } == ["inactive"])
        #expect(try await harness.receiver.stat("updated") == 1)
        #expect(try await harness.store.outboxStatus().queueDepth == 0)
    }

    /// Posts a raw transaction to the receiver: (HTTP status, entry statuses, entry locations).
    func post(_ harness: Harness, _ entries: [JSON]) async throws -> (Int, [String], [String]) {
        let bundle: JSON = ["resourceType": "Bundle", "type": "transaction", "entry": .array(entries)]
        let response = try await CurlTransport(endpoint: harness.endpoint()).post(bundle.serialized())
        let responses = (try? JSON.parse(response.body))?["entry"]?.arrayValue?.compactMap { $0["response"] } ?? []
        return (response.status, responses.compactMap { $0["status"]?.stringValue },
                responses.compactMap { $0["location"]?.stringValue })
    }

    func post(_ harness: Harness, _ entries: [BundleEntry]) async throws -> (Int, [String], [String]) {
        try await post(harness, entries.map(\.json))
    }

    @Test func theReceiverCreatesUpdatesAndRefusesAmbiguousUpdates() async throws {
        let harness = try await Harness()
        let (created, createdStatus, createdAt) = try await post(harness, [Self.flag("active", value: "y")])
        #expect(created == 200 && createdStatus == ["201 Created"])
        let (updated, updatedStatus, updatedAt) = try await post(harness, [Self.flag("inactive", value: "y")])
        #expect(updated == 200 && updatedStatus == ["200 OK"])
        // Same resource, next version.
        let id = createdAt.first?.split(separator: "/").dropFirst().first
        #expect(updatedAt.first == "Flag/\(id ?? "")/_history/2")
        #expect(try await harness.receiver.resources("Flag").count == 1)

        // Two entries writing one resource: a transaction must not do that.
        let (twice, _, _) = try await post(harness, [Self.flag("active", value: "z"), Self.flag("inactive", value: "z")])
        #expect(twice == 400)
        #expect(try await harness.receiver.identifiers("Flag")["urn:ietf:rfc:3986|z"] == nil)

        // Two Flags with one identifier (unconditional creates, which the gateway never sends): 412.
        let plain = JSON.object([
            "fullUrl": "urn:uuid:9", "request": ["method": "POST", "url": "Flag"],
            "resource": ["resourceType": "Flag", "status": "active",
                         "identifier": [["system": "urn:ietf:rfc:3986", "value": "w"]],
                         "code": ["text": "Triage red"], "subject": ["reference": .string(Harness.patient)]],
        ])
        for _ in 0..<2 { #expect(try await post(harness, [plain]).1 == ["201 Created"]) }
        let (ambiguous, _, _) = try await post(harness, [Self.flag("inactive", value: "w")])
        #expect(ambiguous == 412)
        #expect(try await harness.receiver.updates("Flag") == ["urn:ietf:rfc:3986|y": 1])

        // The forwarder treats 412 as a rejection: the item is parked with the outcome, the queue moves on.
        try await harness.store.enqueue(kind: .alert, key: "w", payload: BundleEntry.payload([Self.flag("inactive", value: "w")]))
        let report = try await harness.forwarder().drain()
        #expect(report.parked == 1)
        #expect(try await harness.store.outboxItem(kind: .alert, key: "w")?.parkReason?.hasPrefix("HTTP 412") == true)
    }
}
