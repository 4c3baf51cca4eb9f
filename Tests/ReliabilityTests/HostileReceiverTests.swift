import BlueZ
import Foundation
import GatewayTestSupport
import Testing

extension ForwardingFaults {
    /// The centre (or whatever answers in its place) sends hostile answers: an endless body, a 1 GiB
    /// Content-Length, a gzip bomb, a slowloris trickle, garbage, a redirect, 50,000 headers, 15 MB of valid JSON.
    /// Each is a failure with a clear reason, nothing is taken for a delivery, the reading arrives once the centre
    /// answers properly, and the daemon's memory stays bounded.
    @Suite struct HostileReceiverTests {
        static let cuff = BluetoothAddress("A0:9E:1A:00:00:01")!

        /// A fault step of the reference receiver and what the daemon must log as the reason of the failure.
        static var hostileAnswers: [(fault: [String: Any], reason: String)] { [
            (["action": "endless-body"], "response refused: response body larger than 1024 KiB"),
            (["action": "huge-content-length"], "response refused: response body larger than 1024 KiB"),
            (["action": "json-flood", "bytes": 15_000_000], "response refused: response body larger than 1024 KiB"),
            (["action": "gzip-bomb"], "response is not JSON"),
            (["action": "many-headers", "headers": 50_000], "response refused: more than 100 response header lines"),
            (["action": "slowloris", "seconds": 30], "timed out"),
            (["action": "redirect"], "HTTP 307 from the FHIR receiver"),
            (["action": "garbage"], "forwarding failed"),
        ] }

        static func bloodPressure(_ systolic: Int) throws -> [UInt8] {
            try DeviceRecords.bloodPressure(systolic: systolic, diastolic: 80, pulse: 64,
                                            at: try DeviceRecords.deviceTime(secondsAgo: 60))
        }

        /// The daemon's peak resident set (VmHWM), in bytes.
        static func peakResidentBytes(_ pid: Int32) throws -> Int {
            let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
                  let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
            else { throw HarnessError("no VmHWM in /proc/\(pid)/status") }
            return kilobytes * 1024
        }

        @Test func hostileAnswersAreFailuresThatCostBoundedMemory() async throws {
            // 10 s: well under the slowloris trickle (30 s), well over what the reference receiver needs to start
            // answering on a loaded 2-core machine (2 s was seen to run out before its first byte).
            let gateway = try await GatewayHarness.start(
                forwardingSettings: ["request-timeout: 10s"], revisitInterval: "1s")
            try await withGateway("hostile-receiver", gateway) {
                let paired = try await gateway.dhoctl(["pair", Self.cuff.description, "--by", "technician-e2e"])
                #expect(paired.status == 0, "\(paired.stderr)")
                try await gateway.waitUntil("the cuff's memory delivered") {
                    let status = try await gateway.status()
                    return status["readingsStored"] as? Int == 2 && (status["queue"] as? [String: Any])?["undelivered"] as? Int == 0
                }
                let pid = try #require(gateway.daemonPID)
                let peakBefore = try Self.peakResidentBytes(pid)

                var readings = 2
                for (index, hostile) in Self.hostileAnswers.enumerated() {
                    let logBefore = gateway.daemonLog.utf8.count
                    try await gateway.receiver.inject([hostile.fault])
                    readings += 1
                    // Stored and, once the receiver answers properly again (the next attempt), delivered.
                    try await gateway.measure(Self.cuff, "2A35", try Self.bloodPressure(120 + index), expecting: readings)
                    @Sendable func failures() -> [Substring] {
                        String(decoding: gateway.daemonLog.utf8.dropFirst(logBefore), as: UTF8.self)
                            .split(separator: "\n").filter { $0.contains("forwarding failed; will retry") }
                    }
                    // The log line may land a moment after the delivery that followed it on a loaded machine.
                    let reason = hostile.reason
                    try? await gateway.waitUntil("the failure logged", timeout: .seconds(30)) {
                        failures().contains { $0.contains(reason) }
                    }
                    #expect(failures().contains { $0.contains(hostile.reason) }, "\(hostile.fault): \(failures())")
                }

                // Nothing was taken for a delivery: every reading reached the receiver (a hostile answer taken
                // for one would have left its reading marked delivered but missing there), exactly once.
                let observations = try await gateway.receiver.identifiers("Observation")
                #expect(observations.count == 3 * readings, "\(observations)")  // panel, pulse, coincident time stamp
                #expect(observations.values.allSatisfy { $0 == 1 })
                #expect(try await gateway.receiver.stat("faults") == Self.hostileAnswers.count)

                // What the answers cost: far below what they sent (gigabytes). Generous: a noisy machine must not
                // fail this, an unbounded buffer or parse does.
                let growth = try Self.peakResidentBytes(pid) - peakBefore
                print("hostile-receiver: peak RSS grew by \(growth / 1024) KiB")
                #expect(growth < 40 << 20, "peak RSS grew by \(growth / 1024) KiB")
            }
        }
    }
}
