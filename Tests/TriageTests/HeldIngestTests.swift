import Forwarding
import Foundation
import GRDB
import HealthProfiles
import ReadingStore
import Testing
@testable import Triage

/// Readings are ingested held and forwarded only once triage has evaluated them, so that each Observation
/// carries the traffic-light interpretation; a crash in between loses neither the reading nor its triage.
@Suite struct HeldIngestTests {
    static let interpretation = CodeSystem.observationInterpretation

    @Test func aHeldReadingWaitsForTriageAndGoesOutWithItsInterpretation() async throws {
        let fixture = try await TriageFixture()
        try await fixture.install()
        let delivery = try await Delivery()
        let forwarder = try await delivery.forwarder(fixture.store)

        let id = try await fixture.store.ingestHeld(Readings.spo2("85", pulse: "72"), sensor: Sensors.oximeter,
                                                    at: fixture.clock.now)
        var status = try await fixture.store.outboxStatus()
        #expect(status.held == 1 && status.pending == 0 && status.queueDepth == 1)
        #expect(status.oldestUndeliveredEnqueuedAt != nil)

        // Not triaged yet: the forwarder leaves it alone.
        let early = await forwarder.drain()
        #expect(early.delivered == 0 && early.bundles == 0)
        #expect(try await delivery.receiver.stat("bundles") == 0)

        // Triage evaluates it and releases it in the same transaction.
        let stored = try #require(try await fixture.store.storedReading(id))
        #expect(try await fixture.triage.evaluate(stored).zone == .red)
        #expect(try await fixture.store.heldReadings().isEmpty)
        status = try await fixture.store.outboxStatus()
        #expect(status.held == 0 && status.pending == 2)   // the reading and the red Flag

        let report = await forwarder.drain()
        #expect(report.delivered == 2)
        let observations = try await delivery.observations(of: id)
        let spo2 = try #require(observations["150456"])
        #expect(triageCodes(spo2) == [Self.interpretation + "|LL"])
        #expect(triageConcept(spo2)?["text"] as? String == "Triage red: Critical low")
        #expect(interpretationCodes(spo2).isEmpty)  // the device reported no measurement status
        #expect(triageCodes(observations["149530"]) == [Self.interpretation + "|N"])
        #expect(try await delivery.receiver.identifiers("Flag").count == 1)
    }

    @Test func aBloodPressurePanelCarriesTheZoneBesideTheDeviceStatus() async throws {
        let fixture = try await TriageFixture()
        try await fixture.install()
        let delivery = try await Delivery()
        // Systolic 170 is yellow-high, diastolic 80 and pulse green; the cuff marks the record validated.
        let reading = Readings.bloodPressure("170", "80", pulse: "70", flags: [.validatedData])
        let id = try await fixture.store.ingestHeld(reading, sensor: Sensors.cuff, at: fixture.clock.now)
        let stored = try #require(try await fixture.store.storedReading(id))
        #expect(try await fixture.triage.evaluate(stored).zone == .yellow)
        _ = await (try await delivery.forwarder(fixture.store)).drain()

        let observations = try await delivery.observations(of: id)
        let panel = try #require(observations["150020"])
        // The triage zone in its extension, the device's own measurement status as the interpretation.
        #expect(triageCodes(panel) == [Self.interpretation + "|H"])
        #expect(interpretationCodes(panel) == [[CodeSystem.measurementStatus + "|validated-data"]])
        let components = (panel["component"] as? [[String: Any]]) ?? []
        func component(_ mdc: String) -> [String: Any]? {
            components.first { component in
                (((component["code"] as? [String: Any])?["coding"] as? [[String: Any]]) ?? [])
                    .contains { $0["code"] as? String == mdc }
            }
        }
        #expect(triageCodes(component("150021")) == [Self.interpretation + "|H"])
        #expect(triageCodes(component("150022")) == [Self.interpretation + "|N"])
        #expect(triageCodes(observations["149546"]) == [Self.interpretation + "|N"])
    }

    @Test func readingsHeldAcrossACrashAreTriagedAndReleasedAtStartUp() async throws {
        var fixture = try await TriageFixture()
        try await fixture.install()
        let red = try await fixture.store.ingestHeld(Readings.spo2("85"), sensor: Sensors.oximeter, at: fixture.clock.now)
        fixture.clock.advance(hours: 1)
        let green = try await fixture.store.ingestHeld(Readings.spo2("97"), sensor: Sensors.oximeter, at: fixture.clock.now)

        // The daemon dies before triage ran; at the next start the held readings are found again.
        try await fixture.reopen()
        #expect(try await fixture.store.heldReadings().map(\.id) == [red, green])
        let delivery = try await Delivery()
        let forwarder = try await delivery.forwarder(fixture.store)
        #expect(await forwarder.drain().delivered == 0)

        let results = try await fixture.triage.evaluateHeldReadings()
        #expect(results.map(\.readingID) == [red.rawValue, green.rawValue])
        #expect(results.map(\.zone) == [.red, .green])
        #expect(results.flatMap(\.alertEvents).map(\.change) == [.raised, .cleared])
        #expect(try await fixture.store.heldReadings().isEmpty)

        // Evaluation is idempotent: a reading triaged just before a crash (still held) is only released.
        try await fixture.database.write { db in
            try db.execute(sql: "UPDATE outbox SET state = 'held' WHERE kind = 'reading' AND itemKey = ?",
                           arguments: [red.rawValue])
        }
        let again = try await fixture.triage.evaluateHeldReadings()
        #expect(again.map(\.wasAlreadyEvaluated) == [true])
        #expect(try await fixture.triage.alertHistory(limit: 10).count == 1)

        let report = await forwarder.drain()
        #expect(report.delivered == 4)   // two readings, the Flag active and inactive
        #expect(triageCodes(try await delivery.observations(of: red)["150456"]) == [Self.interpretation + "|LL"])
        #expect(triageCodes(try await delivery.observations(of: green)["150456"]) == [Self.interpretation + "|N"])
        let flag = try #require(try await delivery.receiver.identifiers("Flag").keys.first)
        #expect(try await delivery.receiver.updates("Flag") == [flag: 1])
    }

    @Test func withoutAPlanReadingsStayHeldUntilOneIsInstalled() async throws {
        let fixture = try await TriageFixture()
        let id = try await fixture.store.ingestHeld(Readings.spo2("85"), sensor: Sensors.oximeter, at: fixture.clock.now)
        let stored = try #require(try await fixture.store.storedReading(id))
        await #expect(throws: TriageError.noActivePlan) { try await fixture.triage.evaluate(stored) }
        #expect(try await fixture.store.heldReadings().map(\.id) == [id])
        try await fixture.install()
        #expect(try await fixture.triage.evaluateHeldReadings().map(\.zone) == [.red])
        #expect(try await fixture.store.outboxStatus().held == 0)
    }

    @Test func triageDataOutlivesRetentionAndHeldReadingsAreKept() async throws {
        // The fixture's clock is in March 2026, so today's retention (90 days) finds these readings old.
        let fixture = try await TriageFixture()
        try await fixture.install()
        let delivered = try await fixture.store.ingestHeld(Readings.spo2("85"), sensor: Sensors.oximeter,
                                                           at: fixture.clock.now)
        try await fixture.triage.evaluate(try #require(try await fixture.store.storedReading(delivered)))
        fixture.clock.advance(hours: 1)
        let held = try await fixture.store.ingestHeld(Readings.spo2("90"), sensor: Sensors.oximeter, at: fixture.clock.now)
        let delivery = try await Delivery()
        #expect(await (try await delivery.forwarder(fixture.store)).drain().delivered == 2)

        let report = try await fixture.store.applyRetention()
        #expect(report.readingsDeleted == 1)
        #expect(try await fixture.store.storedReading(delivered) == nil)
        // The held reading is undelivered data: never deleted.
        #expect(try await fixture.store.heldReadings().map(\.id) == [held])
        // Triage's values, evaluation and alert survive the reading they came from.
        #expect(try await fixture.triage.storedResult(readingID: delivered.rawValue)?.zone == .red)
        #expect(try await fixture.triage.activeAlerts().first?.readingID == delivered.rawValue)
        let values = try await fixture.database.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM triage_values WHERE reading_id = ?", arguments: [delivered.rawValue])
        }
        #expect(values == 2)
        #expect(try await fixture.store.integrityCheck() == ["ok"])
    }

    @Test func aReadingReleasedByAnOlderHubKeepsItsInterpretationAfterTheUpgrade() async throws {
        var fixture = try await TriageFixture()
        try await fixture.install()
        let id = try await fixture.store.ingestHeld(Readings.spo2("85", pulse: "72"), sensor: Sensors.oximeter,
                                                    at: fixture.clock.now)
        try await fixture.triage.evaluate(try #require(try await fixture.store.storedReading(id)))
        #expect(try await fixture.store.outboxItem(kind: .reading, key: id.rawValue)?.annotation != nil)
        // As an older hub left it: released without the evaluation attached, before the migration that attaches it.
        try await fixture.database.write { db in
            try db.execute(sql: "UPDATE outbox SET annotation = NULL")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'triage.v4-annotations'")
        }
        try await fixture.reopen()
        #expect(try await fixture.store.outboxItem(kind: .reading, key: id.rawValue)?.annotation != nil)

        let delivery = try await Delivery()
        #expect(await (try await delivery.forwarder(fixture.store)).drain().delivered == 2)
        let observations = try await delivery.observations(of: id)
        #expect(triageCodes(observations["150456"]) == [Self.interpretation + "|LL"])
        #expect(triageCodes(observations["149530"]) == [Self.interpretation + "|N"])
    }
}
