import BlueZ
import Foundation
import GatewayTestSupport
import HealthProfiles
import Testing

extension DeviceFaults {
    /// bluetoothd restarting and the Bluetooth adapter disappearing (a USB dongle pulled out and put back): the
    /// daemon says what is wrong while it is, then powers the adapter, scans, re-registers its pairing agent and
    /// collects again, with nobody touching the hub.
    @Suite struct BluetoothOutageTests {
        static let cuff = BluetoothAddress("A0:9E:1A:00:00:01")!
        static let thermometer = BluetoothAddress("00:09:1F:00:00:05")!

        static func newBloodPressure(minutesAgo: Int) throws -> [UInt8] {
            try DeviceRecords.bloodPressure(systolic: 131, diastolic: 84, pulse: 66,
                                            at: try DeviceRecords.deviceTime(secondsAgo: minutesAgo * 60))
        }

        static func bluetooth(_ gateway: GatewayHarness) async throws -> [String: Any] {
            try await gateway.status()["bluetooth"] as? [String: Any] ?? [:]
        }

        /// The simulated adapter is powered, scanning, and the gateway's agent is the default one; the daemon agrees.
        static func waitUntilCollectingAgain(_ gateway: GatewayHarness) async throws {
            try await gateway.waitUntil("adapter powered and scanning, agent registered") {
                let adapter = try await gateway.simulatorControl.adapterState()
                let bluetooth = try await Self.bluetooth(gateway)
                return adapter.present && adapter.powered && adapter.discovering && adapter.hasDefaultAgent
                    && bluetooth["bluetoothdRunning"] as? Bool == true && bluetooth["discovering"] as? Bool == true
            }
        }

        @Test func collectionResumesAfterBluetoothdRestartsAndTheAdapterComesBack() async throws {
            let gateway = try await GatewayHarness.start(
                extraConfiguration: "alerts:\n  schedule-check-interval: 1s\n", revisitInterval: "1s")
            try await withGateway("bluetooth-outage", gateway) {
                for address in [Self.cuff, Self.thermometer] {
                    let paired = try await gateway.dhoctl(["pair", address.description, "--by", "technician-e2e"])
                    #expect(paired.status == 0, "pair \(address): \(paired.stderr)")
                }
                try await gateway.waitUntil("3 readings stored and forwarded") {
                    let status = try await gateway.status()
                    return status["readingsStored"] as? Int == 3 && (status["queue"] as? [String: Any])?["undelivered"] as? Int == 0
                }

                // bluetoothd restarts: a new org.bluez owner, no discovery session, no agent, every link gone.
                let before = try await gateway.simulatorControl.adapterState().bluetoothdName
                try await gateway.simulatorControl.restartBluetoothd()
                #expect(try await gateway.simulatorControl.adapterState().bluetoothdName != before)
                try await Self.waitUntilCollectingAgain(gateway)
                #expect(gateway.daemonLog.contains("bluetoothd left the bus"))
                #expect(gateway.daemonLog.contains("bluetoothd is available again"))
                try await gateway.measure(Self.cuff, "2A35", try Self.newBloodPressure(minutesAgo: 3), expecting: 4)

                // The adapter is unplugged: status and doctor say so, and the maintenance check raises an alert.
                try await gateway.simulatorControl.removeAdapter()
                try await gateway.waitUntil("the bluetooth-unavailable alert") {
                    try await gateway.technicalAlerts().contains("bluetooth-unavailable")
                }
                let bluetooth = try await Self.bluetooth(gateway)
                #expect(bluetooth["adapterPresent"] as? Bool == false)
                #expect(bluetooth["lastProblem"] as? String == "adapter hci0 removed")
                let text = try await gateway.dhoctl(["status"])
                #expect(text.stdout.contains("adapter MISSING"), "\(text.stdout)")
                #expect(text.stdout.contains("PROBLEM:    adapter hci0 removed"), "\(text.stdout)")
                let doctor = try await gateway.dhoctl(["doctor", "--config", gateway.configPath, "--json"])
                #expect(doctor.status == 1)
                let findings = try JSONSerialization.jsonObject(with: Data(doctor.stdout.utf8)) as? [[String: String]] ?? []
                #expect(findings.contains { $0["check"] == "adapter" && $0["result"] == "fail" }, "\(findings)")

                // It is plugged in again: powered, scanning, agent in place, alert gone, readings flow — also from the
                // thermometer, which is not bonded and has to be discovered again.
                try await gateway.simulatorControl.addAdapter()
                try await Self.waitUntilCollectingAgain(gateway)
                try await gateway.waitUntil("the bluetooth-unavailable alert cleared") {
                    try await !gateway.technicalAlerts().contains("bluetooth-unavailable")
                }
                try await gateway.measure(Self.cuff, "2A35", try Self.newBloodPressure(minutesAgo: 1), expecting: 5)
                try await gateway.measure(Self.thermometer, "2A1C", [0x04, 0x72, 0x01, 0x00, 0xFF, 0x03], expecting: 6)
                let observations = try await gateway.receiver.identifiers("Observation")
                // panel, pulse and coincident time stamp per (time-stamped) blood-pressure frame (4), one per temperature
                #expect(observations.count == 14)
                #expect(observations.values.allSatisfy { $0 == 1 })
            }
        }

        /// Debian's bluetoothd 5.66 restarted: it exports the adapter while it still powers it and answers the gateway's
        /// setup with org.bluez.Error.Busy (here also the first calls after it is powered). The setup used to fail on the
        /// restart's two events and never be tried again (the Powered change ignored): the hub stopped scanning for
        /// good. Now it is tried again after a back-off and when the adapter reports Powered, the failure logged once,
        /// and a thermometer that has to be discovered again is collected, each reading once.
        @Test func scanningResumesWhenBluetoothdAnswersTheAdapterSetupBusyAfterARestart() async throws {
            let scenario = Scenarios.thermometerHome(sends: ["disconnectAfterStored: true"],
                                                     adapter: "busyAfterRestart: 3, poweringAfterRestartMs: 1000")
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("dho-busy-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: work) }
            let gateway = try await GatewayHarness.start(scenario: try Scenarios.write(scenario, in: work), revisitInterval: "1s")
            try await withGateway("adapter-busy-after-restart", gateway) {
                let paired = try await gateway.dhoctl(["pair", Self.thermometer.description, "--by", "technician-e2e"])
                #expect(paired.status == 0, "\(paired.stderr)")
                try await gateway.measure(Self.thermometer, "2A1C", [0x04, 0x72, 0x01, 0x00, 0xFF, 0x03], expecting: 1)

                try await gateway.simulatorControl.restartBluetoothd()
                try await Self.waitUntilCollectingAgain(gateway)
                #expect(try await gateway.simulatorControl.adapterState().busyReplies >= 3)
                let log = gateway.daemonLog
                #expect(log.components(separatedBy: "cannot prepare the Bluetooth adapter yet").count == 2, "one line per episode")
                #expect(log.contains("failed attempt(s); scanning for health devices"))
                #expect(try await Self.bluetooth(gateway)["lastProblem"] as? String == nil)

                try await gateway.measure(Self.thermometer, "2A1C", [0x04, 0x74, 0x01, 0x00, 0xFF, 0x03], expecting: 2)
                let observations = try await gateway.receiver.identifiers("Observation")
                #expect(observations.count == 2)
                #expect(observations.values.allSatisfy { $0 == 1 })
            }
        }

        /// A setup bluetoothd keeps refusing as Busy is tried again with nothing else happening (the restart's two events
        /// were the only attempts before), logged once however often it fails, and shown meanwhile where the daemon
        /// reports the adapter's problem (`dhoctl status --json`, `dhoctl doctor`).
        @Test func anAdapterSetupRefusedAsBusyIsTriedAgainLoggedOnceAndReported() async throws {
            let scenario = Scenarios.thermometerHome(sends: ["disconnectAfterStored: true"], adapter: "busyAfterRestart: 1000")
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("dho-busy-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: work) }
            let gateway = try await GatewayHarness.start(scenario: try Scenarios.write(scenario, in: work))
            try await withGateway("adapter-busy-reported", gateway) {
                try await gateway.simulatorControl.restartBluetoothd()
                try await gateway.waitUntil("the setup refused 4 times: tried again after the restart's two events") {
                    try await gateway.simulatorControl.adapterState().busyReplies >= 4
                }
                #expect(try await !gateway.simulatorControl.adapterState().discovering)
                let problem = try await Self.bluetooth(gateway)["lastProblem"] as? String ?? ""
                #expect(problem.contains("not set up yet (trying again): org.bluez.Error.Busy"), "\(problem)")
                let doctor = try await gateway.dhoctl(["doctor", "--config", gateway.configPath, "--json"])
                let findings = try JSONSerialization.jsonObject(with: Data(doctor.stdout.utf8)) as? [[String: String]] ?? []
                #expect(findings.contains { $0["check"] == "adapter" && $0["detail"]?.contains("org.bluez.Error.Busy") == true },
                        "\(findings)")
                #expect(gateway.daemonLog.components(separatedBy: "cannot prepare the Bluetooth adapter yet").count == 2,
                        "one line per episode")
            }
        }
    }
}
