import BlueZ
import Foundation
import GatewayTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension ForwardingFaults {
    /// The follow-up centre unreachable for a "long" time (compressed: short backoff, a 2 s alert threshold) while
    /// the devices keep delivering and the daemon is restarted: everything waits durably, the technician sees why,
    /// the forwarder keeps trying at most every maximum-backoff, and once the centre is back every Observation is
    /// created exactly once.
    @Suite struct ReceiverOutageTests {
        @Test func readingsWaitThroughAnOutageAndArriveExactlyOnce() async throws {
            let glucoseCount = 300, memoryCount = 10
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("dho-outage-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: work) }
            let scenario = try Scenarios.write(Scenarios.home(
                glucoseRecords: try DeviceRecords.glucoseRecords(count: glucoseCount),
                cuffMemory: try DeviceRecords.bloodPressureMemory(count: memoryCount)), in: work)
            let gateway = try await GatewayHarness.start(
                scenario: scenario, carePlan: "diabetes",
                extraConfiguration: "alerts:\n  schedule-check-interval: 1s\n  forwarding-failing-after: 2s\n",
                forwardingBackoff: ("50ms", "500ms"), startDaemon: false)
            try await withGateway("receiver-outage", gateway) {
                try await gateway.receiver.down()
                try await gateway.startDaemon()
                for address in [Scenarios.meter, Scenarios.cuff] {
                    let paired = try await gateway.dhoctl(["pair", address, "--by", "technician-e2e", "--memory-is-patients"])
                    #expect(paired.status == 0, "pair \(address): \(paired.stderr)")
                }
                let expected = glucoseCount + memoryCount
                try await gateway.waitUntil("\(expected) readings stored") {
                    try await gateway.status()["readingsStored"] as? Int == expected
                }

                // Everything waits, and the technician sees why and since when; after the threshold, an alert.
                try await gateway.waitUntil("the forwarding-failing alert") { try await gateway.technicalAlerts().contains("forwarding-failing") }
                let status = try await gateway.status()
                let queue = try #require(status["queue"] as? [String: Any])
                #expect(queue["undelivered"] as? Int ?? 0 >= expected)
                #expect(queue["oldestUndelivered"] != nil)
                #expect((queue["lastError"] as? String)?.isEmpty == false)
                let doctor = try await gateway.dhoctl(["doctor", "--config", gateway.configPath])
                #expect(doctor.status == 1)
                #expect(doctor.stdout.contains("readings have not reached the follow-up centre"), "\(doctor.stdout)")
                #expect(gateway.daemonLog.contains("CRITICAL"))

                // A restart during the outage: nothing is lost, the alert comes back, the forwarder keeps trying.
                #expect(await gateway.stopDaemon(signal: SIGKILL) == SIGKILL)
                let logBefore = gateway.daemonLog.utf8.count
                try await gateway.startDaemon()
                #expect(try await gateway.status()["readingsStored"] as? Int == expected)
                try await gateway.waitUntil("the forwarding-failing alert after the restart") {
                    try await gateway.technicalAlerts().contains("forwarding-failing")
                }
                // Backoff stays capped: after 25 consecutive failures (uncapped doubling from 50 ms would wait 19 days)
                // every delay the forwarder chose is at most maximum-backoff (500 ms).
                try await gateway.waitUntil("25 failed attempts since the restart") {
                    Self.retryDelays(in: gateway.daemonLog, after: logBefore).count >= 25
                }
                let delays = Self.retryDelays(in: gateway.daemonLog, after: logBefore)
                #expect(delays.allSatisfy { $0 <= 0.5 }, "\(delays)")
                #expect(try await gateway.receiver.identifiers("Observation").isEmpty)

                // The centre is back: everything is delivered exactly once and the alert clears.
                try await gateway.receiver.up()
                try await gateway.waitUntil("the backlog delivered") {
                    let queue = try await gateway.status()["queue"] as? [String: Any]
                    return queue?["undelivered"] as? Int == 0
                }
                let observations = try await gateway.receiver.identifiers("Observation")
                // Per glucose record: the glucose, its coincident time stamp and its sample location (finger); per
                // blood-pressure reading: panel, pulse and coincident time stamp.
                #expect(observations.count == 3 * glucoseCount + 3 * memoryCount)
                #expect(observations.values.allSatisfy { $0 == 1 })
                #expect(try await gateway.receiver.stat("duplicates") == 0)
                try await gateway.waitUntil("the forwarding-failing alert cleared") {
                    try await !gateway.technicalAlerts().contains("forwarding-failing")
                }
                #expect((try await gateway.status()["queue"] as? [String: Any])?["lastError"] == nil)
            }
        }


        /// The delays (seconds) in the daemon's "forwarding failed; will retry" lines after byte `offset` of its log.
        static func retryDelays(in log: String, after offset: Int) -> [Double] {
            String(decoding: log.utf8.dropFirst(offset), as: UTF8.self)
                .split(separator: "\n")
                .filter { $0.contains("forwarding failed; will retry") }
                .compactMap { line -> Double? in
                    guard let range = line.range(of: "retryIn=") else { return nil }
                    let value = line[range.upperBound...].prefix { $0.isNumber || $0 == "." || $0 == "e" || $0 == "-" }
                    return Double(value)
                }
        }
    }
}
