import ArgumentParser
import FHIRModel
import Foundation
import GatewayTestSupport
#if canImport(Glibc)
import Glibc
#endif
import HealthProfiles
import ReadingStore
import Triage

/// The CPU of triage's evaluation of one reading, inside the reading's own commit as the gateway runs it
/// (`ReadingStore.ingest(_:thenInTheSameCommit:)` with `Triage.evaluate(in:…)`): the COPD template, SpO2 and pulse
/// spot-checks 50 ms apart (as `bench resources` sends them), green, the habitual value still collecting. Only the
/// evaluation is timed, by the writer thread's own CPU clock, so the commit's fsync and the machine's other load
/// do not count.
struct TriageBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "triage", abstract: "CPU of triage's evaluation per reading (build with -c release).")

    @Option(help: "Readings per round.")
    var count = 2000

    @Option(help: "Rounds, each on a new database; the median of each round's median is reported.")
    var rounds = 3

    func run() async throws {
        var medians: [Double] = []
        for round in 1...max(1, rounds) {
            let root = try BenchSupport.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: root) }
            let microseconds = try await Self.measure(count: count, path: root + "/triage.sqlite")
            let median = BenchSupport.median(microseconds)
            medians.append(median)
            let mean = microseconds.reduce(0, +) / Double(max(1, microseconds.count))
            print("  round \(round): evaluation CPU median \(Fmt.fixed(median, 1)) µs, mean \(Fmt.fixed(mean, 1)) µs per reading")
        }
        ResultTable.print([BenchRow(
            "Triage evaluation", "\(count) SpO2 + pulse readings × \(max(1, rounds)) rounds, COPD template, in the reading's commit",
            "\(Fmt.fixed(BenchSupport.median(medians), 1)) µs CPU per reading (median)")])
    }

    /// Thread CPU time of each evaluation, in microseconds.
    static func measure(count: Int, path: String) async throws -> [Double] {
        let store = try ReadingStore.open(StoreConfiguration(path: path), migrations: Triage.storeMigrations)
        defer { try? store.close() }
        let triage = try await Triage(
            store: store, configuration: TriageConfiguration(subjectReference: "Patient/bench"), outbox: DiscardingOutbox())
        let template = GatewayHarness.repository.appendingPathComponent("profiles/care/copd.yaml")
        _ = try await triage.installPlanIfNeeded(
            try CarePlanDocument.load(template: template), installedBy: "technician-bench", source: "copd.yaml")
        var microseconds: [Double] = []
        microseconds.reserveCapacity(count)
        let start = Date()
        for index in 0..<count {
            let measuredAt = start.addingTimeInterval(Double(index) * 0.05)
            let reading = spotCheck(index)
            let request = IngestRequest(
                reading: reading, rawFrame: [0x00, 0x60, 0x00, 0x48, 0x00], sensor: BenchSupport.sensor,
                receivedAt: measuredAt, measuredAt: measuredAt, held: true)
            let (_, followed) = try await store.ingest(request) { unit, outcome in
                let before = threadCPUSeconds()
                let result = try triage.evaluate(
                    in: unit, readingID: outcome.readingID.rawValue, measuredAt: measuredAt, reading: reading)
                return (cpu: (threadCPUSeconds() - before) * 1e6, outcome: result.outcome)
            }
            let evaluation = try followed.get()
            guard evaluation.outcome == .zone(.green) else {
                throw ValidationError("reading \(index) was triaged \(evaluation.outcome), not green")
            }
            microseconds.append(evaluation.cpu)
        }
        // Every reading was triaged and released in its commit.
        guard try await store.heldReadings(after: nil, limit: 1).isEmpty else {
            throw ValidationError("readings are still held after their evaluation")
        }
        return microseconds
    }

    /// SpO2 95–99 %, pulse 60–99 /min: the values `bench resources` sends.
    static func spotCheck(_ index: Int) -> Reading {
        Reading(kind: .spotCheckOximetry, characteristic: 0x2A5E, components: [
            ReadingComponent(.oxygenSaturation, .number(DecimalNumber(95 + index % 5)), .percent),
            ReadingComponent(.pulseRate, .number(DecimalNumber(60 + index / 5 % 40)), .perMinute),
        ])
    }

    static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// Alert Flags are not what is measured (the readings are green).
    struct DiscardingOutbox: AlertOutbox {
        func enqueue(_ entry: BundleEntry, key: String, in unit: StoreUnitOfWork) throws {}
    }
}
