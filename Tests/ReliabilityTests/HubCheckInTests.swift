import FHIRTestSupport
import Foundation
import GatewayTestSupport
import GRDB
import Testing

extension CentreFaults {
    /// The hub checks in at the centre (README "The hub at the centre"): one Observation per hub, updated in
    /// place, with software version, care-plan version, queue depth and oldest undelivered; a check-in made
    /// while the centre is unreachable replaces the one still waiting.
    @Suite struct HubCheckInTests {
        static let oximeter = "00:A0:50:00:00:02"
        static let codeSystem = "https://dho-gateway.org/fhir/CodeSystem/hub-status"

        /// The centre's query for "last check-in per hub".
        static func checkIns(_ gateway: GatewayHarness) async throws -> [[String: Any]] {
            try await gateway.receiver.search("Observation", "code=\(codeSystem)%7Ccheck-in")
        }

        /// The check-in's components by code: valueString / valueInteger / valueDateTime, or "absent".
        static func figures(_ observation: [String: Any]) -> [String: String] {
            var figures: [String: String] = [:]
            for component in observation["component"] as? [[String: Any]] ?? [] {
                let code = ((component["code"] as? [String: Any])?["coding"] as? [[String: Any]])?.first?["code"] as? String ?? "?"
                let value = component["valueString"] as? String ?? (component["valueInteger"] as? Int).map(String.init)
                    ?? component["valueDateTime"] as? String ?? "absent"
                figures[code] = value
            }
            return figures
        }

        static func waitingCheckIns(_ gateway: GatewayHarness) async throws -> Int {
            var configuration = Configuration()
            configuration.readonly = true
            return try await DatabaseQueue(path: gateway.databasePath, configuration: configuration).read { db in
                try Int.fetchOne(db, sql: """
                    SELECT COUNT(*) FROM outbox WHERE kind = 'hub-check-in' AND state IN ('pending', 'in-flight', 'parked')
                    """) ?? 0
            }
        }

        @Test func theHubChecksInAndAnOfflineHubSendsOnlyItsLatestCheckIn() async throws {
            let gateway = try await GatewayHarness.start(centreSettings: ["check-in-interval: 1s"])
            try await withGateway("hub-check-in", gateway) {
                // At start-up: alive, version, plan 1 (the template), nothing waiting.
                try await gateway.waitUntil("the first check-in at the centre") { try await Self.checkIns(gateway).count == 1 }
                let first = Self.figures(try #require(try await Self.checkIns(gateway).first))
                #expect(first["software-version"] == "0.1.0" && first["care-plan-version"] == "1", "\(first)")
                #expect(first["queue-depth"] == "0" && first["oldest-undelivered"] == "absent", "\(first)")
                // The forwarder records a delivery with the next claim or after its mark delay (250 ms), so the
                // hub's own account follows the centre's by that much.
                try await gateway.waitUntil("the check-in recorded delivered") {
                    (try await gateway.status()["checkIn"] as? [String: Any])?["state"] as? String == "delivered"
                }
                #expect(try await gateway.status()["carePlanVersion"] as? Int == 1)
                let text = try await gateway.dhoctl(["status"]).stdout
                #expect(text.contains("centre:     care plan version 1, last check-in"), "\(text)")

                // The centre unreachable while a reading waits: check-ins go on, but never pile up.
                try await gateway.receiver.down()
                let paired = try await gateway.dhoctl(["pair", Self.oximeter, "--by", "technician-e2e"])
                #expect(paired.status == 0, "\(paired.stderr)")
                try await gateway.waitUntil("a reading waiting") {
                    (try await gateway.status()["queue"] as? [String: Any])?["undelivered"] as? Int ?? 0 >= 2
                }
                var mostWaiting = 0
                for _ in 0..<6 {   // six check-in intervals
                    mostWaiting = max(mostWaiting, try await Self.waitingCheckIns(gateway))
                    try await Task.sleep(for: .seconds(1))
                }
                #expect(mostWaiting <= 2, "check-ins piled up: \(mostWaiting) waiting")   // one in flight, one queued
                let offline = try await gateway.dhoctl(["status"]).stdout
                #expect(offline.contains("queued (the centre last heard from the hub"), "\(offline)")

                // Back online: everything arrives, the check-in reports what waited, then an empty queue.
                try await gateway.receiver.up()
                _ = try await gateway.dhoctl(["forward"])
                try await gateway.waitUntil("all delivered and checked in again") {
                    let checkIn = try await gateway.status()["checkIn"] as? [String: Any]
                    let queue = try await gateway.status()["queue"] as? [String: Any]
                    let latest = try await Self.checkIns(gateway).first.map(Self.figures)
                    return queue?["undelivered"] as? Int == 0 && checkIn?["state"] as? String == "delivered"
                        && latest?["queue-depth"] == "0"
                }
                let all = try await Self.checkIns(gateway)
                #expect(all.count == 1, "one Observation per hub, updated in place: \(all.count)")
                let identifiers = try await gateway.receiver.identifiers("Observation")
                #expect(identifiers.values.allSatisfy { $0 == 1 }, "\(identifiers)")
                #expect(try await gateway.receiver.violations().isEmpty)
            }
        }
    }
}
