import ArgumentParser
import FHIRTestSupport
import Forwarding
import Foundation
import HealthProfiles
import ReadingStore

/// Drains a backlog to the reference FHIR receiver on loopback, and posts the very same transaction Bundles
/// with curl to a fresh receiver of the same kind: the forwarder's rate against the plain transfer's.
struct DrainBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drain", abstract: "Drain a backlog to the loopback FHIR receiver, against curl posting the same Bundles.")

    @Option(help: "Readings in the backlog.")
    var count = 100_000

    @Option(help: "Outbox items per transaction Bundle.")
    var batchSize = 100

    @Flag(help: "Only measure the forwarder.")
    var noCurl = false

    @Option(help: "Rounds, each the forwarder then every curl mode on fresh receivers; rates and ratios are the rounds' medians.")
    var rounds = 1

    func run() async throws {
        ResultTable.print(try await Self.measure(
            count: count, batchSize: batchSize, curl: noCurl ? [] : CurlPoster.Mode.allCases, rounds: rounds))
    }

    /// With several `rounds` the forwarder and curl alternate (forwarder, every curl mode, forwarder again, …), so
    /// that a spell of the machine running slower (15–18 % here between runs minutes apart, issue 16) touches both
    /// sides of a ratio alike; each ratio reported is the median of the rounds' ratios, with their range.
    static func measure(count: Int, batchSize: Int, curl modes: [CurlPoster.Mode], rounds: Int = 1) async throws -> [BenchRow] {
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1") }
        let directory = try BenchSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let backlog = directory + "/backlog.sqlite"
        try await seed(count: count, path: backlog)

        let mapper = FHIRMapper(configuration: FHIRMappingConfiguration(
            gateway: GatewayIdentity(identifier: "bench-hub", softwareVersion: "bench"),
            patient: try PatientReference("Patient/bench")))
        let configuration = ForwarderConfiguration(batchSize: batchSize)

        // The Bundles for curl: the forwarder's own, from a copy of the same outbox.
        var files: [String] = []
        if !modes.isEmpty {
            let copy = directory + "/capture.sqlite"
            try FileManager.default.copyItem(atPath: backlog, toPath: copy)
            let store = try ReadingStore.open(StoreConfiguration(path: copy))
            let capture = try BundleCapture(directory: directory + "/bundles")
            let report = await Forwarder(store: store, transport: capture, mapper: mapper, configuration: configuration).drain()
            try store.close()
            files = capture.files
            let bytes = files.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0) }
            print("captured \(files.count) Bundles (\(report.delivered) readings, \(bytes / 1_048_576) MiB) for curl")
        }

        let what = "\(Fmt.si(Double(count))) readings, Bundles of \(batchSize), loopback reference receiver"
        var forwarderRates: [Double] = []
        var forwarderBusy: [Double] = []
        var curlRates: [CurlPoster.Mode: [Double]] = [:]
        var curlBusy: [CurlPoster.Mode: [Double]] = [:]
        for round in 1...rounds {
            if rounds > 1 { print("round \(round) of \(rounds)") }
            // A fresh copy of the backlog per round: a drain leaves its outbox delivered.
            let drained = directory + "/drain-\(round).sqlite"
            try FileManager.default.copyItem(atPath: backlog, toPath: drained)
            let forwarder = try await forwarderRate(backlog: drained, count: count, mapper: mapper, configuration: configuration)
            forwarderRates.append(forwarder.rate)
            forwarderBusy.append(forwarder.receiverBusy)
            try? FileManager.default.removeItem(atPath: drained)
            for mode in modes {
                let receiver = try await ReceiverProcess(strictPHD: false)
                let receiverCPU = try cpuSeconds(of: receiver)
                let elapsed = try await CurlPoster.post(files, to: receiver.url, mode: mode, workDirectory: directory)
                let busy = (try cpuSeconds(of: receiver) - receiverCPU) / elapsed
                _ = try await checkReceiver(receiver, expectedReadings: count)
                let rate = Double(count) / elapsed
                print("\(mode.label): \(Fmt.fixed(elapsed)) s, \(Fmt.fixed(rate)) readings/s; receiver busy \(Fmt.fixed(busy * 100, 0)) %")
                curlRates[mode, default: []].append(rate)
                curlBusy[mode, default: []].append(busy)
            }
        }
        let roundsNote = rounds > 1 ? ", median of \(rounds) alternated rounds" : ""
        var rows = [BenchRow(
            "Backlog drain", "Forwarder (libcurl, keep-alive, marks each Bundle delivered), " + what + roundsNote,
            "\(Fmt.fixed(BenchSupport.median(forwarderRates), 0)) readings/s" + range(forwarderRates, digits: 0),
            "receiver busy \(busyShare(forwarderBusy)) of the drain")]
        for mode in modes {
            let rates = curlRates[mode] ?? []
            let ratios = zip(forwarderRates, rates).map { $0 / $1 }
            rows.append(BenchRow(
                "Backlog drain", mode.label + ", the same Bundles", "\(Fmt.fixed(BenchSupport.median(rates), 0)) readings/s",
                "forwarder/curl **\(Fmt.ratio(BenchSupport.median(ratios)))**" + range(ratios, digits: 2)
                    + "; receiver busy \(busyShare(curlBusy[mode] ?? []))"))
        }
        return rows
    }

    /// The receiver's CPU time over the transfer's time, as a median percentage: near 100 % the one-threaded
    /// receiver is what limits the rate, and a sender can only match, not beat, another that keeps it as busy.
    static func busyShare(_ shares: [Double]) -> String {
        "\(Fmt.fixed(BenchSupport.median(shares) * 100, 0)) %"
    }

    /// A receiver's user + system CPU seconds so far (/proc).
    static func cpuSeconds(of receiver: ReceiverProcess) throws -> Double {
        guard let pid = receiver.processIdentifier else { throw ValidationError("the benchmark's receiver has no process of its own") }
        return try ProcessSample.take(pid: pid).cpuSeconds
    }

    /// " (rounds a–b)" when there was more than one round.
    static func range(_ values: [Double], digits: Int) -> String {
        guard values.count > 1, let low = values.min(), let high = values.max() else { return "" }
        return " (rounds \(Fmt.fixed(low, digits))–\(Fmt.fixed(high, digits)))"
    }

    /// The forwarder draining the backlog at `backlog` to a fresh receiver, checked: readings per second, and the
    /// share of the drain's time the receiver spent on the CPU.
    static func forwarderRate(
        backlog: String, count: Int, mapper: FHIRMapper, configuration: ForwarderConfiguration
    ) async throws -> (rate: Double, receiverBusy: Double) {
        let receiver = try await ReceiverProcess(strictPHD: false)
        let store = try ReadingStore.open(StoreConfiguration(path: backlog))
        let forwarder = Forwarder(
            store: store, transport: try CurlTransport(endpoint: try EndpointConfiguration(url: receiver.url)),
            mapper: mapper, configuration: configuration)
        let receiverCPU = try cpuSeconds(of: receiver)
        let clock = ContinuousClock()
        let started = clock.now
        let report = await forwarder.drain()
        let elapsed = (clock.now - started).inSeconds
        let busy = (try cpuSeconds(of: receiver) - receiverCPU) / elapsed
        let status = try await store.outboxStatus()
        try store.close()
        let observations = try await checkReceiver(receiver, expectedReadings: count)
        guard report.delivered == count, status.pending == 0, status.parked == 0 else {
            throw ValidationError("the forwarder delivered \(report.delivered) of \(count) (parked \(status.parked))")
        }
        let rate = Double(count) / elapsed
        print("forwarder: \(count) readings (\(observations) Observations) in \(report.bundles) Bundles, "
            + "\(Fmt.fixed(elapsed)) s: \(Fmt.fixed(rate)) readings/s; transient failures \(report.failures); "
            + "receiver busy \(Fmt.fixed(busy * 100, 0)) %")
        return (rate, busy)
    }

    /// A backlog of `count` distinct blood-pressure readings, pending in the outbox.
    static func seed(count: Int, path: String) async throws {
        let store = try ReadingStore.open(StoreConfiguration(path: path))
        let clock = ContinuousClock()
        let started = clock.now
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
        try store.close()  // checkpoints: the file alone is the whole backlog, ready to copy
        print("seeded \(count) readings in \(Fmt.fixed((clock.now - started).inSeconds)) s")
    }

    /// A seeded blood-pressure reading is a panel, a pulse and its coincident-time-stamp Observation (PHD IG 2.0.0:
    /// the hub's time when it received the device's stamp).
    static let observationsPerReading = 3

    /// Every reading arrived exactly once.
    static func checkReceiver(_ receiver: ReceiverProcess, expectedReadings: Int) async throws -> Int {
        let stats = try await receiver.stats()
        let observations = (stats["resources"] as? [String: Int])?["Observation"] ?? 0
        let duplicates = stats["duplicates"] as? Int ?? -1
        let expected = observationsPerReading * expectedReadings
        guard observations == expected, duplicates == 0 else {
            throw ValidationError("the receiver holds \(observations) Observations (expected \(expected)), "
                + "duplicates \(duplicates)")
        }
        return observations
    }
}
