import BlueZ
import Foundation
import GatewayTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension DaemonFaults {
    /// SIGTERM in the middle of a glucometer's record transfer while the centre is slow to answer: the services
    /// stop in the documented order, the batch being posted has its answer recorded, every reading stored
    /// before the signal is still there, and after a restart everything arrives at the centre exactly once.
    @Suite struct GracefulShutdownTests {
        static let meter = BluetoothAddress(Scenarios.meter)!
        static let recordCount = 400

        /// The order `GatewayServices` documents: the reverse of the start order.
        static let stopOrder = [
            "shutting down", "stopped: control server", "stopped: device supervisor", "stopped: centre reports",
            "stopped: maintenance", "stopped: forwarder",
        ]

        @Test func sigtermDuringABusyCollectionStopsInOrderAndLosesNothing() async throws {
            let records = try DeviceRecords.glucoseRecords(count: Self.recordCount)
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("dho-graceful-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: work) }
            // 10 ms between records: the transfer takes seconds, so the signal comes in the middle of it.
            let scenario = try Scenarios.write(
                Scenarios.home(glucoseRecords: records, cuffMemory: [], notificationIntervalMs: 10), in: work)
            let gateway = try await GatewayHarness.start(scenario: scenario, carePlan: "diabetes")
            try await withGateway("graceful-shutdown", gateway) {
                // The centre stores every batch and then takes a second to answer: a POST is nearly always in flight.
                try await gateway.receiver.inject([["action": "slow", "seconds": 1, "count": 100_000]])
                let paired = try await gateway.dhoctl(["pair", Scenarios.meter, "--by", "technician-e2e", "--memory-is-patients"])
                #expect(paired.status == 0, "pair: \(paired.stderr)")
                try await gateway.waitUntil("a busy collection: records arriving and a batch posted") {
                    let stored = try await gateway.status()["readingsStored"] as? Int ?? 0
                    let posted = try await gateway.receiver.stat("requests")
                    return stored >= 50 && posted >= 1
                }
                let acknowledged = try await gateway.status()["readingsStored"] as? Int ?? 0

                let logStart = gateway.daemonLog.endIndex
                let (exit, _) = try await ShutdownTests.terminate(gateway, within: .seconds(25))
                #expect(exit == 0)
                let log = String(gateway.daemonLog[logStart...])
                let positions = Self.stopOrder.map { line in log.range(of: line)?.lowerBound }
                #expect(positions.allSatisfy { $0 != nil }, "a service did not log its stop:\n\(log.suffix(3000))")
                let found = positions.compactMap { $0 }
                #expect(found == found.sorted(), "services stopped out of order:\n\(log.suffix(3000))")
                #expect(!log.contains("did not end in time") && !log.contains("not all stored in time"), "\(log.suffix(3000))")

                // Nothing acknowledged was lost, and the batch the centre was answering is recorded as delivered
                // rather than left in flight (cancelling the forwarder used to abandon it).
                do {
                    let database = GatewayDatabase(path: gateway.databasePath)
                    #expect(try await database.integrityCheck() == ["ok"])
                    #expect(try await database.readingCount().rows >= acknowledged)
                    let states = try await database.outboxStates()
                    #expect(states["in-flight"] == nil, "\(states)")
                }

                try await gateway.receiver.inject([])
                try await gateway.startDaemon()
                try await gateway.simulatorControl.advertise(Self.meter)
                try await gateway.waitUntil("every record stored and delivered", timeout: .seconds(120)) {
                    let status = try await gateway.status()
                    let queue = status["queue"] as? [String: Any]
                    return status["readingsStored"] as? Int == Self.recordCount && queue?["undelivered"] as? Int == 0
                }
                // Per record: the glucose, its coincident time stamp and its sample location; each created once.
                let observations = try await gateway.receiver.identifiers("Observation")
                #expect(observations.count == 3 * Self.recordCount)
                #expect(observations.values.allSatisfy { $0 == 1 }, "\(observations.filter { $0.value != 1 })")
                #expect(await gateway.stopDaemon() == 0)
                let database = GatewayDatabase(path: gateway.databasePath)
                #expect(try await database.storedSequenceNumbers(sensorKey: "bt:\(Scenarios.meter)") == Array(1...Self.recordCount))
                #expect(try await database.outboxStates().keys.sorted() == ["delivered"])
            }
        }
        /// A service that fails does not leave the daemon half alive: the control socket cannot be bound (its
        /// directory is gone), so the daemon stops the services already running, in order, closes the database
        /// and exits non-zero with the reason in the log (systemd then starts it again).
        @Test func aFailingServiceStopsTheWholeDaemon() async throws {
            let gateway = try await GatewayHarness.start(startDaemon: false)
            try await withGateway("failing-service", gateway) {
                try FileManager.default.removeItem(at: gateway.socketDirectory)
                defer { try? FileManager.default.createDirectory(at: gateway.socketDirectory, withIntermediateDirectories: true) }
                let exit = try await gateway.runDaemonToExit()
                #expect(exit.status == 70, "\(exit.log)")
                let order = ["cannot open the control socket", "shutting down", "stopped: device supervisor",
                             "stopped: maintenance", "stopped: forwarder", "stopped after a failure: control server: cannot open"]
                let positions = order.map { exit.log.range(of: $0)?.lowerBound }
                #expect(positions.allSatisfy { $0 != nil }, "\(exit.log)")
                let found = positions.compactMap { $0 }
                #expect(found == found.sorted(), "\(exit.log)")
                #expect(!exit.log.contains("DHO Gateway ready"), "\(exit.log)")
                #expect(!exit.log.contains("Fatal error"))
            }
        }
    }
}
