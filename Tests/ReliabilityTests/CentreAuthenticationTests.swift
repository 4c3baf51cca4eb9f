import FHIRTestSupport
import TestSupport
import Foundation
import GatewayTestSupport
import Testing

extension CentreFaults {
    /// The hub authenticated the way the Norwegian health sector asks (HelseID: private_key_jwt client
    /// assertions, DPoP-bound access tokens), against a strict token service and a receiver that accepts only its
    /// tokens, through the real daemon. What goes wrong with the tokens never costs a reading: readings wait, the
    /// technician sees why, nothing is parked.
    @Suite struct CentreAuthenticationTests {
        static let cuff = "A0:9E:1A:00:00:01"
        /// SpO2 86 % (red for COPD) with pulse 104: one reading and two alert Flags.
        static let oximeter = "00:A0:50:00:00:02"
        static let clientID = "dho-hub-e2e"

        struct Centre {
            let directory: URL
            let service: TokenServiceProcess
            let gateway: GatewayHarness
            let hubKey: (privateKey: String, publicKey: String)
        }

        /// A token service for the hub's key (or for another key), a receiver trusting it, and the gateway
        /// configured with `forwarding: authentication:` (daemon not started).
        static func centre(serviceArguments: [String] = [], registerAnotherKey: Bool = false) async throws -> Centre {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dho-auth-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let hubKey = try TestKeys.make(.ecP256, in: directory, name: "hub")
            let registered = registerAnotherKey ? try TestKeys.make(.ecP256, in: directory, name: "other").publicKey : hubKey.publicKey
            let service = try await TokenServiceProcess(
                clientID: clientID, clientPublicKey: registered, directory: directory, arguments: serviceArguments)
            let gateway = try await GatewayHarness.start(
                extraConfiguration: "alerts:\n  schedule-check-interval: 1s\n",
                receiverArguments: service.receiverArguments(),
                forwardingSettings: [
                    "batch-size: 1",
                    "authentication:",
                    "  token-endpoint: \(service.tokenURL)",
                    "  client-id: \(clientID)",
                    "  key-file: \(hubKey.privateKey)",
                    "  scopes: [dho:readings]",
                ],
                startDaemon: false)
            return Centre(directory: directory, service: service, gateway: gateway, hubKey: hubKey)
        }

        static func pair(_ gateway: GatewayHarness, _ addresses: [String]) async throws {
            try await ForwardingFaults.ParkedItemsTests.pair(gateway, addresses)
        }

        static func queue(_ gateway: GatewayHarness) async throws -> [String: Any] {
            try await ForwardingFaults.ParkedItemsTests.queue(gateway)
        }

        static func authenticationProblem(_ gateway: GatewayHarness) async throws -> String? {
            let alerts = try await gateway.status()["technicalAlerts"] as? [[String: Any]] ?? []
            return alerts.first { $0["code"] as? String == "centre-authentication-failing" }?["message"] as? String
        }

        @Test func aBacklogReachesTheCentreWithDPoPBoundTokensRenewedAsTheyExpire() async throws {
            let centre = try await Self.centre(serviceArguments: ["--token-lifetime", "1", "--require-nonce"])
            let gateway = centre.gateway
            try await withGateway("auth-backlog", gateway) {
                try await gateway.receiver.down()
                try await gateway.startDaemon()
                try await Self.pair(gateway, [Self.cuff, Self.oximeter])
                try await gateway.waitUntil("five items queued") {
                    try await Self.queue(gateway)["undelivered"] as? Int == 5
                }
                // One item per Bundle, each answered after 0.4 s: the 1 s tokens lapse in the middle of the backlog.
                try await gateway.receiver.inject([["action": "slow", "seconds": 0.4, "count": 5]])
                try await gateway.receiver.up()
                _ = try await gateway.dhoctl(["forward"])
                try await gateway.waitUntil("the backlog delivered") {
                    let queue = try await Self.queue(gateway)
                    return queue["undelivered"] as? Int == 0 && queue["parked"] as? Int == 0
                }
                #expect(try await centre.service.issued() >= 2)
                #expect(try await gateway.receiver.stat("authorizedTokens") >= 2)
                // Each reading and Flag created exactly once.
                let observations = try await gateway.receiver.identifiers("Observation")
                #expect(!observations.isEmpty && observations.values.allSatisfy { $0 == 1 }, "\(observations)")
                // The only refusals were nonce challenges, which the hub answered.
                let refusals = try await centre.service.refusals()
                #expect(refusals.allSatisfy { $0.hasPrefix("use_dpop_nonce") }, "\(refusals)")
                #expect(try await Self.authenticationProblem(gateway) == nil)
                // No token, assertion or proof (all JWTs: "eyJ…") and no key material in the log.
                let log = gateway.daemonLog
                #expect(!log.contains("eyJ"))
                let keyBody = try String(contentsOfFile: centre.hubKey.privateKey, encoding: .utf8)
                    .split(separator: "\n").dropFirst().first.map(String.init) ?? "-"
                #expect(!log.contains(keyBody))
            }
        }

        /// A technician flushes a stopped hub's backlog by hand with `outbox-drain --config`: it authenticates to the
        /// centre exactly as the daemon does (private_key_jwt, DPoP, nonces), and the centre holds each item once.
        @Test func outboxDrainFlushesAStoppedHubsBacklogWithTheHubsOwnAccessTokens() async throws {
            let centre = try await Self.centre(serviceArguments: ["--require-nonce"])
            let gateway = centre.gateway
            try await withGateway("auth-outbox-drain", gateway) {
                try await gateway.receiver.down()
                try await gateway.startDaemon()
                try await Self.pair(gateway, [Self.cuff, Self.oximeter])
                try await gateway.waitUntil("five items queued") {
                    try await Self.queue(gateway)["undelivered"] as? Int == 5
                }
                #expect(await gateway.stopDaemon() == 0)
                try await gateway.receiver.up()
                let drain = try BuiltProducts.executable(named: "outbox-drain")

                // The configuration names the centre and the patient: options that would contradict it are refused.
                let mixed = try await ProcessRunner.run(
                    drain, ["--config", gateway.configPath, "--url", "http://127.0.0.1:9"], workingDirectory: gateway.directory)
                #expect(mixed.status != 0 && mixed.stderr.contains("do not also give --url"), "\(mixed.stderr)")
                #expect(try await gateway.receiver.stat("requests") == 0)

                let flushed = try await ProcessRunner.run(drain, ["--config", gateway.configPath], workingDirectory: gateway.directory)
                #expect(flushed.status == 0, "\(flushed.stdout) \(flushed.stderr)")
                let summary = try JSONSerialization.jsonObject(with: Data(flushed.stdout.utf8)) as? [String: Any] ?? [:]
                #expect(summary["pending"] as? Int == 0 && summary["parkedTotal"] as? Int == 0, "\(flushed.stdout)")
                #expect(try await centre.service.issued() >= 1)
                #expect(try await gateway.receiver.stat("authorizedTokens") >= 1)
                let observations = try await gateway.receiver.identifiers("Observation")
                #expect(!observations.isEmpty && observations.values.allSatisfy { $0 == 1 }, "\(observations)")
                // No token, assertion or proof in what the tool printed.
                #expect(!(flushed.stdout + flushed.stderr).contains("eyJ"))
            }
        }

        @Test func aTokenServiceDownOrRefusingTheHubIsATechnicalProblemWhileReadingsWait() async throws {
            let centre = try await Self.centre(registerAnotherKey: true)
            let gateway = centre.gateway
            try await withGateway("auth-refused", gateway) {
                try await centre.service.down()
                try await gateway.startDaemon()
                try await Self.pair(gateway, [Self.oximeter])
                try await gateway.waitUntil("the token service's outage shown") {
                    try await Self.authenticationProblem(gateway)?.contains("HTTP 503") == true
                }
                // Back, but it does not know the hub's key (registered another): refused, with the reason.
                try await centre.service.up()
                _ = try await gateway.dhoctl(["forward"])
                try await gateway.waitUntil("the refusal shown") {
                    try await Self.authenticationProblem(gateway)?.contains("invalid_client") == true
                }
                let waiting = try await Self.queue(gateway)
                #expect(waiting["undelivered"] as? Int == 3 && waiting["parked"] as? Int == 0, "\(waiting)")
                #expect(try await gateway.receiver.stat("requests") == 0)
                let doctor = try await gateway.dhoctl(["doctor", "--config", gateway.configPath])
                #expect(doctor.stdout.contains("cannot authenticate to the centre"), "\(doctor.stdout)")

                // The centre registers the hub's key: everything goes, the problem clears.
                try await centre.service.configure(["clientKey": try String(contentsOfFile: centre.hubKey.publicKey, encoding: .utf8)])
                _ = try await gateway.dhoctl(["forward"])
                try await gateway.waitUntil("delivered after the key was registered") {
                    let queue = try await Self.queue(gateway)
                    return queue["undelivered"] as? Int == 0 && queue["parked"] as? Int == 0
                }
                try await gateway.waitUntil("the problem cleared") { try await Self.authenticationProblem(gateway) == nil }
                #expect(try await gateway.receiver.stat("unauthorized") == 0)
            }
        }
    }
}
