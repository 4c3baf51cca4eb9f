import FHIRTestSupport
import Forwarding
import Foundation
import Gateway
import GRDB
import HealthProfiles
import ReadingStore
import Testing
@testable import Triage

/// Local alerting must not depend on the follow-up centre being reachable, and the centre gets every Flag
/// once it is: from the store's durable outbox, through the real forwarder, to the reference receiver.
@Suite struct NetworkDownTests {
    @Test func flagWaitsDurablyWhileTheCentreIsUnreachableThenArrivesExactlyOnce() async throws {
        let hookDirectory = try TempDirectory()
        var fixture = try await TriageFixture(
            start: Oslo.date(2026, 3, 3, 19, 0), hook: try HookScripts.recorder(hookDirectory))
        try await fixture.install()
        let delivery = try await Delivery()
        try await delivery.receiver.down()

        let result = try await fixture.evaluate(Readings.spo2("84"))
        let alert = try #require(result.alertEvents.first?.alert)
        #expect(result.zone == .red)
        #expect(result.patientMessage.hasSuffix("Ring fastlegen, legevakt 116117 eller 113 ved akutt fare"))

        // Local sinks fire regardless of the network.
        await fixture.triage.deliverPendingHooks()
        #expect(try HookScripts.payloads(hookDirectory).first?["alertID"] as? String == alert.id)

        // The centre cannot be reached: the forwarder tries, fails, and the Flag stays queued.
        let attempt = try await delivery.forwarder(fixture.store).forwardOnce()
        #expect(attempt.claimed == 1 && attempt.delivered == 0)
        #expect(attempt.failure?.contains("connect") == true)

        // …durably: after a restart it is still there, complete, with the failed attempt recorded.
        try await fixture.reopen()
        let waiting = try await fixture.queuedFlags()
        #expect(waiting.count == 1)
        let flag = try #require(waiting.first)
        #expect(flag.key == "triage-flag-\(alert.id)-active")
        #expect(flag.status == "active" && flag.subject == TriageFixture.subject)
        #expect(flag.item.state == .pending && flag.item.attempts == 1)
        #expect(flag.item.lastError?.contains("connect") == true)
        #expect(try await fixture.store.outboxStatus().queueDepth == 1)
        #expect(try await fixture.triage.activeAlerts().map(\.id) == [alert.id])

        // Still offline when the patient recovers: the inactive Flag queues behind it.
        fixture.clock.advance(hours: 2)
        try await fixture.evaluate(Readings.spo2("96"))
        #expect(try await fixture.queuedFlags().map(\.status) == ["active", "inactive"])

        // The centre is reachable again: one Flag, created once (active) and updated once (inactive).
        try await delivery.receiver.up()
        let forwarder = try await delivery.forwarder(fixture.store)
        let drained = await forwarder.drain()
        #expect(drained.delivered == 2 && drained.parked == 0)
        let identifier = "urn:ietf:rfc:3986|urn:uuid:\(alert.id)"
        #expect(try await delivery.receiver.identifiers("Flag") == [identifier: 1])
        #expect(try await delivery.receiver.updates("Flag") == [identifier: 1])
        #expect(try await delivery.receiver.stat("duplicates") == 0)
        let stored = try await delivery.receiver.resources("Flag")
        #expect(stored.count == 1)
        #expect(stored.first?["status"] as? String == "inactive")
        #expect((stored.first?["period"] as? [String: Any])?["end"] as? String == "2026-03-03T20:00:00Z")
        let status = try await fixture.store.outboxStatus()
        #expect(status.queueDepth == 0 && status.delivered == 2)

        // Sent again (as after a crash between the receiver's commit and ours): still one Flag, in the
        // order queued, so it ends inactive.
        try await fixture.database.write { db in
            try db.execute(sql: "UPDATE outbox SET state = 'pending' WHERE kind = 'alert'")
        }
        _ = await forwarder.drain()
        #expect(try await delivery.receiver.identifiers("Flag") == [identifier: 1])
        #expect(try await delivery.receiver.resources("Flag").map { $0["status"] as? String } == ["inactive"])
    }

    @Test func outboxEnqueueIsIdempotentAndTransactional() async throws {
        let fixture = try await TriageFixture()
        try await fixture.install()
        let alert = try #require(try await fixture.evaluate(Readings.spo2("85")).alertEvents.first?.alert)
        let queued = try #require(try await fixture.queuedFlags().first)
        let entry = TriageFHIR.flagEntry(for: alert, subjectReference: TriageFixture.subject)
        try await fixture.store.write { unit in try StoreAlertOutbox().enqueue(entry, key: queued.key, in: unit) }
        #expect(try await fixture.queuedFlags().count == 1)

        // An outbox that fails makes the whole triage transaction roll back: no alert without its Flag, and the
        // reading stays held (not forwarded untriaged).
        struct BrokenOutbox: AlertOutbox {
            struct Failure: Error {}
            func enqueue(_ entry: BundleEntry, key: String, in unit: StoreUnitOfWork) throws { throw Failure() }
        }
        let broken = try await Triage(
            store: fixture.store, configuration: TriageConfiguration(subjectReference: "Patient/x"), outbox: BrokenOutbox(),
            clock: { fixture.clock.now })
        let reading = try await fixture.store.ingestHeld(
            Readings.bloodPressure("200", "90"), sensor: Sensors.cuff, at: fixture.clock.now)
        await #expect(throws: BrokenOutbox.Failure.self) {
            try await broken.evaluate(readingID: reading.rawValue, measuredAt: fixture.clock.now,
                                      reading: Readings.bloodPressure("200", "90"))
        }
        #expect(try await fixture.triage.storedResult(readingID: reading.rawValue) == nil)
        #expect(try await fixture.triage.activeAlerts().count == 1)
        #expect(try await fixture.store.heldReadings().map(\.id) == [reading])
    }

    @Test func triageRefusesAStoreOpenedWithoutItsTables() async throws {
        let directory = try TempDirectory()
        let store = try ReadingStore.open(StoreConfiguration(path: directory.file("plain.sqlite").path))
        await #expect(throws: TriageError.storeNotPrepared) {
            try await Triage(store: store, configuration: TriageConfiguration(subjectReference: "Patient/x"),
                             outbox: StoreAlertOutbox())
        }
    }
}
