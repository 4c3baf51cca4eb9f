import Foundation
import GatewayTestSupport
import Testing
import TestSupport

/// `scripts/install --destdir` stages exactly the files a hub needs, with the modes that keep health data
/// and configuration private.
@Suite struct InstallTests {
    @Test func stagesEveryFileInItsPlaceWithTheRightMode() async throws {
        let stage = FileManager.default.temporaryDirectory.appendingPathComponent("stage-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: stage) }
        let binaries = try BuiltProducts.executable(named: "dho-gatewayd").deletingLastPathComponent()
        let script = GatewayHarness.repository.appendingPathComponent("scripts/install")
        let output = try await ProcessRunner.run(
            script, ["--destdir", stage.path, "--no-build", "--bin-dir", binaries.path],
            workingDirectory: FileManager.default.temporaryDirectory)
        #expect(output.status == 0, "\(output.stderr)")

        let expected: [(String, Int)] = [
            ("usr/bin/dho-gatewayd", 0o755), ("usr/bin/dhoctl", 0o755),
            ("usr/lib/systemd/system/dho-gatewayd.service", 0o644),
            ("usr/lib/sysusers.d/dho-gateway.conf", 0o644), ("usr/lib/tmpfiles.d/dho-gateway.conf", 0o644),
            ("usr/share/dbus-1/system.d/dho-gateway.conf", 0o644), ("usr/lib/udev/rules.d/90-dho-gateway.rules", 0o644),
            ("usr/share/dho-gateway/profiles/devices/glucose.yaml", 0o644),
            ("usr/share/dho-gateway/profiles/care/copd.yaml", 0o644),
            ("etc/dho-gateway", 0o750), ("etc/dho-gateway/gateway.yaml", 0o640),
        ]
        for (path, mode) in expected {
            let attributes = try FileManager.default.attributesOfItem(atPath: stage.appendingPathComponent(path).path)
            #expect(attributes[.posixPermissions] as? Int == mode, "\(path)")
        }
        // The unit starts the installed binary with the installed configuration.
        let unit = try String(contentsOf: stage.appendingPathComponent("usr/lib/systemd/system/dho-gatewayd.service"), encoding: .utf8)
        #expect(unit.contains("ExecStart=/usr/bin/dho-gatewayd --config /etc/dho-gateway/gateway.yaml"))

        // A second install never overwrites the (edited) configuration.
        let config = stage.appendingPathComponent("etc/dho-gateway/gateway.yaml")
        try "edited: true\n".write(to: config, atomically: true, encoding: .utf8)
        _ = try await ProcessRunner.run(
            script, ["--destdir", stage.path, "--no-build", "--bin-dir", binaries.path],
            workingDirectory: FileManager.default.temporaryDirectory)
        #expect(try String(contentsOf: config, encoding: .utf8) == "edited: true\n")
    }

    @Test func unknownOptionsAreRefused() async throws {
        let output = try await ProcessRunner.run(
            GatewayHarness.repository.appendingPathComponent("scripts/install"), ["--prefix", "/opt"],
            workingDirectory: FileManager.default.temporaryDirectory)
        #expect(output.status == 64)
        #expect(output.stderr.contains("unknown option --prefix"))
    }
}
