import BlueZ
import Foundation
import GatewayTestSupport
import HealthProfiles
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension Faults {
    /// The hub's storage fills up (a small `storage: max-database-size` quota stands in for a full disk) while the
    /// centre is unreachable, so no delivered reading can make room: new readings are refused with a clear alert,
    /// nothing crashes, nothing is corrupted, the glucometer's cursor stays below what could not be stored, and
    /// once the quota is raised the rest arrives exactly once. (With the centre reachable, delivered readings make
    /// room: `StorageReserveTests`.)
    @Suite struct DiskFullTests {
        static let meter = BluetoothAddress(Scenarios.meter)!
        static let cuff = BluetoothAddress(Scenarios.cuff)!


        static func quota(_ size: String) -> String { "storage:\n  max-database-size: \(size)\n" }

        @Test func aFullStoreRefusesNewReadingsClearlyAndRecoversWhenTheQuotaIsRaised() async throws {
            let glucoseCount = 600, memoryCount = 5
            let memory = try DeviceRecords.bloodPressureMemory(count: memoryCount)
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("dho-full-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: work) }
            let scenario = try Scenarios.write(Scenarios.home(
                glucoseRecords: try DeviceRecords.glucoseRecords(count: glucoseCount), cuffMemory: memory), in: work)
            let gateway = try await GatewayHarness.start(
                scenario: scenario, carePlan: "diabetes",
                extraConfiguration: Self.quota("448KB") + "alerts:\n  schedule-check-interval: 1s\n", revisitInterval: "1s")
            let database = GatewayDatabase(path: gateway.databasePath)
            try await withGateway("disk-full", gateway) {
                try await gateway.receiver.down()
                for address in [Scenarios.cuff, Scenarios.meter] {
                    let paired = try await gateway.dhoctl(["pair", address, "--by", "technician-e2e", "--memory-is-patients"])
                    #expect(paired.status == 0, "pair \(address): \(paired.stderr)")
                }
                // The meter's transfer runs into the quota: a clear alert, and the daemon carries on.
                try await gateway.waitUntil("the storage-full alert") { try await gateway.technicalAlerts().contains("storage-full") }
                try await gateway.waitUntil("the meter's visit to end") {
                    let devices = try await gateway.dhoctlJSON(["devices"]) as? [[String: Any]] ?? []
                    return devices.first { $0["address"] as? String == Scenarios.meter }?["lastVisit"] != nil
                }
                let stored = try #require(try await gateway.status()["readingsStored"] as? Int)
                print("DiskFullTests: \(stored) of \(glucoseCount + memoryCount) readings fitted the quota")
                #expect(stored > 0 && stored < glucoseCount + memoryCount)
                #expect(gateway.daemonLog.contains("CRITICAL dho-gatewayd: the gateway's storage is full"))
                let status = try await gateway.dhoctl(["status"])
                #expect(status.stdout.contains("PROBLEM:    the gateway's storage is full"), "\(status.stdout)")
                let doctor = try await gateway.dhoctl(["doctor", "--config", gateway.configPath])
                #expect(doctor.status == 1)
                #expect(doctor.stdout.contains("the gateway's storage is full"), "\(doctor.stdout)")

                // The cursor never passes a record that could not be stored: everything at or below it is stored.
                let sequences = try await database.storedSequenceNumbers(sensorKey: "bt:\(Scenarios.meter)")
                let cursor = try await database.racpCursor(address: Scenarios.meter) ?? 0
                #expect(cursor < glucoseCount)
                #expect(Array(sequences.prefix(cursor)) == (0..<cursor).map { $0 + 1 })
                #expect(try await database.integrityCheck() == ["ok"])

                // Restarting while full works (systemd restarts a daemon; it must not crash-loop on a full disk).
                #expect(await gateway.stopDaemon() == 0)
                try await gateway.startDaemon()
                #expect(try await gateway.status()["readingsStored"] as? Int == stored)

                // The technician raises the quota and restarts the daemon: the meter is asked from its cursor on, the
                // cuff replays its memory, and everything arrives exactly once.
                #expect(await gateway.stopDaemon() == 0)
                try gateway.writeConfiguration(Self.quota("64MB") + "alerts:\n  schedule-check-interval: 1s\n")
                try await gateway.receiver.up()
                try await gateway.startDaemon()
                try await gateway.simulatorControl.queueFrames(Self.cuff, BluetoothUUID("2A35")!, memory)
                let expected = glucoseCount + memoryCount
                try await gateway.waitUntil("\(expected) readings stored and delivered", timeout: .seconds(120)) {
                    let status = try await gateway.status()
                    if status["readingsStored"] as? Int == expected, (status["queue"] as? [String: Any])?["undelivered"] as? Int == 0 {
                        return true
                    }
                    try await gateway.simulatorControl.advertise(Self.cuff)
                    try await gateway.simulatorControl.advertise(Self.meter)
                    try await Task.sleep(for: .milliseconds(500))
                    return false
                }
                #expect(try await !gateway.technicalAlerts().contains("storage-full"))
                let observations = try await gateway.receiver.identifiers("Observation")
                // Per glucose record: the glucose, its coincident time stamp and its sample location (finger); per
                // blood-pressure reading: panel, pulse and coincident time stamp.
                #expect(observations.count == 3 * glucoseCount + 3 * memoryCount)
                #expect(observations.values.allSatisfy { $0 == 1 })
                #expect(try await gateway.receiver.stat("duplicates") == 0)
                #expect(await gateway.stopDaemon() == 0)
                #expect(try await database.integrityCheck() == ["ok"])
                #expect(try await database.storedSequenceNumbers(sensorKey: "bt:\(Scenarios.meter)") == Array(1...glucoseCount))
            }
        }
    }
}
