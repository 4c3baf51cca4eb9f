import Foundation
import GatewayTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension ForwardingFaults {
    /// The centre answers 400 to everything for a while (a bad deployment there), then is fixed. What it saw in
    /// the meantime is parked — red readings and alert Flags included — and must not stay parked for ever: the
    /// technician is told (a critical technical alert while urgent data is parked), can see why and send it
    /// again, and the gateway sends it again by itself when the cause may have gone.
    @Suite struct ParkedItemsTests {
        static let cuff = "A0:9E:1A:00:00:01"
        /// Its stored spot check is SpO2 86 % (red for COPD) with pulse 104 (yellow): one reading, two alert Flags.
        static let oximeter = "00:A0:50:00:00:02"

        /// Every request refused with 400 until `fixed`.
        static func rejectEverything(_ gateway: GatewayHarness) async throws {
            try await gateway.receiver.inject([["status": 400, "count": 100_000]])
        }

        static func fixed(_ gateway: GatewayHarness) async throws {
            _ = try await gateway.receiver.admin("POST", "/faults", ["clear": true])
        }

        static func pair(_ gateway: GatewayHarness, _ addresses: [String]) async throws {
            for address in addresses {
                let paired = try await gateway.dhoctl(["pair", address, "--by", "technician-e2e"])
                #expect(paired.status == 0, "pair \(address): \(paired.stderr)")
            }
        }

        static func queue(_ gateway: GatewayHarness) async throws -> [String: Any] {
            try await gateway.status()["queue"] as? [String: Any] ?? [:]
        }

        /// Waits until `count` items are parked and nothing else waits.
        static func waitParked(_ gateway: GatewayHarness, _ count: Int) async throws {
            try await gateway.waitUntil("\(count) items parked") {
                let queue = try await Self.queue(gateway)
                return queue["parked"] as? Int == count && queue["undelivered"] as? Int == 0
            }
        }

        static func waitAllDelivered(_ gateway: GatewayHarness, timeout: Duration = .seconds(60)) async throws {
            try await gateway.waitUntil("everything delivered, nothing parked", timeout: timeout) {
                let queue = try await Self.queue(gateway)
                return queue["parked"] as? Int == 0 && queue["undelivered"] as? Int == 0
            }
        }

        @Test func parkedItemsAreListedWithTheCentresReasonAlarmedAndResentOnRequest() async throws {
            let gateway = try await GatewayHarness.start(
                extraConfiguration: "alerts:\n  schedule-check-interval: 1s\n", startDaemon: false)
            try await withGateway("parked-resend", gateway) {
                try await Self.rejectEverything(gateway)
                try await gateway.startDaemon()
                try await Self.pair(gateway, [Self.cuff, Self.oximeter])
                // Cuff: two readings; oximeter: one red reading and two alert Flags.
                try await Self.waitParked(gateway, 5)

                // Red data that the centre has not seen is a technical problem, logged at critical level.
                try await gateway.waitUntil("the urgent-data-parked alert") {
                    try await gateway.technicalAlerts().contains("urgent-data-parked")
                }
                #expect(gateway.daemonLog.contains("CRITICAL"), "\(gateway.daemonLog.suffix(2000))")
                let doctor = try await gateway.dhoctl(["doctor", "--config", gateway.configPath])
                #expect(doctor.stdout.contains("dhoctl parked"), "\(doctor.stdout)")

                // What is parked, and the centre's reason.
                let parked = try await gateway.dhoctlJSON(["parked"]) as? [[String: Any]] ?? []
                #expect(parked.count == 5)
                #expect(parked.filter { $0["urgent"] as? Bool == true }.count == 3, "\(parked)")
                #expect(parked.allSatisfy { ($0["reason"] as? String)?.hasPrefix("HTTP 400") == true }, "\(parked)")
                let text = try await gateway.dhoctl(["parked"])
                #expect(text.status == 0 && text.stdout.contains("centre's reason: HTTP 400"), "\(text.stdout)")

                // The centre is fixed. Mistakes change nothing and say why.
                try await Self.fixed(gateway)
                let noTarget = try await gateway.dhoctl(["parked", "resend"])
                #expect(noTarget.status == 64, "\(noTarget.stderr)")
                let both = try await gateway.dhoctl(["parked", "resend", "--all", "1"])
                #expect(both.status == 64, "\(both.stderr)")
                let unknown = try await gateway.dhoctl(["parked", "resend", "999999"])
                #expect(unknown.status == 1 && unknown.stderr.contains("no parked item with id 999999"), "\(unknown.stderr)")
                #expect(try await Self.queue(gateway)["parked"] as? Int == 5)

                // One item by id: the red reading. The Flags are still parked, so the alert stands.
                let red = try #require(parked.first { $0["kind"] as? String == "reading" && $0["urgent"] as? Bool == true })
                let redID = try #require(red["id"] as? Int)
                let one = try await gateway.dhoctl(["parked", "resend", String(redID)])
                #expect(one.status == 0, "\(one.stderr)")
                try await gateway.waitUntil("the red reading delivered") {
                    let parkedNow = try await Self.queue(gateway)["parked"] as? Int
                    let observations = try await gateway.receiver.identifiers("Observation")
                    return parkedNow == 4 && observations.count == 2
                }
                #expect(try await gateway.technicalAlerts().contains("urgent-data-parked"))

                // The rest.
                let all = try await gateway.dhoctlJSON(["parked", "resend", "--all"]) as? [String: Any] ?? [:]
                #expect(all["requeued"] as? Int == 4, "\(all)")
                try await Self.waitAllDelivered(gateway)
                try await gateway.waitUntil("the urgent-data-parked alert cleared") {
                    try await !gateway.technicalAlerts().contains("urgent-data-parked")
                }
                let observations = try await gateway.receiver.identifiers("Observation")
                // The cuff's two readings: panel, pulse, coincident time stamp each; the red spot check: SpO2, pulse.
                #expect(observations.count == 8 && observations.values.allSatisfy { $0 == 1 }, "\(observations)")
                #expect(try await gateway.receiver.resources("Flag").count == 2)
                #expect(try await gateway.receiver.stat("duplicates") == 0)
            }
        }

        /// Nobody asks: parked items are sent again on the slow periodic schedule (`parked-retry-interval`,
        /// shortened here), and while the centre still rejects them they are parked again.
        @Test func parkedItemsAreRetriedPeriodically() async throws {
            let gateway = try await GatewayHarness.start(
                extraConfiguration: "alerts:\n  schedule-check-interval: 1s\n", forwardingSettings: ["parked-retry-interval: 2s"],
                startDaemon: false)
            try await withGateway("parked-periodic", gateway) {
                try await Self.rejectEverything(gateway)
                try await gateway.startDaemon()
                try await Self.pair(gateway, [Self.oximeter])
                try await gateway.waitUntil("the urgent-data-parked alert") {
                    try await gateway.technicalAlerts().contains("urgent-data-parked")
                }
                // Still rejected: tried again and parked again.
                let requestsBefore = try await gateway.receiver.stat("requests")
                try await gateway.waitUntil("a periodic retry") {
                    try await gateway.receiver.stat("requests") > requestsBefore
                        && gateway.daemonLog.contains("sending parked items again")
                }
                try await Self.fixed(gateway)
                try await Self.waitAllDelivered(gateway, timeout: .seconds(30))
                try await gateway.waitUntil("the urgent-data-parked alert cleared") {
                    try await !gateway.technicalAlerts().contains("urgent-data-parked")
                }
                #expect(try await gateway.receiver.identifiers("Observation").count == 2)
                #expect(try await gateway.receiver.resources("Flag").count == 2)
            }
        }

        /// The receiver's settings changed (here: a bearer token was configured) since the items were parked:
        /// the rejection may have been about them, so the items are sent again at the next start.
        @Test func parkedItemsAreResentWhenTheReceiverSettingsChange() async throws {
            let gateway = try await GatewayHarness.start(startDaemon: false)
            try await withGateway("parked-settings-changed", gateway) {
                try await Self.rejectEverything(gateway)
                try await gateway.startDaemon()
                try await Self.pair(gateway, [Self.oximeter])
                try await Self.waitParked(gateway, 3)

                await gateway.stopDaemon()
                try await Self.fixed(gateway)
                // Unchanged settings: a restart leaves them parked (the default retry interval is hours).
                try await gateway.startDaemon()
                try await Task.sleep(for: .seconds(2))
                #expect(try await Self.queue(gateway)["parked"] as? Int == 3)
                await gateway.stopDaemon()

                let tokenFile = gateway.directory.appendingPathComponent("token").path
                try "s3cret-token\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
                chmod(tokenFile, 0o600)
                try gateway.editConfiguration {
                    $0.replacingOccurrences(of: "forwarding:\n", with: "forwarding:\n  bearer-token-file: \(tokenFile)\n")
                }
                try await gateway.startDaemon()
                try await Self.waitAllDelivered(gateway, timeout: .seconds(30))
                #expect(gateway.daemonLog.contains("sending parked items again"))
                #expect(try await gateway.receiver.resources("Flag").count == 2)
            }
        }
    }
}
