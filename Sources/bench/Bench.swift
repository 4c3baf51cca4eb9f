import ArgumentParser

/// Benchmarks, run by hand (never as timed tests). Later issues add subcommands.
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "DHO Gateway benchmarks.",
        subcommands: [IngestBenchmark.self, DrainBenchmark.self])
}
