import Forwarding
import Foundation
import ReadingStore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The forwarder runs as a separate process (`outbox-drain`) that is killed with SIGKILL at random points
/// while it drains, and started again, until it finishes on its own. Whatever moment the kill hits (before
/// the send, after the receiver committed but before the outbox did, in the middle of a commit), the receiver
/// must end up with every Observation created exactly once and the outbox must be empty.
@Suite struct CrashTests {
    static var drainTool: String {
        // The test bundle sits next to the package's executables in the build directory.
        let bundle = URL(fileURLWithPath: CommandLine.arguments.first ?? "")
        var directory = bundle.deletingLastPathComponent()
        if bundle.path.contains(".xctest/") {
            while !directory.path.hasSuffix(".xctest"), directory.path != "/" { directory.deleteLastPathComponent() }
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("outbox-drain").path
    }

    func startDrain(database: String, url: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.drainTool)
        process.arguments = [
            "--database", database, "--url", url, "--batch-size", "2", "--base-delay-ms", "5", "--max-delay-ms", "40",
            "--timeout-ms", "5000",
        ]
        process.environment = ["DHO_PATIENT_REFERENCE": Harness.patient]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    func waitForExit(_ process: Process, timeout: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline { return false }
            try await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    @Test func killDashNineWhileForwardingLosesAndDuplicatesNothing() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.drainTool), "build outbox-drain (swift build) first")
        let harness = try await Harness()
        let ids = try await harness.ingestReadings(300)
        try harness.store.close()
        // Faults too, so that kills also land during retries.
        try await harness.receiver.inject([
            ["action": "reset-after-commit"], ["status": 503, "retryAfter": "0"], ["action": "reset-after-commit"],
        ])

        var generator = SystemRandomNumberGenerator()
        var kills = 0
        for _ in 0..<25 {
            let process = try startDrain(database: harness.directory.file("gateway.sqlite"), url: harness.receiver.url)
            try await Task.sleep(for: .milliseconds(Int.random(in: 30...250, using: &generator)))
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                kills += 1
            }
            _ = try await waitForExit(process, timeout: .seconds(10))
            if process.terminationReason == .exit { break }
        }
        // Finish without interference.
        let last = try startDrain(database: harness.directory.file("gateway.sqlite"), url: harness.receiver.url)
        #expect(try await waitForExit(last, timeout: .seconds(120)))
        #expect(last.terminationStatus == 0)
        #expect(kills > 0)
        print("kill -9 test: \(kills) kills before the final run")

        let store = try ReadingStore.open(StoreConfiguration(path: harness.directory.file("gateway.sqlite")))
        let status = try await store.outboxStatus()
        #expect(status.pending == 0 && status.inFlight == 0 && status.parked == 0)
        #expect(status.delivered == ids.count)
        #expect(try await store.integrityCheck() == ["ok"])

        let created = try await harness.createdObservations()
        #expect(created.count == ids.count * DeliveryTests.observationsPerReading)
        #expect(created.values.allSatisfy { $0 == 1 })
        for id in ids { #expect(created[id.rawValue] == 1) }
        #expect(try await harness.receiver.stat("duplicates") == 0)
        // Resends did happen (at least those after the injected reset-after-commit) and were absorbed.
        #expect(try await harness.receiver.stat("existing") > 0)
        #expect(try await harness.receiver.resources("Device").count == 2)
    }
}
