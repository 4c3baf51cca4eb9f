import ArgumentParser
import Foundation

/// Every benchmark in one run, one table at the end (what README's Performance section records).
struct AllBenchmarks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "all", abstract: "Run every benchmark (release build) and print one table.")

    @Option(help: "Decodes per round and frame.")
    var decodeIterations = 100_000

    @Option(help: "Readings per ingest round.")
    var ingestCount = 2000

    @Option(help: "Ingest rounds.")
    var ingestRounds = 3

    @Option(help: "Directory for the ingest databases (default: a temporary directory). Use the target disk.")
    var directory: String?

    @Option(help: "Readings in the drained backlog.")
    var drainCount = 20_000

    @Option(help: "Drain rounds (forwarder and curl alternated; medians reported).")
    var drainRounds = 3

    @Option(help: "Outbox items per Bundle.")
    var batchSize = 100

    @Option(help: "Latency samples.")
    var latencySamples = 300

    @Option(help: "Seconds per resource window (idle, load counted by strace, timed load).")
    var resourceWindow = 20

    @Option(help: "Seconds of per-second wake-up samples right after the resource load.")
    var afterLoadSeconds = 60

    @Option(help: "Seconds of resource soak at 20 readings/s, RSS every 10 s, for its slope (0: none; e.g. 1800).")
    var soakSeconds = 0

    @Option(help: "Also write the table (with the run's environment) to this Markdown file.")
    var output: String?

    func run() async throws {
        let started = Date()
        let loadBefore = Self.loadAverage()
        var rows: [BenchRow] = []
        section("decode")
        rows += try DecodeBenchmark.measure(iterations: decodeIterations, rounds: 5)
        section("durable ingest")
        let ingest = try await IngestBenchmark.measure(count: ingestCount, rounds: ingestRounds, directory: directory)
        rows += ingest.rows
        section("backlog drain")
        rows += try await DrainBenchmark.measure(
            count: drainCount, batchSize: batchSize, curl: CurlPoster.Mode.allCases, rounds: drainRounds)
        section("latency")
        rows += try await DaemonFixture.with {
            try await LatencyBenchmark.measure(
                $0, samples: latencySamples, interval: .milliseconds(50), poll: .microseconds(250), ingestTransaction: 1 / ingest.storeRate)
        }
        section("daemon resources")
        let resources = try await DaemonFixture.with {
            try await ResourceBenchmark.measure($0, ResourceBenchmark.Settings(
                settle: .seconds(5), window: .seconds(resourceWindow), rate: 20, afterLoad: .seconds(afterLoadSeconds),
                soak: soakSeconds > 0 ? .seconds(soakSeconds) : nil))
        }
        rows += resources.rows

        let elapsed = Int(Date().timeIntervalSince(started))
        let report = Self.environment(started) + "\n\n" + ResultTable.markdown(rows) + "\n\n" + resources.notes.joined(separator: "\n\n")
            + "\n\nAll benchmarks took \(elapsed / 60) min \(elapsed % 60) s; load average (1 min) \(loadBefore) at the start, "
            + "\(Self.loadAverage()) at the end.\n"
        print("\n" + report)
        if let output { try report.write(toFile: output, atomically: true, encoding: .utf8) }
    }

    func section(_ name: String) {
        print("\n== \(name)")
    }

    /// The 1-minute load average: how much else ran on the machine (2 cores) meanwhile.
    static func loadAverage() -> String {
        ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?").split(separator: " ").first.map(String.init) ?? "?"
    }

    /// Date, machine and command, so that a table can be read (and rerun) later.
    static func environment(_ date: Date) -> String {
        let cpu = ((try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "")
            .split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" } ?? "unknown CPU"
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime]
        return "Run \(formatter.string(from: date)) UTC on \(ProcessInfo.processInfo.activeProcessorCount) cores (\(cpu)), "
            + "\(ProcessInfo.processInfo.operatingSystemVersionString); command: `bench "
            + CommandLine.arguments.dropFirst().joined(separator: " ") + "`"
    }
}
