import Foundation
import GatewayTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What the daemon enforces to keep health data and credentials private, checked on the real daemon.
@Suite struct SecurityTests {
    /// A temporary directory of the test's own (certificates, token, hook output), removed at the end.
    static func scratchDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dho-security-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        return url
    }

    static func mode(_ path: String) throws -> Int {
        try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int ?? -1
    }

    static func status(_ gateway: GatewayHarness) async throws -> [String: Any] {
        try await gateway.dhoctlJSON(["status"]) as? [String: Any] ?? [:]
    }

    /// A national identity number in a conditional patient reference, as a real configuration would have it.
    static func nationalIdentityNumber() -> String {
        String((0..<11).map { _ in Character(String(Int.random(in: 0...9))) })
    }

    @Test func aFullRunWithDebugLoggingLeavesNoPatientIdentifierOrSecretInTheLogOrTheHook() async throws {
        let scratch = try Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let token = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let tokenFile = scratch.appendingPathComponent("token").path
        try token.write(toFile: tokenFile, atomically: true, encoding: .utf8)
        #expect(chmod(tokenFile, 0o600) == 0)
        let recorder = try AlertHookRecorder(in: scratch)
        let hook = recorder.script
        let nationalID = Self.nationalIdentityNumber()
        let patient = "Patient?identifier=urn:oid:2.16.578.1.12.4.1.4.1|\(nationalID)"

        let gateway = try await GatewayHarness.start(
            extraConfiguration: "alerts:\n  hook: \(hook)\n  hook-timeout: 5s\n", receiverArguments: ["--token", token],
            patientReference: patient, forwardingSettings: ["bearer-token-file: \(tokenFile)"])
        try await EndToEndTests.pairEverything(gateway)
        try await EndToEndTests.settled(gateway, readings: 7)
        try await gateway.waitUntil("the hook ran for both alerts") {
            let text = recorder.text
            return text.split(separator: "\n").count >= 2
        }

        // The receiver accepted the bearer token and got the patient reference: both were in use...
        let observations = try await gateway.receiver.resources("Observation")
        // Ten measurements and the two glucose readings' sample location about the patient, and the coincident
        // time stamps of the 5 readings stamped by their device's clock, which are about that device
        // (PhdCoincidentTimeStampObservation: the subject is the PhdDevice).
        let aboutPatient = observations.filter { ($0["subject"] as? [String: Any])?["reference"] as? String == patient }
        #expect(aboutPatient.count == 12)
        #expect(observations.count == 17)
        #expect(observations.allSatisfy {
            (($0["subject"] as? [String: Any])?["reference"] as? String).map { $0 == patient || $0.hasPrefix("Device/") } == true
        })
        // ...and neither reached the log, even at debug level, nor anything that looks like a national id.
        let log = gateway.daemonLog
        #expect(log.contains("DEBUG"))
        for secret in [patient, nationalID, token, "Patient?", "Patient/", "2.16.578.1.12.4.1.4.1"] {
            #expect(!log.contains(secret), "the log contains \(secret)")
        }
        // Reading and alert identifiers are UUIDs, whose hex groups can hold eleven digits in a row by chance
        // (about 1 % per UUID, so every few runs here): they are taken out first, so only a free-standing number can match.
        let uuid = try Regex("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
        let elevenDigits = try Regex("(^|[^0-9])[0-9]{6} ?[0-9]{5}([^0-9]|$)")
        let match = log.replacing(uuid, with: "<uuid>").firstMatch(of: elevenDigits)
        #expect(match == nil, "the log contains a number shaped like a national identity number: \(match.map { String($0.output[0].substring ?? "") } ?? "")")
        #expect("reading=40c4e75d-af56-8b22-9f4e-41538949918d".replacing(uuid, with: "<uuid>") == "reading=<uuid>")
        // The hook (a speaker, a display) gets what to say, not who the patient is.
        let payload = try String(contentsOfFile: recorder.output, encoding: .utf8)
        #expect(payload.contains("patientMessage"))
        for secret in [nationalID, token, "Patient"] { #expect(!payload.contains(secret), "the hook payload contains \(secret)") }

        // Health data is private: state directory 0700, database and its journal files 0600, control socket 0660.
        #expect(try Self.mode(gateway.stateDirectory.path) == 0o700)
        #expect(try Self.mode(gateway.databasePath) == 0o600)
        var journals = 0
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: gateway.databasePath + suffix) {
            journals += 1
            #expect(try Self.mode(gateway.databasePath + suffix) == 0o600, "\(suffix)")
        }
        #expect(journals == 2)  // WAL mode: both exist while the daemon runs
        #expect(try Self.mode(gateway.controlSocket) == 0o660)
        await gateway.stop()
    }

    @Test func aConfigurationOrTokenFileOthersCanReadIsRefusedAtStartup() async throws {
        let scratch = try Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let token = "secret-\(UUID().uuidString)"
        let tokenFile = scratch.appendingPathComponent("token").path
        try token.write(toFile: tokenFile, atomically: true, encoding: .utf8)
        #expect(chmod(tokenFile, 0o644) == 0)
        let gateway = try await GatewayHarness.start(
            receiverArguments: ["--token", token], forwardingSettings: ["bearer-token-file: \(tokenFile)"], startDaemon: false)

        // The configuration names the patient: readable by others, it is refused by dhoctl and the daemon.
        #expect(chmod(gateway.configPath, 0o644) == 0)
        let check = try await gateway.dhoctl(["config", "check", "--config", gateway.configPath])
        #expect(check.status == 78)
        #expect(check.stderr.contains("is readable by other users (mode 644) and names the patient"), "\(check.stderr)")
        await #expect(throws: GatewayHarness.DaemonDidNotStart.self) { try await gateway.startDaemon() }
        #expect(gateway.daemonLog.contains("configuration error: \(gateway.configPath): is readable by other users"))
        #expect(!gateway.daemonLog.contains(gateway.patientReference))
        #expect(chmod(gateway.configPath, 0o640) == 0)

        // The token lets anyone post health data as this hub.
        await #expect(throws: GatewayHarness.DaemonDidNotStart.self) { try await gateway.startDaemon() }
        #expect(gateway.daemonLog.contains(
            "cannot start: bearer token: \(tokenFile) is readable by other users (mode 644); chmod 0640 or stricter"))
        #expect(!gateway.daemonLog.contains(token))
        #expect(!FileManager.default.fileExists(atPath: gateway.databasePath))  // refused before anything was opened

        #expect(chmod(tokenFile, 0o640) == 0)
        try await gateway.startDaemon()
        #expect(try await gateway.dhoctl(["status"]).status == 0)
        await gateway.stop()
    }

    @Test func tlsVerificationCannotBeTurnedOffAndASelfSignedReceiverIsRefusedUntilItsCAIsGiven() async throws {
        let scratch = try Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let certificate = scratch.appendingPathComponent("server.pem").path
        let key = scratch.appendingPathComponent("server.key").path
        let openssl = try await ProcessRunner.run(
            URL(fileURLWithPath: "/usr/bin/env"),
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", key, "-out", certificate, "-days", "2", "-subj", "/CN=localhost",
             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
            workingDirectory: scratch)
        try #require(openssl.status == 0, "openssl: \(openssl.stderr)")
        let gateway = try await GatewayHarness.start(receiverArguments: ["--cert", certificate, "--key", key], startDaemon: false)
        #expect(gateway.receiver.url.hasPrefix("https://"))
        let good = try String(contentsOfFile: gateway.configPath, encoding: .utf8)

        // There is no switch to turn verification off: such keys are configuration errors, and nothing starts.
        for (insecure, complaint) in [
            (good + "insecure: true\n", "gateway.yaml:"),
            (good.replacingOccurrences(of: "forwarding:\n", with: "forwarding:\n  verify-tls: false\n"), "forwarding.verify-tls: unknown key"),
        ] {
            try GatewayHarness.writeConfiguration(insecure, to: gateway.configPath)
            let check = try await gateway.dhoctl(["config", "check", "--config", gateway.configPath])
            #expect(check.status == 78)
            #expect(check.stderr.contains("unknown key") && check.stderr.contains(complaint), "\(check.stderr)")
            await #expect(throws: GatewayHarness.DaemonDidNotStart.self) { try await gateway.startDaemon() }
        }
        #expect(gateway.daemonLog.contains("configuration error"))
        #expect(!FileManager.default.fileExists(atPath: gateway.databasePath))

        // Verified TLS against the system's trust store: the self-signed receiver is refused, visibly.
        try GatewayHarness.writeConfiguration(good, to: gateway.configPath)
        try await gateway.startDaemon()
        let pair = try await gateway.dhoctl(["pair", "5C:31:3E:00:00:04", "--by", "technician-e2e", "--memory-is-patients"])
        #expect(pair.status == 0, "\(pair.stderr)")
        try await gateway.waitUntil("a TLS failure in dhoctl status") {
            let queue = try await Self.status(gateway)["queue"] as? [String: Any]
            return (queue?["lastError"] as? String)?.contains("TLS") == true
        }
        let refused = try await Self.status(gateway)
        let queue = try #require(refused["queue"] as? [String: Any])
        #expect((queue["lastError"] as? String)?.lowercased().contains("certificate") == true, "\(queue)")
        #expect(queue["undelivered"] as? Int ?? 0 >= 1)
        #expect(queue["lastForwarded"] == nil || queue["lastForwarded"] is NSNull)
        let readings = try await gateway.dhoctlJSON(["readings"]) as? [[String: Any]] ?? []
        #expect(!readings.isEmpty && readings.allSatisfy { $0["delivery"] as? String != "delivered" })
        #expect(try await gateway.receiver.identifiers("Observation").isEmpty)
        let text = try await gateway.dhoctl(["status"])
        #expect(text.stdout.contains("TLS"), "\(text.stdout)")

        // Trusting the receiver's certificate explicitly (ca-file) is the way to reach it.
        #expect(await gateway.stopDaemon() == 0)
        try gateway.editConfiguration { $0.replacingOccurrences(of: "forwarding:\n", with: "forwarding:\n  ca-file: \(certificate)\n") }
        try await gateway.startDaemon()
        try await EndToEndTests.settled(gateway, readings: 1)
        let delivered = try await gateway.receiver.resources("Observation")
        // The scale's weight and its coincident time stamp.
        #expect(delivered.count == 2, "\(delivered.map { ($0["code"] as? [String: Any])?["text"] ?? "" })")
        await gateway.stop()
    }

    static var canManageUsers: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/groupadd")
            && FileManager.default.isExecutableFile(atPath: "/usr/sbin/useradd")
    }

    @Test(.enabled(if: canManageUsers, "creating a technicians group and users needs root and groupadd/useradd"))
    func membersOfTheTechniciansGroupMayUseTheControlInterfaceOthersMayNot() async throws {
        let suffix = String(UUID().uuidString.prefix(6)).lowercased()
        let group = "dhotech\(suffix)", technician = "dhotec\(suffix)", stranger = "dhostr\(suffix)"
        let scratch = try Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        try await Self.withTemporaryUsers(group: group, users: [(technician, true), (stranger, false)], scratch: scratch) {
            try await Self.checkTechnicianAccess(group: group, technician: technician, stranger: stranger)
        }
    }

    /// Creates `group` and `users` (each with a group of its own; members of `group` when marked so), runs `body`,
    /// and removes them again whatever happened. Needs root.
    static func withTemporaryUsers(group: String, users: [(name: String, inGroup: Bool)], scratch: URL,
                                   _ body: () async throws -> Void) async throws {
        func system(_ arguments: [String]) async throws -> CommandOutput {
            try await ProcessRunner.run(URL(fileURLWithPath: "/usr/bin/env"), arguments, workingDirectory: scratch)
        }
        var created: [[String]] = []
        let outcome: Result<Void, any Error>
        do {
            try #require(try await system(["groupadd", group]).status == 0)
            created.append(["groupdel", group])
            for user in users {
                let added = try await system(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", "--user-group"]
                    + (user.inGroup ? ["-G", group] : []) + [user.name])
                try #require(added.status == 0, "useradd: \(added.stderr)")
                created.insert(["userdel", user.name], at: 0)
            }
            outcome = .success(try await body())
        } catch {
            outcome = .failure(error)
        }
        for command in created { _ = try? await system(command) }
        try outcome.get()
    }

    static func checkTechnicianAccess(group: String, technician: String, stranger: String) async throws {
        func ids(_ user: String) throws -> (uid: UInt32, gid: UInt32) {
            guard let entry = getpwnam(user) else { throw HarnessError("no user \(user)") }
            return (entry.pointee.pw_uid, entry.pointee.pw_gid)
        }
        let gateway = try await GatewayHarness.start(extraConfiguration: "control:\n  technician-group: \(group)\n")
        // The socket belongs to the technicians group...
        var info = stat()
        #expect(stat(gateway.controlSocket, &info) == 0)
        #expect(info.st_gid == getgrnam(group)?.pointee.gr_gid)
        // ...so a member (through a supplementary group, as technicians are added) may use it,
        let member = try ids(technician)
        let allowed = try await gateway.dhoctl(["status"], asUser: member.uid, primaryGroup: member.gid)
        #expect(allowed.status == 0, "\(allowed.stderr)")
        // and someone else may not, neither through the socket's mode nor, when that is loosened, past the
        // daemon's own check of the peer's credentials.
        let other = try ids(stranger)
        let denied = try await gateway.dhoctl(["status"], asUser: other.uid, primaryGroup: other.gid)
        #expect(denied.status == 69 && denied.stderr.contains("Permission denied"), "\(denied.stderr)")
        #expect(chmod(gateway.controlSocket, 0o666) == 0)
        let refused = try await gateway.dhoctl(["status"], asUser: other.uid, primaryGroup: other.gid)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("permission denied: only root and members of the technicians group"))
        #expect(gateway.daemonLog.contains("refused a connection from an unauthorised user"))
        await gateway.stop()
    }
}
