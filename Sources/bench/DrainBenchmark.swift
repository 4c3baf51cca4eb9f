import ArgumentParser
import Forwarding
import Foundation
import ReadingStore
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Drains a backlog (100k readings by default) to the reference FHIR receiver on loopback.
struct DrainBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drain", abstract: "Drain a backlog of readings to the loopback FHIR receiver.")

    @Option(help: "Readings in the backlog.")
    var count = 100_000

    @Option(help: "Outbox items per transaction Bundle.")
    var batchSize = 100

    @Option(help: "Path of Tests/peers/fhir_receiver.py (default: found from the source tree).")
    var receiverScript: String?

    func run() async throws {
        let directory = try BenchSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try ReadingStore.open(StoreConfiguration(path: directory + "/store.sqlite"))

        let clock = ContinuousClock()
        let seedStart = clock.now
        var index = 0
        while index < count {
            let chunk = (index..<min(index + 5000, count)).map {
                IngestRequest(
                    reading: BenchSupport.reading($0), rawFrame: BenchSupport.frame, sensor: BenchSupport.sensor,
                    receivedAt: Date(), measuredAt: Date())
            }
            _ = try await store.ingest(contentsOf: chunk)
            index += chunk.count
        }
        print("seeded \(count) readings in \(BenchSupport.format(BenchSupport.seconds(clock.now - seedStart))) s")

        let script = receiverScript ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Tests/peers/fhir_receiver.py").path
        let receiver = Process()
        receiver.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        receiver.arguments = ["python3", script]
        let output = Pipe()
        receiver.standardOutput = output
        try receiver.run()
        defer { receiver.terminate() }
        let line = String(decoding: output.fileHandleForReading.firstLine(), as: UTF8.self)
        guard let info = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let port = info["port"] as? Int, let adminPort = info["adminPort"] as? Int
        else { throw ValidationError("the receiver did not start: \(line)") }

        let endpoint = try EndpointConfiguration(url: "http://127.0.0.1:\(port)/fhir")
        let mapper = FHIRMapper(configuration: FHIRMappingConfiguration(
            gateway: GatewayIdentity(identifier: "bench-hub", softwareVersion: "bench"),
            patient: try PatientReference("Patient/bench")))
        let forwarder = Forwarder(
            store: store, transport: try CurlTransport(endpoint: endpoint), mapper: mapper,
            configuration: ForwarderConfiguration(batchSize: batchSize))
        let started = clock.now
        let report = await forwarder.drain()
        let elapsed = BenchSupport.seconds(clock.now - started)
        let status = try await store.outboxStatus()

        let (statsData, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(adminPort)/stats")!)
        let stats = try JSONSerialization.jsonObject(with: statsData) as? [String: Any] ?? [:]
        let resources = stats["resources"] as? [String: Int] ?? [:]
        print("drained \(report.delivered) readings in \(report.bundles) bundles of \(batchSize) in "
            + "\(BenchSupport.format(elapsed)) s: \(BenchSupport.format(Double(report.delivered) / elapsed)) readings/s")
        print("  outbox: pending \(status.pending), parked \(status.parked), delivered \(status.delivered); "
            + "transient failures \(report.failures)")
        print("  receiver: \(resources["Observation"] ?? 0) Observations, \(resources["Device"] ?? 0) Devices, "
            + "duplicates \(stats["duplicates"] ?? "?")")
        try store.close()
    }
}

extension FileHandle {
    /// Reads up to the first newline (the receiver's start-up line).
    func firstLine() -> [UInt8] {
        var bytes: [UInt8] = []
        while true {
            let chunk = readData(ofLength: 1)
            if chunk.isEmpty || chunk.first == 0x0A { return bytes }
            bytes.append(contentsOf: chunk)
        }
    }
}
