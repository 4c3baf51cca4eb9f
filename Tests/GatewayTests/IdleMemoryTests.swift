import Foundation
import GatewayTestSupport
import Testing

/// What the daemon keeps resident while idle is a behaviour (issue 16: ≤ 30 MB with one paired device). Of its 49 MB
/// idle, 44.5 MB were pages of its executable and libraries that start-up and the visit's work had touched once
/// (relocations, Swift metadata scans, the kernel mapping 16 pages around each one touched). When a visit ends the
/// daemon unmaps them; what runs again faults its page back in from the page cache.
extension SecurityTests {
    @Test func anIdleDaemonGivesBackTheCodePagesAVisitTouchedAndStillWorks() async throws {
        let gateway = try await GatewayHarness.start(
            scenario: GatewayHarness.repository.appendingPathComponent("profiles/sim/bench.yaml").path,
            logLevel: "info", strictPHD: false)
        do { try await Self.visitThenIdle(gateway) } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }

    static func visitThenIdle(_ gateway: GatewayHarness) async throws {
        let paired = try await gateway.dhoctl(["pair", benchOximeter.description, "--by", "technician-e2e"])
        guard paired.status == 0 else { throw HarnessError("pairing the oximeter failed: \(paired.stderr)") }
        let pid = try #require(gateway.daemonPID)
        // A visit that stores, triages and forwards readings: the code for all of it is resident afterwards.
        try await notifySpotChecks(gateway, from: 0, count: 5)
        try await gateway.waitUntil("the visit to end (the oximeter fell quiet)", timeout: .seconds(60)) {
            try await !gateway.simulatorControl.deviceState(benchOximeter).connected
        }
        // Resident pages mapped from files (executable, libraries), not the heap: 50-60 MB before, whatever the build.
        let limitKB = 20 * 1024
        try await gateway.waitUntil("the daemon's file-backed resident memory to fall below \(limitKB) KB", timeout: .seconds(60)) {
            try residentFileKB(pid) <= limitKB
        }
        // Unmapped code faults back in: the next visit's readings are stored, triaged and forwarded as before.
        try await notifySpotChecks(gateway, from: 5, count: 3)
        try await gateway.waitUntil("the second visit's readings to be forwarded", timeout: .seconds(60)) {
            (try await gateway.receiver.stats()["resources"] as? [String: Int])?["Observation"] ?? 0 >= 2 * 8  // SpO2 + pulse
        }
        try await expectAnswers(gateway, "after its memory was given back")
    }

    /// Connects the oximeter (it advertises until the gateway visits) and sends `count` distinct spot-checks.
    static func notifySpotChecks(_ gateway: GatewayHarness, from first: Int, count: Int) async throws {
        for index in first..<(first + count) {
            try await waitUntilNotifying(gateway)
            let frame: [UInt8] = [0x00, UInt8(95 + index % 5), 0x00, UInt8(60 + index), 0x00]
            try await gateway.simulatorControl.notify(benchOximeter, spotCheck, frame)
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    static func residentFileKB(_ pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("RssFile:") })
        return try #require(Int(line.dropFirst("RssFile:".count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? ""))
    }
}
