import ArgumentParser
#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// Benchmarks, run by hand or by scripts/bench (never as timed tests).
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "DHO Gateway benchmarks.",
        subcommands: [
            DecodeBenchmark.self, IngestBenchmark.self, TriageBenchmark.self, DrainBenchmark.self, LatencyBenchmark.self, ResourceBenchmark.self,
            AllBenchmarks.self,
        ])

    static func main() async {
        // Progress lines appear as they happen also when the output goes to a file (runs take minutes).
        setvbuf(stdout, nil, _IOLBF, 0)
        await main(nil)
    }
}
