import Foundation
import GatewayTestSupport
import Testing

extension DeviceFaults {
    /// A BlueZ that reports every indication twice, ~100 ms apart (the simulator's `duplicateNotificationsAfterMs`
    /// fault): a thermometer without a clock must not have each measurement stored twice.
    @Suite struct RepeatedIndicationTests {
        // 37.6 and 37.7 °C, no time stamp
        static let scenario = Scenarios.thermometerHome(
            sends: [#"stored: ["04 78 01 00 FF 03", "04 79 01 00 FF 03"]"#, "disconnectAfterStored: true"],
            faults: "{duplicateNotificationsAfterMs: 100}")

        @Test func eachIndicationDeliveredTwiceIsStoredOnce() async throws {
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("dho-repeat-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: work) }
            let gateway = try await GatewayHarness.start(scenario: try Scenarios.write(Self.scenario, in: work))
            try await withGateway("repeated-indications", gateway) {
                let paired = try await gateway.dhoctl(["pair", Scenarios.thermometer, "--by", "technician-e2e"])
                #expect(paired.status == 0, "\(paired.stderr)")
                try await gateway.waitUntil("the thermometer's visit to end") {
                    let devices = try await gateway.dhoctlJSON(["devices"]) as? [[String: Any]] ?? []
                    return devices.first { $0["address"] as? String == Scenarios.thermometer }?["lastVisit"] != nil
                }
                // The copies arrive 100 ms after each original and the visit has ended: nothing more is on its way.
                try await Task.sleep(for: .seconds(1))
                #expect(gateway.daemonLog.contains("the same frame delivered again"), "the simulator did not repeat anything")
                #expect(try await gateway.status()["readingsStored"] as? Int == 2)
                try await gateway.waitUntil("both readings delivered") {
                    (try await gateway.status()["queue"] as? [String: Any])?["undelivered"] as? Int == 0
                }
                let observations = try await gateway.receiver.identifiers("Observation")
                #expect(observations.count == 2, "\(observations)")
            }
        }
    }
}
