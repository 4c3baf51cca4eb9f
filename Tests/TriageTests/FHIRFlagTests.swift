import Foundation
import HealthProfiles
import Testing
@testable import Triage

@Suite struct FHIRFlagTests {
    @Test func activeAndInactiveFlagContent() async throws {
        let fixture = try TriageFixture(start: Oslo.date(2026, 3, 3, 10, 0))
        try await fixture.install()
        try await fixture.evaluate(Readings.spo2("85"))
        fixture.clock.now = Oslo.date(2026, 3, 3, 11, 30)
        try await fixture.evaluate(Readings.spo2("97"))
        let items = try fixture.outboxItems()
        let active = try #require(items.first { $0.flag.status == "active" })
        let inactive = try #require(items.first { $0.flag.status == "inactive" })

        let json = try #require(try JSONSerialization.jsonObject(with: Data(active.resourceJSON.utf8)) as? [String: Any])
        #expect(json["resourceType"] as? String == "Flag")
        #expect(json["status"] as? String == "active")
        let category = (json["category"] as? [[String: Any]])?.first?["coding"] as? [[String: Any]]
        #expect(category?.first?["system"] as? String == "http://terminology.hl7.org/CodeSystem/flag-category")
        #expect(category?.first?["code"] as? String == "clinical")
        let code = try #require(json["code"] as? [String: Any])
        #expect(code["text"] as? String == "Triage red: spo2 85 % below red bound 88 %")
        #expect((json["subject"] as? [String: Any])?["reference"] as? String == TriageFixture.subject)
        let period = try #require(json["period"] as? [String: Any])
        #expect(period["start"] as? String == "2026-03-03T09:00:00Z")
        #expect(period["end"] == nil)
        let extensions = try #require(json["extension"] as? [[String: Any]])
        #expect(extensions.contains { ($0["url"] as? String)?.hasSuffix("triage-zone") == true && $0["valueCode"] as? String == "red" })
        #expect(json["note"] == nil)   // R4 Flag has no note

        #expect(inactive.flag.identifier == active.flag.identifier)
        #expect(inactive.flag.period.end == "2026-03-03T10:30:00Z")
        #expect(inactive.identifier != active.identifier)
        #expect(inactive.request == active.request)
    }
}
