import SeededRandom
import BlueZ
import Foundation
import GatewayTestSupport
import HealthProfiles
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

extension DaemonFaults {
    /// "Nothing is lost, nothing is duplicated" while the daemon is killed with SIGKILL at random moments: during
    /// start-up, the glucometer's RACP transfer, ingest, triage and forwarding. The fault schedule comes from a
    /// seed printed in the output (replay with DHO_FAULT_SEED=<seed>).
    @Suite(.serialized) struct DaemonKillTests {
        static let meter = BluetoothAddress(Scenarios.meter)!
        static let cuff = BluetoothAddress(Scenarios.cuff)!
        static let bloodPressure = BluetoothUUID("2A35")!

        @Test func killNineAtRandomMomentsLosesAndDuplicatesNothing() async throws {
            let seed = SeededGenerator.seed(from: "DHO_FAULT_SEED")
            print("DaemonKillTests: fault seed \(seed) (replay with DHO_FAULT_SEED=\(seed))")
            var random = SeededGenerator(seed: seed)
            let glucoseCount = 2000, memoryCount = 40, kills = 20
            let records = try DeviceRecords.glucoseRecords(count: glucoseCount)
            let memory = try DeviceRecords.bloodPressureMemory(count: memoryCount)
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("dho-crash-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: work) }
            let scenario = try Scenarios.write(Scenarios.home(glucoseRecords: records, cuffMemory: memory), in: work)
            let gateway = try await GatewayHarness.start(scenario: scenario, carePlan: "diabetes")
            try await withGateway("kill-9", gateway) {
                let started = ContinuousClock.now
                for address in [Scenarios.meter, Scenarios.cuff] {
                    let paired = try await gateway.dhoctl(["pair", address, "--by", "technician-e2e", "--memory-is-patients"])
                    #expect(paired.status == 0, "pair \(address): \(paired.stderr)")
                }

                for round in 1...kills {
                    let delay = Int.random(in: 50...1500, using: &random)
                    try await Task.sleep(for: .milliseconds(delay))
                    let before = try? await gateway.status()
                    #expect(await gateway.stopDaemon(signal: SIGKILL) == SIGKILL)
                    let queue = before?["queue"] as? [String: Any]
                    print("DaemonKillTests: kill \(round) after \(delay) ms: \(before?["readingsStored"] as? Int ?? -1) readings stored, "
                          + "\(queue?["undelivered"] as? Int ?? -1) undelivered")
                    try await gateway.startDaemon()
                    // The cuff replays its whole memory on every connection; both devices advertise again.
                    if try await gateway.simulatorControl.deviceState(Self.cuff).queued[Self.bloodPressure, default: 0] == 0 {
                        try await gateway.simulatorControl.queueFrames(Self.cuff, Self.bloodPressure, memory)
                    }
                    try await gateway.simulatorControl.advertise(Self.cuff)
                    try await gateway.simulatorControl.advertise(Self.meter)
                }

                let expected = glucoseCount + memoryCount
                try await gateway.waitUntil("\(expected) readings stored and delivered", timeout: .seconds(240)) {
                    let status = try await gateway.status()
                    let queue = status["queue"] as? [String: Any]
                    return status["readingsStored"] as? Int == expected && queue?["undelivered"] as? Int == 0
                }
                print("DaemonKillTests: \(kills) kills, \(expected) readings settled after \(ContinuousClock.now - started)")

                // The receiver created every Observation exactly once: a glucose value per record, a panel and a
                // pulse per blood-pressure reading.
                let observations = try await gateway.receiver.identifiers("Observation")
                // Per glucose record: the glucose, its coincident time stamp and its sample location (finger); per
                // blood-pressure reading: panel, pulse and coincident time stamp.
                #expect(observations.count == 3 * glucoseCount + 3 * memoryCount)
                #expect(observations.values.allSatisfy { $0 == 1 }, "\(observations.filter { $0.value != 1 })")
                #expect(try await gateway.receiver.stat("duplicates") == 0)

                // Stored exactly once each, every sequence number, the cursor at the end, nothing left to send, and
                // a sound file.
                #expect(await gateway.stopDaemon() == 0)
                let database = GatewayDatabase(path: gateway.databasePath)
                #expect(try await database.integrityCheck() == ["ok"])
                let count = try await database.readingCount()
                #expect(count.rows == expected && count.distinct == expected)
                #expect(try await database.storedSequenceNumbers(sensorKey: "bt:\(Scenarios.meter)") == Array(1...glucoseCount))
                #expect(try await database.racpCursor(address: Scenarios.meter) == glucoseCount)
                #expect(try await database.outboxStates().keys.sorted() == ["delivered"])
            }
        }
    }
}
