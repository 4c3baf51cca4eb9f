import Foundation
import GatewayTestSupport
import HealthProfiles

/// Posts Bundle files to a FHIR endpoint with the curl command-line tool, the way an administrator would
/// script it: the reference for the forwarder's drain rate.
///
/// The request headers are the forwarder's (FHIR JSON, no `Expect: 100-continue`, which would add a round trip
/// per Bundle). curl only checks the HTTP status, not each entry's result as the forwarder does, and records
/// nothing: it is the transfer alone.
enum CurlPoster {
    enum Mode: CaseIterable, Hashable {
        /// `for f in …; do curl …; done`: a new process and connection per Bundle.
        case processPerBundle
        /// One curl with a `next` section per Bundle: one process, requests one after another on one
        /// kept-alive connection — what the forwarder does.
        case keepAlive
        /// One curl with `--parallel`: concurrent requests, which the forwarder never makes (it keeps the
        /// outbox order and one batch in flight), so not like for like.
        case parallel(Int)

        static let allCases: [Mode] = [.processPerBundle, .keepAlive, .parallel(2)]

        var label: String {
            switch self {
            case .processPerBundle: "curl, one process per Bundle (shell loop)"
            case .keepAlive: "curl, one process, keep-alive (--next per Bundle)"
            case let .parallel(count): "curl --parallel --parallel-max \(count) (concurrent: not like for like)"
            }
        }
    }

    static let headers = ["Content-Type: application/fhir+json", "Accept: application/fhir+json", "Expect:"]

    /// Posts every file and returns the elapsed seconds; throws unless every answer was 200.
    static func post(_ files: [String], to url: String, mode: Mode, workDirectory: String) async throws -> Double {
        let codes = workDirectory + "/curl-codes-\(UUID().uuidString.prefix(8))"
        let arguments: [String]
        switch mode {
        case .processPerBundle:
            let list = workDirectory + "/bundles.list"
            try files.joined(separator: "\n").appending("\n").write(toFile: list, atomically: true, encoding: .utf8)
            let headerOptions = headers.map { "-H '\($0)'" }.joined(separator: " ")
            let loop = "while read -r f; do curl -sS -o /dev/null -w '%{http_code}\\n' \(headerOptions) "
                + "--data-binary @\"$f\" '\(url)' >> '\(codes)' || exit 1; done < '\(list)'"
            arguments = ["sh", "-c", loop]
        case .keepAlive, .parallel:
            let config = workDirectory + "/curl.config"
            try configuration(files, url: url).write(toFile: config, atomically: true, encoding: .utf8)
            var options = ["curl", "-sS", "--config", config]
            if case let .parallel(count) = mode { options += ["--parallel", "--parallel-max", "\(count)"] }
            arguments = ["sh", "-c", options.map { "'\($0)'" }.joined(separator: " ") + " > '\(codes)'"]
        }
        let clock = ContinuousClock()
        let started = clock.now
        let output = try await BenchSupport.run(arguments, in: workDirectory)
        let elapsed = (clock.now - started).inSeconds
        guard output.status == 0 else { throw CurlFailed(description: "curl failed (\(output.status)): \(output.stderr)") }
        let answers = ((try? String(contentsOfFile: codes, encoding: .utf8)) ?? "").split(separator: "\n")
        guard answers.count == files.count, answers.allSatisfy({ $0 == "200" }) else {
            throw CurlFailed(description: "expected \(files.count) answers 200, got \(answers.count): \(Set(answers))")
        }
        return elapsed
    }

    /// A curl config file with one section per Bundle (options reset at each `next`).
    static func configuration(_ files: [String], url: String) -> String {
        files.map { file in
            (["url = \"\(url)\"", "data-binary = \"@\(file)\"", "output = \"/dev/null\"", "write-out = \"%{http_code}\\n\""]
                + headers.map { "header = \"\($0)\"" }).joined(separator: "\n")
        }.joined(separator: "\nnext\n") + "\n"
    }

    struct CurlFailed: Error, CustomStringConvertible {
        let description: String
    }
}
