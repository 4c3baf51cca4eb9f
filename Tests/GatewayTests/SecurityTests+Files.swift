import Foundation
import GatewayTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Files someone else could read, replace or edit: the state directory and database, planted symbolic links,
/// and everything that steers triage or forwarding.
extension SecurityTests {
    static let nobody: uid_t = 65534

    /// The daemon run to its exit; it must refuse (78) with `message` and leave no database behind.
    static func expectRefusal(_ gateway: GatewayHarness, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let exit = try await gateway.runDaemonToExit()
        #expect(exit.status == 78, "\(exit.log)", sourceLocation: sourceLocation)
        #expect(exit.log.contains(message), "\(exit.log)", sourceLocation: sourceLocation)
    }

    @Test func aStateDirectoryOrDatabaseSomeoneElseCouldReadIsRefused() async throws {
        let gateway = try await GatewayHarness.start(startDaemon: false)
        let state = gateway.stateDirectory.path
        let database = gateway.databasePath

        // Open to others: the directory writable, the database (created earlier, or by hand) readable.
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        #expect(chmod(state, 0o777) == 0)
        try await Self.expectRefusal(gateway, "cannot start: database: \(state) the state directory is writable by group or others (mode 777); chmod 0700 \(state)")
        #expect(!FileManager.default.fileExists(atPath: database))
        #expect(chmod(state, 0o700) == 0)
        #expect(FileManager.default.createFile(atPath: database, contents: nil))
        #expect(chmod(database, 0o644) == 0)
        try await Self.expectRefusal(gateway, "\(database) is readable or writable by group or others (mode 644)")
        #expect(try Self.mode(database) == 0o644)  // refused, not silently repaired

        // Pre-created by another local user (possible only as root here): SQLite would hand them -wal and -shm.
        if geteuid() == 0 {
            #expect(chown(database, Self.nobody, Self.nobody) == 0 && chmod(database, 0o600) == 0)
            try await Self.expectRefusal(gateway, "\(database) is owned by nobody (uid 65534), not by the daemon's user")
            for suffix in ["-wal", "-shm"] { #expect(!FileManager.default.fileExists(atPath: database + suffix)) }
            try FileManager.default.removeItem(atPath: database)
            #expect(chown(state, Self.nobody, Self.nobody) == 0)
            try await Self.expectRefusal(gateway, "\(state) the state directory is owned by nobody (uid 65534)")
        }

        // Gone: the daemon creates both itself, private.
        try FileManager.default.removeItem(atPath: state)
        try await gateway.startDaemon()
        #expect(try Self.mode(state) == 0o700)
        #expect(try Self.mode(database) == 0o600)
        await gateway.stop()
    }

    @Test func aSymbolicLinkPlantedAsTheWALIsRefusedAndItsTargetLeftAlone() async throws {
        let scratch = try Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let gateway = try await GatewayHarness.start(startDaemon: false)
        try FileManager.default.createDirectory(atPath: gateway.stateDirectory.path, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let target = scratch.appendingPathComponent("victim").path
        #expect(FileManager.default.createFile(atPath: target, contents: Data("not the daemon's".utf8)))
        #expect(chmod(target, 0o644) == 0)
        let wal = gateway.databasePath + "-wal"
        try FileManager.default.createSymbolicLink(atPath: wal, withDestinationPath: target)

        try await Self.expectRefusal(gateway, "cannot start: database: \(wal) is a symbolic link")
        #expect(try Self.mode(target) == 0o644)
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "not the daemon's")

        try FileManager.default.removeItem(atPath: wal)
        try await gateway.startDaemon()
        #expect(try Self.mode(target) == 0o644)
        await gateway.stop()
    }

    /// A local user who can write the care plans could lower the SpO2 limits; one who can write the hook runs
    /// code as the daemon. The repository's own profiles (0755/0644, the checkout's owner) are accepted.
    @Test func filesThatSteerTriageOrForwardingMustNotBeWritableByOthers() async throws {
        let scratch = try Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let profiles = scratch.appendingPathComponent("profiles").path
        try FileManager.default.copyItem(atPath: GatewayHarness.repository.appendingPathComponent("profiles").path, toPath: profiles)
        let hook = scratch.appendingPathComponent("hook.sh").path
        try "#!/bin/sh\ncat > /dev/null\n".write(toFile: hook, atomically: true, encoding: .utf8)
        let tokenFile = scratch.appendingPathComponent("token").path
        try "token-\(UUID().uuidString)".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        for (path, mode) in [(hook, 0o755), (tokenFile, 0o600), (scratch.path, 0o755)] { #expect(chmod(path, mode_t(mode)) == 0) }
        let gateway = try await GatewayHarness.start(
            extraConfiguration: "alerts:\n  hook: \(hook)\n", forwardingSettings: ["bearer-token-file: \(tokenFile)"],
            startDaemon: false)
        try gateway.editConfiguration {
            $0.replacingOccurrences(of: GatewayHarness.repository.appendingPathComponent("profiles").path, with: profiles)
        }
        let check = { try await gateway.dhoctl(["config", "check", "--config", gateway.configPath]) }
        #expect(try await check().status == 0, "the repository's modes must pass")

        // The case: a world-writable profiles/care; refused by dhoctl and the daemon, with the fix.
        let care = profiles + "/care"
        #expect(chmod(care, 0o777) == 0)
        let expected = "care-plan templates \(care) is writable by group or others (mode 777): anyone who can change it "
            + "decides how readings are triaged or where they go; chmod go-w \(care)"
        let refused = try await check()
        #expect(refused.status == 78)
        #expect(refused.stderr.contains(expected), "\(refused.stderr)")
        try await Self.expectRefusal(gateway, "configuration error: \(expected)")
        #expect(!FileManager.default.fileExists(atPath: gateway.databasePath))
        #expect(chmod(care, 0o755) == 0)

        // Each of the others, one at a time: writable by group or others, or a directory above it is.
        let cases: [(path: String, mode: mode_t, message: String)] = [
            (care + "/copd.yaml", 0o666, "care-plan template \(care)/copd.yaml is writable by group or others (mode 666)"),
            (profiles + "/devices", 0o775, "device profiles \(profiles)/devices is writable by group or others (mode 775)"),
            (profiles + "/devices/glucose.yaml", 0o646, "device profile \(profiles)/devices/glucose.yaml is writable by group or others"),
            (profiles, 0o757, "device profiles \(profiles)/devices: \(profiles) is writable by group or others (mode 757)"),
            (hook, 0o777, "alert hook \(hook) is writable by group or others (mode 777)"),
            (tokenFile, 0o620, "bearer token file \(tokenFile) is writable by group or others (mode 620)"),
            (gateway.configPath, 0o620, "configuration file \(gateway.configPath) is writable by group or others (mode 620)"),
        ]
        for item in cases {
            var before = stat()
            #expect(stat(item.path, &before) == 0)
            #expect(chmod(item.path, item.mode) == 0)
            let output = try await check()
            #expect(output.status == 78, "\(item.path)")
            #expect(output.stderr.contains(item.message), "\(output.stderr)")
            #expect(output.stderr.contains("chmod go-w "), "\(output.stderr)")
            #expect(chmod(item.path, before.st_mode & 0o7777) == 0)
        }
        // Owned by another local user (possible only as root here), even with safe modes.
        if geteuid() == 0 {
            let template = care + "/copd.yaml"
            #expect(chown(template, Self.nobody, Self.nobody) == 0)
            let output = try await check()
            #expect(output.status == 78)
            #expect(output.stderr.contains("care-plan template \(template) is owned by nobody (uid 65534), not by root or the daemon's user"),
                    "\(output.stderr)")
            #expect(chown(template, 0, 0) == 0)
        }

        // All put right: accepted, and the daemon runs.
        #expect(try await check().status == 0)
        try await gateway.startDaemon()
        await gateway.stop()
    }
}
