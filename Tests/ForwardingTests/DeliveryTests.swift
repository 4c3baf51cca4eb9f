import FHIRTestSupport
import Forwarding
import Foundation
import HealthProfiles
@testable import ReadingStore
import Testing

/// Delivery against the real reference receiver over loopback HTTP(S), with injected faults.
/// Every test ends by checking the invariant: each Observation created exactly once, none lost.
@Suite struct DeliveryTests {
    /// Each blood-pressure reading becomes three Observations: panel, pulse and the coincident time stamp.
    static let observationsPerReading = 3

    func expectExactlyOnce(_ harness: Harness, readings: [ReadingID], sourceLocation: SourceLocation = #_sourceLocation)
        async throws
    {
        let created = try await harness.createdObservations()
        #expect(created.count == readings.count * Self.observationsPerReading, sourceLocation: sourceLocation)
        #expect(created.values.allSatisfy { $0 == 1 }, sourceLocation: sourceLocation)
        for id in readings { #expect(created[id.rawValue] == 1, "\(id)", sourceLocation: sourceLocation) }
        #expect(try await harness.receiver.stat("duplicates") == 0, sourceLocation: sourceLocation)
        let status = try await harness.store.outboxStatus()
        #expect(status.queueDepth == 0, sourceLocation: sourceLocation)
        #expect(status.delivered == readings.count, sourceLocation: sourceLocation)
    }

    /// A backlog's big batches go through the claim, reading look-up and delivery mark as one statement over the
    /// ids' list, small ones as one statement per row (`RowIDList`): Bundles of 20, 20 and 5 are each claimed
    /// whole, sent once and recorded delivered.
    @Test func bigAndSmallBatchesAreClaimedSentAndRecordedWhole() async throws {
        #expect(RowIDList.listMinimum <= 20 && RowIDList.listMinimum > 5)
        let harness = try await Harness()
        let ids = try await harness.ingestReadings(45)
        let report = await (try harness.forwarder(batchSize: 20)).drain()
        #expect(report.delivered == 45)
        #expect(report.bundles == 3)
        try await expectExactlyOnce(harness, readings: ids)
        let attempts = try await harness.store.writer.read { db in try Int.fetchAll(db, sql: "SELECT attempts FROM outbox") }
        #expect(attempts == Array(repeating: 1, count: 45), "each item claimed once")
    }

    @Test func deliversEveryReadingExactlyOnceAndResendsAreAbsorbed() async throws {
        let harness = try await Harness()
        let ids = try await harness.ingestReadings(45)
        try await harness.store.upsertSensor(SensorUpdate(key: Samples.cuff, manufacturer: "A&D", model: "UA-651BLE"))
        let forwarder = try harness.forwarder(batchSize: 10)
        let report = await forwarder.drain()
        #expect(report.delivered == 45)
        #expect(report.bundles == 5)
        try await expectExactlyOnce(harness, readings: ids)
        #expect(try await harness.store.outboxStatus().lastDeliveredAt != nil)

        // The Observations point at the one sensor Device and the one gateway Device the receiver kept (the
        // coincident time stamp has the sensor as its subject and the gateway as its device).
        let devices = try await harness.receiver.resources("Device")
        #expect(devices.count == 2)
        let observations = try await harness.receiver.resources("Observation")
        let sensorDevice = devices.first { ($0["manufacturer"] as? String) == "A&D" }
        let sensorID = try #require(sensorDevice?["id"] as? String)
        let measurements = observations.filter { ($0["subject"] as? [String: Any])?["reference"] as? String == Harness.patient }
        #expect(measurements.count == 45 * 2)
        #expect(measurements.allSatisfy { (($0["device"] as? [String: Any])?["reference"] as? String) == "Device/\(sensorID)" })
        #expect(observations.filter { !measurements.map(\.description).contains($0.description) }.allSatisfy {
            (($0["subject"] as? [String: Any])?["reference"] as? String) == "Device/\(sensorID)"
        })

        // Everything is sent again (as after a crash between send and commit): nothing new is created.
        let requeued = try await harness.store.writer.write { db in
            try db.execute(sql: "UPDATE outbox SET state = 'pending'")
            return db.changesCount
        }
        #expect(requeued == 45)
        _ = await forwarder.drain()
        try await expectExactlyOnce(harness, readings: ids)
        #expect(try await harness.receiver.stat("existing") > 0)
    }

    @Test func receiverDownThenUp() async throws {
        let harness = try await Harness()
        let ids = try await harness.ingestReadings(12)
        try await harness.receiver.down()
        let forwarder = try harness.forwarder(batchSize: 5)
        let failed = await forwarder.forwardOnce()
        #expect(failed.delivered == 0)
        #expect(failed.failure?.contains("connect") == true)
        let status = try await harness.store.outboxStatus()
        #expect(status.pending == 12 && status.delivered == 0)
        #expect(status.lastError?.contains("connect") == true)

        try await harness.receiver.up()
        let report = await forwarder.drain()
        #expect(report.delivered == 12)
        try await expectExactlyOnce(harness, readings: ids)
    }

    @Test func serverErrorsAreRetriedWithBackoff() async throws {
        let harness = try await Harness()
        let ids = try await harness.ingestReadings(8)
        try await harness.receiver.inject([["status": 500, "count": 3]])
        let report = try await harness.forwarder(batchSize: 4).drain()
        #expect(report.failures == 3)
        #expect(report.delivered == 8)
        try await expectExactlyOnce(harness, readings: ids)
        // Backoff delays were requested for each failure and stayed within the (test) cap.
        let delays = harness.sleeper.delays
        #expect(delays.count >= 3)
        #expect(delays.allSatisfy { $0 <= .milliseconds(40) })
    }

    @Test func tooManyRequestsHonoursRetryAfter() async throws {
        let harness = try await Harness(sleepCap: .seconds(2))
        let ids = try await harness.ingestReadings(3)
        try await harness.receiver.inject([["status": 429, "retryAfter": "1"], ["status": 503, "retryAfter": "2"]])
        let report = try await harness.forwarder().drain()
        #expect(report.failures == 2)
        #expect(Array(harness.sleeper.delays.prefix(2)) == [.seconds(1), .seconds(2)])
        try await expectExactlyOnce(harness, readings: ids)
    }

    @Test func aRejectedItemIsParkedWithTheOutcomeAndOthersAreDelivered() async throws {
        let harness = try await Harness()
        let ids = try await harness.ingestReadings(10)
        let bad = ids[6]
        try await harness.receiver.inject(rejectIdentifiers: [bad.rawValue])
        let report = try await harness.forwarder(batchSize: 10).drain()
        #expect(report.parked == 1)
        #expect(report.delivered == 9)
        let parked = try await harness.store.outboxItems(in: .parked)
        #expect(parked.map(\.key) == [bad.rawValue])
        let reason = parked.first?.parkReason ?? ""
        #expect(reason.hasPrefix("HTTP 400"))
        #expect(reason.contains("OperationOutcome") && reason.contains(bad.rawValue))

        let created = try await harness.createdObservations()
        #expect(created[bad.rawValue] == nil)
        for id in ids where id != bad { #expect(created[id.rawValue] == 1) }
        #expect(try await harness.receiver.stat("duplicates") == 0)
        let status = try await harness.store.outboxStatus()
        #expect(status.parked == 1 && status.queueDepth == 0)

        // After the receiver is fixed, a technician requeues it and it is delivered once.
        _ = try await harness.receiver.admin("POST", "/faults", ["clear": true])
        #expect(try await harness.store.requeueParked() == 1)
        _ = try await harness.forwarder().drain()
        #expect(try await harness.createdObservations()[bad.rawValue] == 1)
    }

    @Test func connectionResetsAreRetried() async throws {
        let harness = try await Harness()
        let ids = try await harness.ingestReadings(9)
        try await harness.receiver.inject([["action": "reset"], ["action": "reset-after-commit", "count": 2]])
        let report = try await harness.forwarder(batchSize: 3).drain()
        #expect(report.failures == 3)
        try await expectExactlyOnce(harness, readings: ids)
    }

    @Test func aSlowResponseTimesOutAndTheRetryFindsTheDataThere() async throws {
        let harness = try await Harness()
        let ids = try await harness.ingestReadings(4)
        try await harness.receiver.inject([["action": "slow", "seconds": 3]])
        let forwarder = try harness.forwarder(harness.endpoint(timeout: .seconds(1)))
        let first = await forwarder.forwardOnce()
        #expect(first.failure?.contains("timed out") == true)
        #expect(try await harness.store.outboxStatus().delivered == 0)
        _ = await forwarder.drain()
        try await expectExactlyOnce(harness, readings: ids)
        #expect(try await harness.receiver.stat("existing") > 0)
    }

    @Test func aSuccessStatusWithoutATransactionResponseIsNotDelivery() async throws {
        let harness = try await Harness()
        let ids = try await harness.ingestReadings(2)
        try await harness.receiver.inject([["status": 200, "body": "<html>Welcome to the hotel Wi-Fi</html>"]])
        let forwarder = try harness.forwarder()
        let first = await forwarder.forwardOnce()
        #expect(first.delivered == 0 && first.failure != nil)
        #expect(try await harness.store.outboxStatus().delivered == 0)
        _ = await forwarder.drain()
        try await expectExactlyOnce(harness, readings: ids)
    }

    @Test func bearerTokenIsRequiredAndSent() async throws {
        let harness = try await Harness(receiverArguments: ["--token", "t0k3n"])
        let ids = try await harness.ingestReadings(2)
        let wrong = try harness.forwarder(harness.endpoint(token: "wrong"))
        let refused = await wrong.forwardOnce()
        #expect(refused.failure?.contains("401") == true)
        #expect(try await harness.store.outboxStatus().parked == 0)
        _ = try await harness.forwarder(harness.endpoint(token: "t0k3n")).drain()
        try await expectExactlyOnce(harness, readings: ids)
    }

    @Test func queuedAlertsTravelThroughTheSameOutbox() async throws {
        let harness = try await Harness()
        let ids = try await harness.ingestReadings(1)
        let reference = harness.mapper.observationReference(for: ids[0])
        let flag = BundleEntry(
            fullUrl: "urn:uuid:7d1f8a0e-0000-8000-8000-000000000001", resourceType: "Flag",
            resource: [
                "resourceType": "Flag", "status": "active",
                "identifier": [["system": "urn:dho-gateway:alert", "value": "alert-1"]],
                "code": ["text": "Red: systolic above threshold"],
                "subject": ["reference": .string(Harness.patient)],
                "extension": [[
                    "url": .string(ProjectCanonical.default.structureDefinition("observation")),
                    "valueReference": ["reference": .string(reference)],
                ]],
            ],
            identifierSystem: "urn:dho-gateway:alert", identifierValue: "alert-1")
        try await harness.store.enqueue(kind: .alert, key: "alert-1", payload: BundleEntry.payload([flag]))
        try await harness.store.enqueue(kind: .alert, key: "broken", payload: Array("not json".utf8))
        let report = try await harness.forwarder().drain()
        #expect(report.delivered == 2)
        #expect(report.parked == 1)
        #expect(try await harness.receiver.identifiers("Flag") == ["urn:dho-gateway:alert|alert-1": 1])
        #expect(try await harness.store.outboxItem(kind: .alert, key: "broken")?.parkReason?.contains("invalid JSON") == true)
    }
}

@Suite struct TLSTests {
    @Test func verifiedTLSWithTheRightCAAndAClearFailureWithTheWrongOne() async throws {
        let pki = try TestPKI()
        let harness = try await Harness(receiverArguments: ["--cert", pki.serverCertificate, "--key", pki.serverKey])
        let ids = try await harness.ingestReadings(3)
        let url = "https://127.0.0.1:\(harness.receiver.port)/fhir"

        let wrong = try harness.forwarder(harness.endpoint(url: url, tls: TLSOptions(caFile: pki.otherCAFile)))
        let refused = await wrong.forwardOnce()
        #expect(refused.failure?.contains("TLS") == true)
        #expect(refused.failure?.lowercased().contains("certificate") == true)
        #expect(try await harness.store.outboxStatus().delivered == 0)
        #expect(try await harness.receiver.stat("bundles") == 0)

        // Without a CA file the system store is used, which does not know the test CA either. The failure put the
        // items up to a (jittered) 10 ms out: due now, so that this attempt does not find the queue empty.
        try await harness.store.capRetrySchedule(notAfter: Date())
        let system = try await harness.forwarder(harness.endpoint(url: url)).forwardOnce()
        #expect(system.failure?.contains("TLS") == true)

        let right = try harness.forwarder(harness.endpoint(url: url, tls: TLSOptions(caFile: pki.caFile)))
        _ = await right.drain()
        try await DeliveryTests().expectExactlyOnce(harness, readings: ids)
    }

    @Test func theHostNameIsVerified() async throws {
        let pki = try TestPKI()
        let harness = try await Harness(receiverArguments: ["--cert", pki.serverCertificate, "--key", pki.serverKey])
        _ = try await harness.ingestReadings(1)
        // The certificate names 127.0.0.1 and localhost; 127.0.0.2 reaches the same socket under another name.
        let receiver = try await ReceiverProcess(arguments: [
            "--host", "127.0.0.2", "--cert", pki.serverCertificate, "--key", pki.serverKey,
        ])
        let url = "https://127.0.0.2:\(receiver.port)/fhir"
        let report = try await harness.forwarder(harness.endpoint(url: url, tls: TLSOptions(caFile: pki.caFile))).forwardOnce()
        #expect(report.failure?.contains("TLS") == true)
        #expect(try await harness.store.outboxStatus().delivered == 0)
    }

    @Test func clientCertificateWhenTheReceiverRequiresOne() async throws {
        let pki = try TestPKI()
        let harness = try await Harness(receiverArguments: [
            "--cert", pki.serverCertificate, "--key", pki.serverKey, "--client-ca", pki.caFile,
        ])
        let ids = try await harness.ingestReadings(2)
        let url = "https://localhost:\(harness.receiver.port)/fhir"
        let anonymous = try await harness.forwarder(harness.endpoint(url: url, tls: TLSOptions(caFile: pki.caFile))).forwardOnce()
        // The server's verdict arrives as a TLS alert, or (racing with its close) as a dropped connection.
        #expect(anonymous.failure != nil)
        #expect(anonymous.delivered == 0)
        #expect(try await harness.store.outboxStatus().delivered == 0)

        let tls = TLSOptions(caFile: pki.caFile, clientCertificate: pki.clientCertificate, clientKey: pki.clientKey)
        _ = try await harness.forwarder(harness.endpoint(url: url, tls: tls)).drain()
        try await DeliveryTests().expectExactlyOnce(harness, readings: ids)
    }
}
