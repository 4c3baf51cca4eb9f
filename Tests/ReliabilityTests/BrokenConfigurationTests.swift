import Foundation
import GatewayTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension DaemonFaults {
    /// Configuration a technician (or a failing SD card) got wrong: the daemon refuses to start with a message that
    /// names the file, the line and the key — exit status 78 (EX_CONFIG) for the configuration file itself, 1 for
    /// what it points at — creates no database, and `dhoctl config check` says the same. A damaged database is
    /// reported and left untouched.
    @Suite struct BrokenConfigurationTests {
        struct Case: Sendable {
            var name: String
            var contents: Data
            var status: Int32
            /// What both the daemon's log and `dhoctl config check` must say.
            var message: String
        }

        /// Writes `contents` as `<name>.yaml` in a directory anyone may traverse (some cases run as another user).
        static func write(_ contents: Data, named name: String, in gateway: GatewayHarness) throws -> String {
            let path = gateway.socketDirectory.appendingPathComponent("\(name).yaml").path
            try contents.write(to: URL(fileURLWithPath: path))
            // Private like a real configuration: a readable one is refused before anything else is checked.
            #expect(chmod(path, 0o600) == 0)
            return path
        }

        /// Runs the daemon and `dhoctl config check` on `path` and checks both for `message`.
        static func expectRefusal(_ gateway: GatewayHarness, path: String, status: Int32, message: String, asUser uid: UInt32? = nil,
                                  sourceLocation: SourceLocation = #_sourceLocation) async throws {
            let exit = try await gateway.runDaemonToExit(configPath: path, asUser: uid)
            #expect(exit.status == status, "\(exit.log)", sourceLocation: sourceLocation)
            #expect(exit.log.contains(message), "\(exit.log)", sourceLocation: sourceLocation)
            #expect(!FileManager.default.fileExists(atPath: gateway.databasePath), "a database was created", sourceLocation: sourceLocation)
            let check = try await gateway.dhoctl(["config", "check", "--config", path], asUser: uid)
            #expect(check.status == 78, sourceLocation: sourceLocation)
            #expect(check.stderr.contains(message), "\(check.stderr)", sourceLocation: sourceLocation)
        }

        @Test func theDaemonRefusesBrokenConfigurationPrecisely() async throws {
            let gateway = try await GatewayHarness.start(startDaemon: false)
            try await withGateway("broken-configuration", gateway) {
                let base = gateway.baseConfiguration
                let lines = base.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                let forwardingLine = try #require(lines.firstIndex(of: "forwarding:")) + 1   // 1-based line of "forwarding:"
                let profiles = GatewayHarness.repository.appendingPathComponent("profiles").path
                var garbage = Data((0..<512).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) })
                garbage[0] = 0xFF

                var cases = [
                    Case(name: "truncated-at-a-line", contents: Data(lines.prefix(forwardingLine - 1).joined(separator: "\n").utf8),
                         status: 78, message: "truncated-at-a-line.yaml:1: missing required key \"forwarding\""),
                    Case(name: "truncated-mid-value",
                         contents: Data((lines.prefix(forwardingLine).joined(separator: "\n") + "\n  endpoint: \"http://127.0.0.1:").utf8),
                         status: 78, message: "truncated-mid-value.yaml:\(forwardingLine + 1): is not valid YAML: found unexpected end of stream"),
                    Case(name: "binary-garbage", contents: garbage, status: 78, message: "binary-garbage.yaml: is not UTF-8 text"),
                    Case(name: "control-characters", contents: Data("\u{01}\u{02}gateway: {\u{03}".utf8),
                         status: 78, message: "control-characters.yaml:1: is not valid YAML: control characters are not allowed"),
                    Case(name: "unknown-key",
                         contents: Data(base.replacingOccurrences(of: "forwarding:\n", with: "forwarding:\n  retry-forever: yes\n").utf8),
                         status: 78, message: "unknown-key.yaml:\(forwardingLine + 1): forwarding.retry-forever: unknown key"),
                    Case(name: "duplicate-key", contents: Data(base.replacingOccurrences(of: "logging:\n", with: "logging:\n  level: info\n").utf8),
                         status: 78, message: "is not valid YAML: duplicated key \"level\" in the mapping that starts here"),
                    Case(name: "missing-care-plan",
                         contents: Data(base.replacingOccurrences(of: "template: copd", with: "template: no-such-plan").utf8),
                         status: 1, message: "\(profiles)/care/no-such-plan.yaml: cannot be read: No such file or directory"),
                ]

                // A device profile directory with a broken file, and one without the devices folder at all.
                let brokenProfiles = gateway.directory.appendingPathComponent("profiles-broken")
                try FileManager.default.copyItem(atPath: profiles, toPath: brokenProfiles.path)
                let glucose = brokenProfiles.appendingPathComponent("devices/glucose.yaml")
                try String(contentsOf: glucose, encoding: .utf8).replacingOccurrences(of: "mode: notify", with: "mode: notifyy")
                    .write(to: glucose, atomically: true, encoding: .utf8)
                cases.append(Case(name: "broken-device-profile",
                                  contents: Data(base.replacingOccurrences(of: profiles, with: brokenProfiles.path).utf8), status: 1,
                                  message: "\(glucose.path):9: characteristics[0].mode: 'notifyy' is not a mode"))
                let noDevices = gateway.directory.appendingPathComponent("profiles-without-devices")
                try FileManager.default.createDirectory(at: noDevices.appendingPathComponent("care"), withIntermediateDirectories: true)
                try FileManager.default.copyItem(atPath: profiles + "/care/copd.yaml", toPath: noDevices.path + "/care/copd.yaml")
                cases.append(Case(name: "no-device-profiles",
                                  contents: Data(base.replacingOccurrences(of: profiles, with: noDevices.path).utf8), status: 1,
                                  message: "\(noDevices.path)/devices: cannot read file: No such file or directory"))

                for broken in cases {
                    let path = try Self.write(broken.contents, named: broken.name, in: gateway)
                    try await Self.expectRefusal(gateway, path: path, status: broken.status, message: broken.message)
                }

                // Unreadable: a directory where the file should be, and a file its reader may not open. Root reads
                // any file whatever its mode, so as root the daemon and dhoctl run as nobody for that case.
                try await Self.expectRefusal(gateway, path: gateway.socketDirectory.path, status: 78,
                                             message: "\(gateway.socketDirectory.path): cannot be read: is a directory")
                let locked = try Self.write(Data(base.utf8), named: "unreadable", in: gateway)
                #expect(chmod(locked, 0o000) == 0)
                try await Self.expectRefusal(gateway, path: locked, status: 78, message: "\(locked): cannot be read: Permission denied",
                                             asUser: getuid() == 0 ? 65534 : nil)

                // A damaged database: a clear start-up error, and the file is not touched (it may hold undelivered data).
                try FileManager.default.createDirectory(at: gateway.stateDirectory, withIntermediateDirectories: true)
                let damaged = Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 97 &+ 13) })
                try damaged.write(to: URL(fileURLWithPath: gateway.databasePath))
                #expect(chmod(gateway.databasePath, 0o600) == 0)  // as the daemon creates it (0644 is refused before it is read)
                let exit = try await gateway.runDaemonToExit()
                #expect(exit.status == 1)
                #expect(exit.log.contains("cannot start: database: \(gateway.databasePath): the reading store is damaged: file is not a database"),
                        "\(exit.log)")
                #expect(FileManager.default.contents(atPath: gateway.databasePath) == damaged)
                #expect(!exit.log.contains("Fatal error"))
            }
        }
    }
}
