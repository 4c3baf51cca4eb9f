import Foundation
import GatewayTestSupport
import TestSupport
import Testing

/// Tiny runs of the built `bench`, so the benchmarks cannot rot: they exercise their real paths (the codecs
/// over the fuzz corpus, the forwarder's own Bundles posted by curl to the reference receiver, the daemon on the
/// simulator watched through its database and the receiver's creation times), and each benchmark checks its
/// own results (every reading arrived once, every sample was stored and forwarded) and fails otherwise.
/// Nothing here looks at how long anything took.
@Suite struct BenchSmokeTests {
    func bench(_ arguments: [String]) async throws -> CommandOutput {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dho-bench-smoke-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        return try await ProcessRunner.run(try BuiltProducts.executable(named: "bench"), arguments, workingDirectory: directory)
    }

    @Test func decodeCoversEveryMeasurementCharacteristicAndAnError() async throws {
        let output = try await bench(["decode", "--iterations", "10", "--rounds", "1"])
        #expect(output.status == 0, "\(output.stderr)")
        for characteristic in ["2A35", "2A36", "2B34", "2A5E", "2A5F", "2A18", "2A34", "2A9D", "2A9C", "2A1C", "2A1E"] {
            #expect(output.stdout.contains("(\(characteristic))"), "\(characteristic)")
        }
        #expect(output.stdout.contains("2a35-bp-all-nan-error"))
        #expect(output.stdout.contains("(DecodeError)"))
    }

    @Test func drainPostsTheForwardersOwnBundlesWithCurl() async throws {
        let output = try await bench(["drain", "--count", "120", "--batch-size", "50"])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("captured 3 Bundles (120 readings"))
        #expect(output.stdout.components(separatedBy: "forwarder/curl").count == 1 + 3)
    }

    @Test func latencyFollowsEveryNotificationToTheReceiver() async throws {
        let output = try await bench(["latency", "--samples", "5", "--interval-ms", "10"])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("Notification → Observation committed at the FHIR receiver"))
    }
}
