import FHIRTestSupport
import Foundation
import GatewayTestSupport
import Testing

extension CentreFaults {
    /// The hub's technical problems reach the centre as Flags (README "The hub at the centre"), raised and
    /// cleared exactly once across restarts.
    @Suite struct TechnicalAlertFlagTests {
        static let category = "https://dho-gateway.org/fhir/CodeSystem/hub-status"

        /// The technical Flags at the centre: code -> (status, identifier).
        static func technicalFlags(_ gateway: GatewayHarness) async throws -> [(code: String, status: String, identifier: String)] {
            try await gateway.receiver.resources("Flag").compactMap { flag in
                let categories = (flag["category"] as? [[String: Any]] ?? []).flatMap { $0["coding"] as? [[String: Any]] ?? [] }
                guard categories.contains(where: { $0["system"] as? String == category && $0["code"] as? String == "technical" }) else { return nil }
                let code = ((flag["code"] as? [String: Any])?["coding"] as? [[String: Any]])?.first?["code"] as? String ?? "?"
                let identifier = (flag["identifier"] as? [[String: Any]])?.first?["value"] as? String ?? "?"
                return (code, flag["status"] as? String ?? "?", identifier)
            }
        }

        @Test func anAlertStandingOverARestartIsOneFlagAndOneResolvedWhileDownIsClearedOnce() async throws {
            let gateway = try await GatewayHarness.start(
                extraConfiguration: "alerts:\n  schedule-check-interval: 1s\n", centreSettings: ["reports: [technical-alerts]"])
            try await withGateway("technical-alert-flags", gateway) {
                // The adapter is unplugged: the maintenance check raises bluetooth-unavailable, the centre gets a Flag.
                try await gateway.simulatorControl.removeAdapter()
                try await gateway.waitUntil("the centre's bluetooth-unavailable Flag") {
                    try await Self.technicalFlags(gateway).contains { $0.code == "bluetooth-unavailable" && $0.status == "active" }
                }
                // Restarted while it stands: raised again locally, longer than the grace period, still one Flag.
                #expect(await gateway.stopDaemon() == 0)
                try await gateway.startDaemon()
                try await gateway.waitUntil("raised again after the restart") {
                    try await gateway.technicalAlerts().contains("bluetooth-unavailable")
                }
                try await Task.sleep(for: .seconds(12))
                let standing = try await Self.technicalFlags(gateway).filter { $0.code == "bluetooth-unavailable" }
                #expect(standing.count == 1 && standing.first?.status == "active", "\(standing)")
                #expect(try await gateway.receiver.updates("Flag").isEmpty, "no update of the standing Flag")

                // Plugged in again while the daemon is down: cleared after the restart, once.
                #expect(await gateway.stopDaemon() == 0)
                try await gateway.simulatorControl.addAdapter()
                try await gateway.startDaemon()
                try await gateway.waitUntil("the Flag cleared at the centre") {
                    try await Self.technicalFlags(gateway).contains { $0.code == "bluetooth-unavailable" && $0.status == "inactive" }
                }
                try await Task.sleep(for: .seconds(4))
                let flags = try await Self.technicalFlags(gateway)
                #expect(flags.count == 1, "\(flags)")
                let updates = try await gateway.receiver.updates("Flag")
                #expect(updates.values.reduce(0, +) == 1, "cleared once: \(updates)")
                let cleared = try #require(try await gateway.receiver.resources("Flag").first)
                #expect((cleared["period"] as? [String: Any])?["end"] != nil, "\(cleared)")
                #expect(try await gateway.receiver.violations().isEmpty)
            }
        }
    }
}
