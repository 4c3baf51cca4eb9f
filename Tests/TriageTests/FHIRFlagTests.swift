import Forwarding
import Foundation
import HealthProfiles
import ReadingStore
import Testing
@testable import Triage

@Suite struct FHIRFlagTests {
    @Test func activeAndInactiveFlagsAreConditionalUpdatesOfOneFlag() async throws {
        let fixture = try await TriageFixture(start: Oslo.date(2026, 3, 3, 10, 0))
        try await fixture.install()
        let alert = try #require(try await fixture.evaluate(Readings.spo2("85")).alertEvents.first?.alert)
        fixture.clock.now = Oslo.date(2026, 3, 3, 11, 30)
        try await fixture.evaluate(Readings.spo2("97"))
        let flags = try await fixture.queuedFlags()
        #expect(flags.map(\.status) == ["active", "inactive"])
        let active = try #require(flags.first)
        let inactive = try #require(flags.last)

        #expect(active.resource["resourceType"]?.stringValue == "Flag")
        let category = active.resource["category"]?.arrayValue?.first?["coding"]?.arrayValue?.first
        #expect(category?["system"]?.stringValue == "http://terminology.hl7.org/CodeSystem/flag-category")
        #expect(category?["code"]?.stringValue == "clinical")
        #expect(active.code == "triage-red")
        #expect(active.codeText == "Triage red: spo2 85 % below red bound 88 %")
        #expect(active.subject == TriageFixture.subject)
        #expect(active.periodStart == "2026-03-03T09:00:00Z")
        #expect(active.periodEnd == nil)
        #expect(active.extension("triage-zone")?["valueCode"]?.stringValue == "red")
        #expect(active.extension("triage-plan-version")?["valueInteger"]?.numberText == "1")
        #expect(active.resource["note"] == nil)   // R4 Flag has no note

        // One Flag for the alert's whole life: a conditional update on its identifier, escaped as FHIR search.
        let flagURL = "Flag?identifier=urn:ietf:rfc:3986|urn:uuid:\(alert.id)"
        #expect(active.identifierValue == "urn:uuid:\(alert.id)")
        #expect(active.method == "PUT" && active.url == flagURL)
        #expect(inactive.method == "PUT" && inactive.url == flagURL)
        #expect(inactive.identifierValue == active.identifierValue)
        #expect(inactive.periodEnd == "2026-03-03T10:30:00Z")

        // One outbox item per state, in the store's outbox, delivered in order: the inactive version waits
        // until the active one is through (same sequence key), so it is never sent first nor alongside.
        #expect(active.key == "triage-flag-\(alert.id)-active" && inactive.key == "triage-flag-\(alert.id)-inactive")
        #expect(flags.allSatisfy { $0.item.kind == .alert && $0.item.state == .pending && $0.item.sequenceKey == flagURL })
        let claimed = try await fixture.store.claimBatch(limit: 10)
        #expect(claimed.map(\.key) == [active.key])
        try await fixture.store.markDelivered(claimed.map(\.id))
        #expect(try await fixture.store.claimBatch(limit: 10).map(\.key) == [inactive.key])
    }

    @Test func missingMeasurementFlagIsAdministrative() async throws {
        let fixture = try await TriageFixture(start: Oslo.date(2026, 3, 2, 8, 0))
        try await fixture.install()
        try await fixture.triage.checkSchedules(now: Oslo.date(2026, 3, 2, 12, 5))
        let flag = try #require(try await fixture.queuedFlags().first)
        #expect(flag.resource["category"]?.arrayValue?.first?["coding"]?.arrayValue?.first?["code"]?.stringValue == "admin")
        #expect(flag.codeText?.hasPrefix("Triage not measured: spo2 not measured by 12:00") == true)
        #expect(flag.extension("device-last-seen") == nil)
    }
}
