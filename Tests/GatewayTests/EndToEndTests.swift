import BlueZ
import Foundation
import GatewayTestSupport
import HealthProfiles
import Testing

/// The gateway as it runs on a hub: real daemon, real dhoctl, bluez-sim on a private bus, the reference
/// FHIR receiver on loopback. The same flow as `scripts/demo`.
@Suite(.serialized) struct EndToEndTests {
    static let cuff = BluetoothAddress("A0:9E:1A:00:00:01")!
    static let neighbour = BluetoothAddress("A0:9E:1A:00:00:99")!

    static func pairEverything(_ gateway: GatewayHarness) async throws {
        // The scale and the meter are the patient's own: their memory (stamped hours before pairing) is theirs.
        for (address, own) in [("A0:9E:1A:00:00:01", false), ("00:A0:50:00:00:02", false), ("5C:31:3E:00:00:04", true),
                               ("00:09:1F:00:00:05", false)] {
            let output = try await gateway.dhoctl(["pair", address, "--by", "technician-e2e"] + (own ? ["--memory-is-patients"] : []))
            #expect(output.status == 0, "pair \(address): \(output.stderr)")
        }
        let meter = try await gateway.dhoctl(["pair", "C4:AD:34:00:00:03", "--by", "technician-e2e", "--memory-is-patients"],
                                             stdin: "123456\n")
        #expect(meter.status == 0, "\(meter.stderr)")
        #expect(meter.stderr.contains("Enter the 6-digit passkey shown on the device"))
    }

    /// The home's (Europe/Oslo, the harness's default) wall-clock time now as a Date Time field: year LE, month,
    /// day, hours, minutes, seconds.
    static func homeWallClockNow() -> [UInt8] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Oslo")!
        let now = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date())
        let year = now.year ?? 2026
        return [UInt8(year & 0xFF), UInt8(year >> 8)] + [now.month, now.day, now.hour, now.minute, now.second].map { UInt8($0 ?? 0) }
    }

    static func status(_ gateway: GatewayHarness) async throws -> [String: Any] {
        try await gateway.dhoctlJSON(["status"]) as? [String: Any] ?? [:]
    }

    static func settled(_ gateway: GatewayHarness, readings: Int) async throws {
        try await gateway.waitUntil("\(readings) readings stored and forwarded") {
            let status = try await Self.status(gateway)
            let queue = status["queue"] as? [String: Any]
            return status["readingsStored"] as? Int ?? 0 >= readings && queue?["undelivered"] as? Int == 0
        }
    }

    @Test func pairingCollectingTriagingAndForwardingExactlyOnce() async throws {
        let gateway = try await GatewayHarness.start()
        try await Self.pairEverything(gateway)
        try await Self.settled(gateway, readings: 7)

        // Forwarded once each; the receiver never saw a duplicate creation.
        let observations = try await gateway.receiver.identifiers("Observation")
        // BP panel + pulse twice, 2 glucose, SpO2 + pulse, weight, temperature, the two glucose readings' sample
        // location (PhdCodedEnumerationObservation), and a coincident time stamp for each of the 5 readings their
        // device stamped with its own clock.
        #expect(observations.count == 17)
        #expect(observations.values.allSatisfy { $0 == 1 })
        #expect(try await gateway.receiver.stat("duplicates") == 0)
        // Everything conformed to FHIR R4, the R4 vital-signs profiles and the PHD IG 2.0.0 (strict receiver).
        #expect(try await gateway.receiver.violations() == [])
        let flags = try await gateway.receiver.resources("Flag")
        #expect(flags.count == 2)

        // Triage: SpO2 86 % is red for COPD, pulse 104 yellow; the cuff's all-NaN frame asks for a control measurement.
        let readings = try await gateway.dhoctlJSON(["readings"]) as? [[String: Any]] ?? []
        #expect(readings.count == 7)
        #expect(readings.contains { ($0["values"] as? [String])?.first == "spo2 86 %" && $0["triage"] as? String == "red" })
        #expect(readings.contains { $0["triage"] as? String == "control measurement needed" })
        #expect(readings.allSatisfy { $0["delivery"] as? String == "delivered" })
        let alerts = try await gateway.dhoctlJSON(["alerts"]) as? [[String: Any]] ?? []
        #expect(Set(alerts.compactMap { $0["zone"] as? String }) == ["red", "yellow"])

        // Acknowledging an alert is recorded with who did it.
        let red = try #require(alerts.first { $0["zone"] as? String == "red" }?["id"] as? String)
        let ack = try await gateway.dhoctl(["alerts", "ack", red, "--by", "nurse-1"])
        #expect(ack.status == 0, "\(ack.stderr)")
        let after = try await gateway.dhoctlJSON(["alerts"]) as? [[String: Any]] ?? []
        #expect(after.first { $0["id"] as? String == red }?["acknowledgedBy"] as? String == "nurse-1")

        // Device details were read once, the cuff's unset clock was set, the neighbour's cuff never touched.
        let devices = try await gateway.dhoctlJSON(["devices"]) as? [[String: Any]] ?? []
        #expect(devices.first { $0["address"] as? String == "A0:9E:1A:00:00:01" }?["serial"] as? String == "5150123456")
        #expect(devices.first { $0["address"] as? String == "A0:9E:1A:00:00:01" }?["battery"] as? Int == 80)
        #expect(try await gateway.simulatorControl.writtenValues(Self.cuff, BluetoothUUID("2A2B")!).count == 1)
        #expect(try await gateway.simulatorControl.deviceState(Self.neighbour).connectAttempts == 0)

        // Health data is private: database files 0600, no patient identifier in the log.
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: gateway.databasePath + suffix) {
            let mode = try FileManager.default.attributesOfItem(atPath: gateway.databasePath + suffix)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(suffix)")
        }
        #expect(!gateway.daemonLog.contains(gateway.patientReference))
        #expect(!gateway.daemonLog.contains("Patient/"))

        // Graceful stop, restart: nothing is sent twice, and a new reading still flows.
        #expect(await gateway.stopDaemon() == 0)
        #expect(gateway.daemonLog.contains("stopped"))
        try await gateway.startDaemon()
        // Measured now: the gateway set the cuff's clock on the first visit, so the cuff stamps the home's time now
        // (a stamp from before provisioning would be a lent cuff's previous user's, kept apart).
        let bp: [UInt8] = [0x1E, 0x8C, 0x00, 0x56, 0x00, 0x76, 0x00] + Self.homeWallClockNow() + [0x40, 0x00, 0x01, 0x00, 0x00]
        try await gateway.simulatorControl.queueFrames(Self.cuff, BluetoothUUID("2A35")!, [bp])
        try await gateway.simulatorControl.advertise(Self.cuff)
        try await Self.settled(gateway, readings: 8)
        let afterRestart = try await gateway.receiver.identifiers("Observation")
        #expect(afterRestart.count == 20)  // panel, pulse, coincident time stamp
        #expect(afterRestart.values.allSatisfy { $0 == 1 })
        await gateway.stop()
    }

    @Test func wrongPasskeyLeavesTheMeterUnprovisioned() async throws {
        let gateway = try await GatewayHarness.start()
        let output = try await gateway.dhoctl(["pair", "C4:AD:34:00:00:03", "--by", "technician-e2e"], stdin: "000000\n")
        #expect(output.status == 1)
        #expect(output.stderr.contains("wrong passkey"))
        let devices = try await gateway.dhoctlJSON(["devices"]) as? [[String: Any]] ?? []
        #expect(devices.isEmpty)
        let unknown = try await gateway.dhoctl(["pair", "11:22:33:44:55:66", "--timeout", "1"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("was not seen within 1 s"))
        let malformed = try await gateway.dhoctl(["forget", "not-an-address"])
        #expect(malformed.status == 64)
        #expect(malformed.stderr.contains("is not a Bluetooth address"))
        await gateway.stop()
    }

    @Test(.enabled(if: getuid() == 0, "switching to another user needs root"))
    func theControlInterfaceRefusesOtherUsers() async throws {
        let gateway = try await GatewayHarness.start()
        // The socket's mode (0660, root's group here) keeps others out...
        let denied = try await gateway.dhoctl(["status"], asUser: 65534)
        #expect(denied.status == 69)
        #expect(denied.stderr.contains("Permission denied"))
        // ...and if an operator loosens it, the kernel's peer credentials still do.
        #expect(chmod(gateway.controlSocket, 0o666) == 0)
        let refused = try await gateway.dhoctl(["status"], asUser: 65534)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("permission denied: only root and members of the technicians group"))
        #expect(try await gateway.dhoctl(["status"]).status == 0)
        await gateway.stop()
    }

    @Test func brokenConfigurationIsExplainedAndNothingStarts() async throws {
        let gateway = try await GatewayHarness.start(startDaemon: false)
        try "gateway:\n  id: hub 1\n".write(toFile: gateway.configPath, atomically: true, encoding: .utf8)
        let check = try await gateway.dhoctl(["config", "check", "--config", gateway.configPath])
        #expect(check.status == 78)
        #expect(check.stderr.contains("gateway.yaml:2: gateway.id: must be letters, digits"))
        await #expect(throws: GatewayHarness.DaemonDidNotStart.self) { try await gateway.startDaemon() }
        #expect(gateway.daemonLog.contains("configuration error"))
        #expect(!FileManager.default.fileExists(atPath: gateway.databasePath))
        await gateway.stop()
    }
}
