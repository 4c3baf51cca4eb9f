import BlueZ
import Foundation
import GatewayTestSupport
import HealthProfiles
import Testing

extension DeviceDataFaults {
    /// A family cuff remembers several people: a reading of another user (a spouse) or of "unknown user" (0xFF, a
    /// guest measurement) used to be triaged and forwarded as the patient's. Now it is stored with its frame, shown
    /// to the technician with the reason and never triaged nor forwarded.
    @Suite(.serialized) struct MultiUserDeviceTests {
        /// Measured a minute ago (after provisioning, within the drift margin): only the user decides.
        static func reading(_ systolic: Int, _ diastolic: Int, user: UInt8?) throws -> [UInt8] {
            try DeviceRecords.bloodPressure(systolic: systolic, diastolic: diastolic, pulse: 70,
                                            at: try DeviceRecords.deviceTime(secondsAgo: 60), user: user)
        }

        /// Pairs the cuff with `options`; its memory (`readings`) is sent on the first visit. Returns what
        /// `dhoctl readings --json` shows once all are stored and nothing waits for delivery.
        static func pairAndCollect(_ gateway: GatewayHarness, _ options: [String], expecting count: Int) async throws -> [[String: Any]] {
            let paired = try await gateway.dhoctl(["pair", Scenarios.cuff, "--by", "technician-e2e"] + options)
            #expect(paired.status == 0, "\(paired.stderr)")
            try await gateway.waitUntil("the cuff's memory stored and delivered") {
                let status = try await gateway.status()
                return status["readingsStored"] as? Int == count && (status["queue"] as? [String: Any])?["undelivered"] as? Int == 0
            }
            return try await gateway.dhoctlJSON(["readings"]) as? [[String: Any]] ?? []
        }

        static func delivery(_ readings: [[String: Any]], systolic: Int) -> String? {
            readings.first { ($0["values"] as? [String])?.contains { $0.hasPrefix("systolic \(systolic)") } == true }?["delivery"] as? String
        }

        @Test func anotherUsersAndUnknownUsersReadingsAreKeptApart() async throws {
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("dho-multiuser-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: work) }
            // The patient is user 2; user 1 (a red 200/120) and a guest (a red 190/125) measured on the same cuff.
            let memory = [try Self.reading(128, 82, user: 2), try Self.reading(200, 120, user: 1),
                          try Self.reading(190, 125, user: 0xFF), try Self.reading(185, 118, user: nil)]
            let scenario = try Scenarios.write(Scenarios.home(glucoseRecords: [], cuffMemory: memory), in: work)
            let gateway = try await GatewayHarness.start(scenario: scenario, carePlan: "hypertension")
            try await withGateway("multi-user-cuff", gateway) {
                let readings = try await Self.pairAndCollect(gateway, ["--user", "2"], expecting: 4)
                #expect(Self.delivery(readings, systolic: 128) == "delivered", "\(readings)")
                #expect(Self.delivery(readings, systolic: 200) == "kept apart: another user (1)", "\(readings)")
                #expect(Self.delivery(readings, systolic: 190) == "kept apart: unknown user", "\(readings)")
                // On a cuff where the patient is one of several users, a reading naming nobody is nobody's for sure.
                #expect(Self.delivery(readings, systolic: 185) == "kept apart: unknown user", "\(readings)")
                let apart = readings.filter { ($0["delivery"] as? String)?.hasPrefix("kept apart") == true }
                #expect(apart.allSatisfy { $0["triage"] == nil || $0["triage"] is NSNull }, "\(apart)")
                // Only the patient's reading reached the centre (panel + pulse), and nobody else's red raised an alert.
                #expect(try await gateway.receiver.identifiers("Observation").count == 3)  // panel, pulse, time stamp
                let alerts = try await gateway.dhoctlJSON(["alerts", "list", "--all"]) as? [[String: Any]] ?? []
                #expect(alerts.allSatisfy { $0["zone"] as? String != "red" }, "\(alerts)")
                let text = try await gateway.dhoctl(["readings"])
                #expect(text.stdout.contains("another user (1)") && text.stdout.contains("unknown user"), "\(text.stdout)")
            }
        }

        /// A cuff paired without a user number is single-user: its readings are the patient's whatever index they
        /// carry, except "unknown user".
        @Test func aSingleUserCuffKeepsOnlyUnknownUserApart() async throws {
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("dho-singleuser-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: work) }
            let memory = [try Self.reading(128, 82, user: 1), try Self.reading(190, 125, user: 0xFF), try Self.reading(131, 84, user: nil)]
            let scenario = try Scenarios.write(Scenarios.home(glucoseRecords: [], cuffMemory: memory), in: work)
            let gateway = try await GatewayHarness.start(scenario: scenario, carePlan: "hypertension")
            try await withGateway("single-user-cuff", gateway) {
                let readings = try await Self.pairAndCollect(gateway, [], expecting: 3)
                #expect(Self.delivery(readings, systolic: 128) == "delivered", "\(readings)")
                #expect(Self.delivery(readings, systolic: 131) == "delivered", "\(readings)")
                #expect(Self.delivery(readings, systolic: 190) == "kept apart: unknown user", "\(readings)")
                #expect(try await gateway.receiver.identifiers("Observation").count == 6)  // panel, pulse, time stamp each
            }
        }

        /// A device whose profile says `multi_user` is not provisioned without the patient's user number.
        @Test func aMultiUserProfileNeedsTheUserNumber() async throws {
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("dho-needsuser-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: work) }
            let memory = [try Self.reading(128, 82, user: 1), try Self.reading(200, 120, user: 2)]
            let scenario = try Scenarios.write(Scenarios.home(glucoseRecords: [], cuffMemory: memory), in: work)
            let gateway = try await GatewayHarness.start(scenario: scenario, carePlan: "hypertension", startDaemon: false)
            try gateway.editDeviceProfile("blood-pressure.yaml") { $0 + "multi_user: true\n" }
            try await gateway.startDaemon()
            try await withGateway("multi-user-profile", gateway) {
                let refused = try await gateway.dhoctl(["pair", Scenarios.cuff, "--by", "technician-e2e"])
                #expect(refused.status == 64 && refused.stderr.contains("--user N"), "\(refused.stderr)")
                #expect((try await gateway.dhoctlJSON(["devices"]) as? [[String: Any]] ?? []).isEmpty)
                let readings = try await Self.pairAndCollect(gateway, ["--user-index", "1"], expecting: 2)
                #expect(Self.delivery(readings, systolic: 128) == "delivered", "\(readings)")
                #expect(Self.delivery(readings, systolic: 200) == "kept apart: another user (2)", "\(readings)")
            }
        }
    }
}
