import BlueZ
import Foundation
import GatewayTestSupport
import HealthProfiles
import Testing

extension DeviceModelFaults {
    /// A lent cuff provisioned for a new patient still holds its previous user's memory: those readings (stamped
    /// days before provisioning) are stored apart for the technician and never triaged nor forwarded; a reading
    /// measured after provisioning is this patient's. `dhoctl pair --memory-is-patients` (the patient's own cuff)
    /// forwards the memory too.
    @Suite(.serialized) struct LentDeviceTests {
        static let cuff = BluetoothAddress(Scenarios.cuff)!

        /// Two readings of the previous user, three and two days before provisioning (a red 200/120 among them).
        static func previousUsersMemory() throws -> [[UInt8]] {
            [try DeviceRecords.bloodPressure(systolic: 200, diastolic: 120, pulse: 90,
                                             at: try DeviceRecords.deviceTime(secondsAgo: 3 * 86_400)),
             try DeviceRecords.bloodPressure(systolic: 150, diastolic: 95, pulse: 80,
                                             at: try DeviceRecords.deviceTime(secondsAgo: 2 * 86_400))]
        }

        /// Pairs the cuff (its memory is read on the first visit), then measures once more now.
        static func pairAndMeasure(_ gateway: GatewayHarness, _ options: [String], forwardedFirst: Bool) async throws {
            let paired = try await gateway.dhoctl(["pair", Scenarios.cuff, "--by", "technician-e2e"] + options)
            #expect(paired.status == 0, "\(paired.stderr)")
            try await gateway.waitUntil("the cuff's memory stored") {
                let status = try await gateway.status()
                return status["readingsStored"] as? Int == 2 && (status["queue"] as? [String: Any])?["undelivered"] as? Int == 0
            }
            // Panel, pulse and coincident time stamp per forwarded reading.
            #expect(try await gateway.receiver.identifiers("Observation").count == (forwardedFirst ? 6 : 0))
            let now = try DeviceRecords.bloodPressure(systolic: 121, diastolic: 79, pulse: 66,
                                                      at: try DeviceRecords.deviceTime(secondsAgo: 60))
            try await gateway.measure(Self.cuff, "2A35", now, expecting: 3)
        }

        static func readings(_ gateway: GatewayHarness) async throws -> [[String: Any]] {
            try await gateway.dhoctlJSON(["readings"]) as? [[String: Any]] ?? []
        }

        static func redAlerts(_ gateway: GatewayHarness) async throws -> [[String: Any]] {
            let alerts = try await gateway.dhoctlJSON(["alerts", "list", "--all"]) as? [[String: Any]] ?? []
            return alerts.filter { $0["zone"] as? String == "red" }
        }

        @Test func aLentCuffsPreviousUserIsKeptApartNeverTriagedNorForwarded() async throws {
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("dho-lent-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: work) }
            let scenario = try Scenarios.write(Scenarios.home(glucoseRecords: [], cuffMemory: try Self.previousUsersMemory()), in: work)
            let gateway = try await GatewayHarness.start(scenario: scenario, carePlan: "hypertension", revisitInterval: "1s")
            try await withGateway("lent-cuff", gateway) {
                try await Self.pairAndMeasure(gateway, [], forwardedFirst: false)

                // Only the new reading reached the centre (panel, pulse, coincident time stamp) and triage.
                try await gateway.waitUntil("the new reading at the receiver") {
                    try await gateway.receiver.identifiers("Observation").count == 3
                }
                let readings = try await Self.readings(gateway)
                let apart = readings.filter { $0["delivery"] as? String == "kept apart: before provisioning" }
                #expect(apart.count == 2, "\(readings)")
                #expect(apart.allSatisfy { $0["triage"] == nil || $0["triage"] is NSNull }, "\(apart)")
                let current = try #require(readings.first { $0["delivery"] as? String == "delivered" })
                #expect(current["triage"] is String, "\(current)")
                #expect((current["values"] as? [String])?.contains { $0.contains("121") } == true, "\(current)")
                // The previous user's 200/120 raised nothing for this patient.
                #expect(try await Self.redAlerts(gateway).isEmpty)
                let text = try await gateway.dhoctl(["readings"])
                #expect(text.stdout.contains("before provisioning"), "\(text.stdout)")
                #expect(gateway.daemonLog.contains("kept apart"))
                #expect(try await gateway.receiver.stat("duplicates") == 0)
            }
        }

        @Test func thePatientsOwnCuffForwardsItsMemory() async throws {
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("dho-own-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: work) }
            let scenario = try Scenarios.write(Scenarios.home(glucoseRecords: [], cuffMemory: try Self.previousUsersMemory()), in: work)
            let gateway = try await GatewayHarness.start(scenario: scenario, carePlan: "hypertension", revisitInterval: "1s")
            try await withGateway("own-cuff", gateway) {
                try await Self.pairAndMeasure(gateway, ["--memory-is-patients"], forwardedFirst: true)
                try await gateway.waitUntil("all three readings at the receiver") {
                    try await gateway.receiver.identifiers("Observation").count == 9
                }
                let readings = try await Self.readings(gateway)
                #expect(readings.count == 3 && readings.allSatisfy { $0["delivery"] as? String == "delivered" }, "\(readings)")
                // Triaged as this patient's: the 200/120 is red under the hypertension plan.
                #expect(try await !Self.redAlerts(gateway).isEmpty)
            }
        }
    }
}
