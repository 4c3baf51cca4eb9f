import Foundation
import Gateway
import GatewayTestSupport
import TestSupport
import Testing

/// The service unit's sandbox: `systemd-analyze security` must keep rating it "OK" (exposure at most 2.0 of 10),
/// and the unit must pass `systemd-analyze verify`. Both work offline, without systemd running.
@Suite struct SystemdUnitTests {
    static let unit = GatewayHarness.repository.appendingPathComponent("systemd/dho-gatewayd.service")
    static let analyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
    static let maximumExposure = 2.0

    static func run(_ arguments: [String], in directory: URL) async throws -> CommandOutput {
        try await ProcessRunner.run(URL(fileURLWithPath: analyze ?? "systemd-analyze"), arguments, workingDirectory: directory)
    }

    @Test(.enabled(if: analyze != nil, "systemd-analyze is not installed"))
    func exposureStaysAtMostTwo() async throws {
        let output = try await Self.run(["security", "--offline=yes", "--no-pager", Self.unit.path],
                                        in: FileManager.default.temporaryDirectory)
        #expect(output.status == 0, "\(output.stderr)")
        let pattern = try Regex("Overall exposure level for dho-gatewayd\\.service: ([0-9]+\\.[0-9]+)")
        let match = try #require(output.stdout.firstMatch(of: pattern), "no overall exposure in:\n\(output.stdout)")
        let exposure = try #require(Double(String(match.output[1].substring ?? "")))
        #expect(exposure <= Self.maximumExposure, "exposure \(exposure) > \(Self.maximumExposure):\n\(output.stdout)")
    }

    /// The daemon's descriptors are bounded by the unit, with room for the control socket's connection limit.
    @Test func descriptorLimitFitsTheControlSocketsConnectionLimit() throws {
        let text = try String(contentsOf: Self.unit, encoding: .utf8)
        let match = try #require(text.firstMatch(of: try Regex("(?m)^LimitNOFILE=([0-9]+)$")), "no LimitNOFILE= in the unit")
        let limit = try #require(Int(String(match.output[1].substring ?? "")))
        #expect(limit >= ControlServer.Limits().maximumConnections + 64 && limit <= 4096, "LimitNOFILE=\(limit)")
    }

    @Test(.enabled(if: analyze != nil, "systemd-analyze is not installed"))
    func unitVerifies() async throws {
        // verify checks that ExecStart's binary exists: point it at the built daemon in a copy of the unit.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dho-unit-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let daemon = try BuiltProducts.executable(named: "dho-gatewayd").path
        let text = try String(contentsOf: Self.unit, encoding: .utf8)
        #expect(text.contains("ExecStart=/usr/bin/dho-gatewayd "))
        let copy = directory.appendingPathComponent("dho-gatewayd.service")
        try text.replacingOccurrences(of: "ExecStart=/usr/bin/dho-gatewayd ", with: "ExecStart=\(daemon) ")
            .write(to: copy, atomically: true, encoding: .utf8)
        let output = try await Self.run(["verify", "--man=no", copy.path], in: directory)
        #expect(output.status == 0, "\(output.stdout)\(output.stderr)")
        #expect(output.stderr.isEmpty, "\(output.stderr)")
    }
}
