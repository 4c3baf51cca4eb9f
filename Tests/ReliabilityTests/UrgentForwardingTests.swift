import BlueZ
import Foundation
import GatewayTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension ForwardingFaults {
    /// The centre answers `503 Retry-After: 999999999` (clamped to an hour). That must not keep red readings
    /// and alert Flags from it — neither while the daemon waits nor after a restart — and `dhoctl forward` must
    /// cut any wait short.
    @Suite struct UrgentForwardingTests {
        static let cuff = BluetoothAddress("A0:9E:1A:00:00:01")!
        static let oximeter = BluetoothAddress("00:A0:50:00:00:02")!
        static var backOffForAnHour: [String: Any] { ["status": 503, "retryAfter": "999999999", "count": 100_000] }

        static func bloodPressure(_ systolic: Int) throws -> [UInt8] {
            try DeviceRecords.bloodPressure(systolic: systolic, diastolic: 80, pulse: 64,
                                            at: try DeviceRecords.deviceTime(secondsAgo: 60))
        }

        /// A spot check of `spo2` % (pulse 104) without a time stamp.
        static func spotCheck(_ spo2: UInt8) -> [UInt8] { [0x00, spo2, 0x00, 0x68, 0x00] }

        static func log(_ gateway: GatewayHarness, after offset: Int) -> String {
            String(decoding: gateway.daemonLog.utf8.dropFirst(offset), as: UTF8.self)
        }

        static func undelivered(_ gateway: GatewayHarness) async throws -> Int? {
            (try await gateway.status()["queue"] as? [String: Any])?["undelivered"] as? Int
        }

        @Test func aLongRetryAfterHoldsBackNeitherRedReadingsNorForward() async throws {
            let gateway = try await GatewayHarness.start(
                forwardingSettings: ["urgent-retry-interval: 2s"], revisitInterval: "1s", startDaemon: false)
            try await withGateway("urgent-forwarding", gateway) {
                try await gateway.receiver.inject([Self.backOffForAnHour])
                try await gateway.startDaemon()
                let paired = try await gateway.dhoctl(["pair", Self.cuff.description, "--by", "technician-e2e"])
                #expect(paired.status == 0, "\(paired.stderr)")
                try await gateway.waitUntil("the hour-long back-off") { gateway.daemonLog.contains("retryIn=3600") }

                // A red reading during the back-off is probed every urgent-retry-interval, not after the hour.
                let beforeRed = gateway.daemonLog.utf8.count
                let oximeterPaired = try await gateway.dhoctl(["pair", Self.oximeter.description, "--by", "technician-e2e"])
                #expect(oximeterPaired.status == 0, "\(oximeterPaired.stderr)")
                try await gateway.waitUntil("two urgent probes") {
                    Self.log(gateway, after: beforeRed).components(separatedBy: "probing the FHIR receiver").count > 2
                }
                #expect(try await gateway.receiver.identifiers("Observation").isEmpty)
                // The centre recovers: the next probe gets through, and with it everything else.
                _ = try await gateway.receiver.admin("POST", "/faults", ["clear": true])
                try await gateway.waitUntil("everything delivered", timeout: .seconds(30)) { try await Self.undelivered(gateway) == 0 }
                #expect(try await gateway.receiver.resources("Flag").count == 2)

                // After a restart: the red reading that failed under the back-off is not an hour out either, and the
                // first answer brings the rest with it.
                try await gateway.receiver.inject([Self.backOffForAnHour])
                let beforeRestart = gateway.daemonLog.utf8.count
                try await gateway.measure(Self.cuff, "2A35", try Self.bloodPressure(131), expecting: 4, delivered: false)
                try await gateway.measure(Self.oximeter, "2A5E", Self.spotCheck(84), expecting: 5, delivered: false)
                try await gateway.waitUntil("the new readings failed under the back-off") {
                    Self.log(gateway, after: beforeRestart).components(separatedBy: "retryIn=3600").count > 2
                }
                #expect(await gateway.stopDaemon(signal: SIGKILL) == SIGKILL)
                _ = try await gateway.receiver.admin("POST", "/faults", ["clear": true])
                try await gateway.startDaemon()
                try await gateway.waitUntil("everything delivered after the restart", timeout: .seconds(30)) {
                    try await Self.undelivered(gateway) == 0
                }

                // `dhoctl forward` interrupts the hour.
                try await gateway.receiver.inject([["status": 503, "retryAfter": "999999999"]])
                let beforeForward = gateway.daemonLog.utf8.count
                try await gateway.measure(Self.cuff, "2A35", try Self.bloodPressure(127), expecting: 6, delivered: false)
                try await gateway.waitUntil("the hour-long back-off again") {
                    Self.log(gateway, after: beforeForward).contains("retryIn=3600")
                }
                let forward = try await gateway.dhoctl(["forward"])
                #expect(forward.status == 0, "\(forward.stderr)")
                try await gateway.waitUntil("delivered after dhoctl forward", timeout: .seconds(20)) {
                    try await Self.undelivered(gateway) == 0
                }

                let observations = try await gateway.receiver.identifiers("Observation")
                // 4 cuff readings × 3 (panel, pulse, the time stamped cuff's coincident time stamp), 2 spot checks × 2
                #expect(observations.count == 16, "\(observations)")
                #expect(observations.values.allSatisfy { $0 == 1 })
                #expect(try await gateway.receiver.stat("duplicates") == 0)
            }
        }
    }
}
