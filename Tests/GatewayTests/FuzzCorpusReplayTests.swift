import Foundation
import GatewayTestSupport
import TestSupport
import Testing

/// Every fuzz target's seeds, the inputs that once crashed a target (`regression-*`) included, replayed through
/// the normal (debug) build of dho-fuzz: no trap and no violated property, with Swift's overflow and bounds
/// checks on. scripts/fuzz explores from these seeds; this keeps them passing between fuzzing runs.
@Suite struct FuzzCorpusReplayTests {
    static let corpus = GatewayHarness.repository.appendingPathComponent("Tests/Fuzz/corpus")

    static func dhoFuzz(_ arguments: [String]) async throws -> CommandOutput {
        try await ProcessRunner.run(try BuiltProducts.executable(named: "dho-fuzz"), arguments,
                                    environment: ["SWIFT_BACKTRACE": "enable=no"],
                                    workingDirectory: FileManager.default.temporaryDirectory)
    }

    static var targets: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: corpus.path)) ?? []).sorted()
    }

    @Test func everyTargetHasSeedsAndEverySeedDirectoryATarget() async throws {
        let usage = try await Self.dhoFuzz([])
        #expect(usage.status == 64)
        let line = try #require(usage.stderr.split(separator: "\n").first { $0.hasPrefix("targets: ") })
        let known = line.dropFirst("targets: ".count).split(separator: ", ").map(String.init).sorted()
        #expect(known == Self.targets)
        for target in Self.targets {
            let seeds = try FileManager.default.contentsOfDirectory(atPath: Self.corpus.appendingPathComponent(target).path)
            #expect(seeds.count >= 2, "\(target) has too few seeds")
        }
    }

    @Test(arguments: targets)
    func seedsReplayWithoutAFailure(_ target: String) async throws {
        let output = try await Self.dhoFuzz([target, Self.corpus.appendingPathComponent(target).path])
        #expect(output.status == 0, "\(target): \(output.stderr.prefix(2000))")
        #expect(output.stdout.contains("through \(target) without a failure"))
    }
}
