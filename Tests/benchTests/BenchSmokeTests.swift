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

    @Test func triageEvaluatesEveryReadingInItsCommit() async throws {
        let output = try await bench(["triage", "--count", "30", "--rounds", "1"])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("round 1: evaluation CPU median"))
        #expect(output.stdout.contains("Triage evaluation"))
    }

    @Test func drainPostsTheForwardersOwnBundlesWithCurl() async throws {
        // Two rounds: the forwarder and curl alternate, each on a fresh copy of the backlog and a fresh receiver.
        let output = try await bench(["drain", "--count", "120", "--batch-size", "50", "--rounds", "2"])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("captured 3 Bundles (120 readings"))
        #expect(output.stdout.components(separatedBy: "forwarder: 120 readings").count == 1 + 2)
        #expect(output.stdout.contains("median of 2 alternated rounds"))
        #expect(output.stdout.components(separatedBy: "forwarder/curl").count == 1 + 3)
        #expect(output.stdout.components(separatedBy: "(rounds ").count == 1 + 4)
        // The receiver's CPU share beside each transfer: the forwarder's and each curl mode's, each round, and in
        // the table's four rows; each a percentage the receiver's /proc times gave (not a placeholder).
        let shares = output.stdout.components(separatedBy: "receiver busy ").dropFirst()
            .compactMap { Double($0.prefix { $0.isNumber }) }
        let expectedShares = 2 * (1 + 3) + 4
        #expect(shares.count == expectedShares, "\(output.stdout)")
        #expect(shares.allSatisfy { $0 >= 0 && $0 <= 200 }, "\(shares)")
    }

    @Test func latencyFollowsEveryNotificationToTheReceiver() async throws {
        let output = try await bench(["latency", "--samples", "5", "--interval-ms", "10"])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("Notification → Observation committed at the FHIR receiver"))
    }

    @Test func resourcesReportsEveryFigureWithItsTarget() async throws {
        let output = try await bench(
            ["resources", "--settle", "1", "--window", "2", "--after-load-seconds", "4", "--soak-seconds", "10"])
        #expect(output.status == 0, "\(output.stderr)")
        let text = output.stdout
        // One wake-up figure per second of each window, each a count.
        let idle = series(after: "Wake-ups in each second of the idle window: ", in: text)
        let loadEnd = series(after: "Wake-ups in each second of the load's end (from its last notification until its last reading is "
                                 + "at the receiver and its visit is recorded): ", in: text)
        let afterLoad = series(after: "Wake-ups in each second of the 4 s after the load's end: ", in: text)
        #expect(idle?.count == 2, "\(text)")
        // The load's end lasts at least the gateway's 5 s quiet period: the visit ends only after it.
        #expect((loadEnd?.count ?? 0) >= 5, "\(text)")
        #expect(afterLoad?.count == 4, "\(text)")
        #expect(((idle ?? []) + (loadEnd ?? []) + (afterLoad ?? [])).allSatisfy { $0 >= 0 })
        // Every target row, with a sane figure beside its target.
        #expect(text.split(separator: "\n").filter { $0.contains("| Target (issue 16)") }.count == 7, "\(text)")
        #expect(try #require(targetFigure("Idle RSS", in: text)) > 0)
        #expect(try #require(targetFigure("CPU per reading", in: text)) > 0)
        #expect(try #require(targetFigure("Threads, most seen", in: text)) >= 1)
        #expect(try #require(targetFigure("Disk bytes written per reading", in: text)) >= 0)
        // Every reading is committed and its log synced (as synchronous=FULL) before it counts as stored: no syncs
        // means strace missed threads, or the durable commit's sync of the write-ahead log did not happen.
        #expect(try #require(targetFigure("fsync + fdatasync", in: text)) > 0)
        #expect(try #require(targetFigure("Wake-ups/s, worst second", in: text)) >= 0)
        #expect(try #require(targetFigure("RSS slope over the soak", in: text)).isFinite)
        #expect(text.contains("least-squares slope over 2 samples"), "\(text)")
    }

    /// "3, 0, 12" after `label` up to the line's closing full stop, as numbers; nil if the line is missing.
    func series(after label: String, in text: String) -> [Double]? {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(label) }) else { return nil }
        return line.dropFirst(label.count).dropLast().split(separator: ", ").compactMap { Double($0) }
    }

    /// The leading number of the Result cell in the target row whose Measure starts with `measure`.
    func targetFigure(_ measure: String, in text: String) -> Double? {
        for line in text.split(separator: "\n") where line.contains("| Target (issue 16)") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 3, cells[1].hasPrefix(measure) else { continue }
            return cells[2].split(separator: " ").first.flatMap { Double($0.filter { $0 != "/" && !$0.isLetter }) }
        }
        return nil
    }
}
