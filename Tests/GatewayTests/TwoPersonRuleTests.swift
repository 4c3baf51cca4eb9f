import Foundation
import GatewayTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The same OS user ordered a threshold change as "Dr Hansen" and verified it as "Dr Hаnsen" (Cyrillic а), and
/// it was accepted. The verifier must now be another name once look-alikes are set aside, and another OS user
/// (the control connection's peer credentials); both uids are recorded.
extension SecurityTests {
    @Test(.enabled(if: canManageUsers, "creating a technician user needs root and groupadd/useradd"))
    func aThresholdChangeMustBeVerifiedByAnotherNameAndAnotherOSUser() async throws {
        let suffix = String(UUID().uuidString.prefix(6)).lowercased()
        let group = "dhotech\(suffix)", verifier = "dhover\(suffix)"
        let scratch = try Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        try await Self.withTemporaryUsers(group: group, users: [(verifier, true)], scratch: scratch) {
            try await Self.checkTwoPersonRule(group: group, verifier: verifier, scratch: scratch)
        }
    }

    static func checkTwoPersonRule(group: String, verifier: String, scratch: URL) async throws {
        let entry = try #require(getpwnam(verifier))
        let (uid, gid) = (entry.pointee.pw_uid, entry.pointee.pw_gid)
        let gateway = try await GatewayHarness.start(extraConfiguration: "control:\n  technician-group: \(group)\n")
        let overrides = scratch.appendingPathComponent("spo2.yaml").path
        try "vitals:\n  spo2:\n    red: { below: 86 }\n".write(toFile: overrides, atomically: true, encoding: .utf8)

        // Root enters the doctor's order.
        let proposed = try await gateway.dhoctl(
            ["thresholds", "propose", overrides, "--overrides", "--ordered-by", "Dr Hansen", "--reason", "habitual SpO2 91 %"])
        #expect(proposed.status == 0, "\(proposed.stderr)")

        // Root verifies under another name: same OS user, refused.
        let sameUser = try await gateway.dhoctl(["thresholds", "verify", "2", "--verified-by", "Nurse Berg"])
        #expect(sameUser.status == 1 && sameUser.stderr.contains("must be verified from another user's account"), "\(sameUser.stderr)")
        // Another user, but the orderer's name with a Cyrillic а: refused, saying why.
        let lookAlike = try await gateway.dhoctl(
            ["thresholds", "verify", "2", "--verified-by", "Dr H\u{0430}nsen"], asUser: uid, primaryGroup: gid)
        #expect(lookAlike.status == 1 && lookAlike.stderr.contains("look-alike letters"), "\(lookAlike.stderr)")
        let pending = try #require(try await gateway.dhoctlJSON(["thresholds"]) as? [String: Any])
        #expect((pending["active"] as? [String: Any])?["version"] as? Int == 1)

        // Another user and another name: in force, with both uids shown and audited.
        let verified = try await gateway.dhoctl(
            ["thresholds", "verify", "2", "--verified-by", "Nurse Berg"], asUser: uid, primaryGroup: gid)
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stdout.contains("ordered by Dr Hansen (uid 0)") && verified.stdout.contains("verified by Nurse Berg (uid \(uid))"),
                "\(verified.stdout)")
        let audit = try await ProcessRunner.run(
            URL(fileURLWithPath: "/usr/bin/env"),
            ["sqlite3", gateway.databasePath,
             "SELECT action, actor_uid, ordered_by_uid, verified_by_uid FROM triage_audit WHERE version = 2 ORDER BY id"],
            workingDirectory: scratch)
        #expect(audit.stdout == "change-proposed|0|0|\nchange-verified|\(uid)|0|\(uid)\n", "\(audit.stdout)\(audit.stderr)")
        await gateway.stop()
    }
}
