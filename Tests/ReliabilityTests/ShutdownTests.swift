import BlueZ
import Foundation
import GatewayTestSupport
import HealthProfiles
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension DaemonFaults {
    /// SIGTERM is obeyed within the unit's `TimeoutStopSec` (30 s) in every state: in the middle of a visit, and
    /// after the D-Bus bus has gone (issue 11, findings 14 and 15).
    @Suite struct ShutdownTests {
        static let oximeter = "00:A0:50:00:00:02"

        /// A pulse oximeter that streams continuous readings for as long as it is connected, so a visit is
        /// always running when the test stops the daemon.
        static let streamingOximeter = """
            adapter: {name: hci0, address: "00:1A:7D:DA:71:13", alias: dho-gateway, powered: false}
            timing: {connectDelayMs: 5, resolveDelayMs: 5, gattExportDelayMs: 20}
            devices:
              - address: "\(oximeter)"
                name: "Nonin3230"
                advertisedServices: ["1822"]
                services:
                  - uuid: "1822"
                    characteristics:
                      - uuid: "2A5F"
                        flags: [notify]
                        stream: {intervalMs: 100, repeat: true, frames: ["00 61 00 48 00", "00 60 00 49 00"]}
                      - {uuid: "2A60", flags: [read], value: "0000"}

            """

        static func startWithVisitRunning(_ name: String) async throws -> GatewayHarness {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("shutdown-\(UUID().uuidString.prefix(8))")
            let scenario = try Scenarios.write(streamingOximeter, in: directory)
            let gateway = try await GatewayHarness.start(scenario: scenario, revisitInterval: "1s")
            do {
                let paired = try await gateway.dhoctl(["pair", oximeter, "--by", "technician-e2e"])
                #expect(paired.status == 0, "pair: \(paired.stderr)")
                // The visit is under way once the stream flows (a settled reading would take its 30 s window).
                let address = try #require(BluetoothAddress(oximeter))
                try await gateway.waitUntil("the oximeter streaming to the gateway") {
                    let state = try await gateway.simulatorControl.deviceState(address)
                    return state.connected && state.notifying.contains(BluetoothUUID("2A5F")!)
                }
            } catch {
                print("\(name): failed; logs kept in \(gateway.keepLogs(name))")
                await gateway.stop()
                throw error
            }
            return gateway
        }

        /// Sends SIGTERM and waits at most `limit` for the daemon to exit; returns its status and how long it took.
        static func terminate(_ gateway: GatewayHarness, within limit: Duration) async throws -> (Int32, Duration) {
            let pid = try #require(gateway.daemonPID)
            let started = ContinuousClock.now
            let stopped = Task { await gateway.stopDaemon(signal: SIGTERM) }
            while ContinuousClock.now - started < limit {
                if kill(pid, 0) != 0 { return (await stopped.value, ContinuousClock.now - started) }
                try await Task.sleep(for: .milliseconds(100))
            }
            kill(pid, SIGKILL)
            _ = await stopped.value
            Issue.record("dho-gatewayd ignored SIGTERM for \(limit); its log:\n\(gateway.daemonLog.suffix(3000))")
            return (-1, limit)
        }

        @Test func sigtermInTheMiddleOfAVisitEndsItCleanly() async throws {
            let gateway = try await Self.startWithVisitRunning("shutdown-mid-visit")
            try await withGateway("shutdown-mid-visit", gateway) {
                let devices = try await gateway.dhoctlJSON(["devices"]) as? [[String: Any]] ?? []
                #expect(devices.first?["visiting"] as? Bool == true, "\(devices)")
                let (exit, _) = try await Self.terminate(gateway, within: .seconds(25))
                #expect(exit == 0)
                #expect(!gateway.daemonLog.contains("CONTINUATION MISUSE"), "\(gateway.daemonLog.suffix(2000))")
                #expect(gateway.daemonLog.contains("shutting down"))
                // The gateway hung up on the way out: the oximeter is free to advertise again.
                #expect(try await gateway.simulatorControl.deviceState(BluetoothAddress(Self.oximeter)!).connected == false)
                // ... and said nothing false about it (the cancelled visit used to stop waiting for the answer).
                #expect(!gateway.daemonLog.contains("link not released"), "\(gateway.daemonLog.suffix(2000))")
            }
        }

        @Test func sigtermAfterTheBusHasGoneIsObeyed() async throws {
            let gateway = try await Self.startWithVisitRunning("shutdown-bus-gone")
            try await withGateway("shutdown-bus-gone", gateway) {
                await gateway.bus.killBusDaemon()
                try await Task.sleep(for: .seconds(1))
                let (exit, _) = try await Self.terminate(gateway, within: .seconds(25))
                #expect(exit == 0)
                #expect(!gateway.daemonLog.contains("CONTINUATION MISUSE"))
            }
        }
    }
}
