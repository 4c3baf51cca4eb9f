import Foundation
import GatewayTestSupport

extension GatewayHarness {
    /// Copies the daemon's and the simulator's logs to `<tmp>/dho-reliability-logs/<name>/`: the harness removes
    /// its directory when it stops, and a fault test that failed is only understood from them.
    func keepLogs(_ name: String) -> String {
        let target = FileManager.default.temporaryDirectory.appendingPathComponent("dho-reliability-logs/\(name)")
        try? FileManager.default.removeItem(at: target)
        try? FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        let logs = (try? FileManager.default.contentsOfDirectory(atPath: directory.path))?.filter { $0.hasSuffix(".log") } ?? []
        for log in logs {
            try? FileManager.default.copyItem(at: directory.appendingPathComponent(log), to: target.appendingPathComponent(log))
        }
        return target.path
    }
}

/// Runs a fault test against `gateway` and always stops it afterwards (also when the test throws), keeping the
/// logs first.
func withGateway(_ name: String, _ gateway: GatewayHarness, _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch {
        print("\(name): failed; logs kept in \(gateway.keepLogs(name))")
        await gateway.stop()
        throw error
    }
    print("\(name): logs kept in \(gateway.keepLogs(name))")
    await gateway.stop()
}
