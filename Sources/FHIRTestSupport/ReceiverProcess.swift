import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The reference FHIR receiver (Tests/peers/fhir_receiver.py) as a subprocess on loopback, on ports the
/// kernel picked, with its admin endpoint for inspection and fault injection. Shared by the test targets
/// that deliver to it (ForwardingTests, TriageTests).
public final class ReceiverProcess: @unchecked Sendable {
    // @unchecked: `life` is only set in init and ended in deinit.
    private let life: Life
    public let port: Int
    public let adminPort: Int
    public let scheme: String

    /// What keeps the receiver running, and what deinit ends.
    private enum Life {
        /// A python3 of its own (benchmarks: non-strict).
        case process(Process)
        /// Forked by the test process's `ReceiverZygote`: it exits when this connection closes.
        case lifeLine(Int32)
    }

    /// Tests/peers/fhir_receiver.py, found from this file's place in the source tree.
    public static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Tests/peers/fhir_receiver.py").path

    /// Starts the receiver with `arguments` (e.g. `--cert`, `--token`) and waits for its announcement line.
    /// `strictPHD` (the default for tests) makes it answer 422 to a Bundle with a resource that violates FHIR R4,
    /// the R4 vital-signs profiles or the PHD IG 2.0.0 rules (Tests/peers/phd_conformance.py); benchmarks turn it
    /// off so that they measure the gateway, not the checker. A strict receiver is forked by the test process's
    /// pre-loaded receiver (`ReceiverZygote`); a non-strict one, which loads little, is a python3 of its own, so
    /// that a benchmark's receiver shares no memory or start-up with anything else.
    public init(arguments: [String] = [], strictPHD: Bool = true) async throws {
        let line: String
        if strictPHD {
            let (announcement, lifeLine) = try await ReceiverZygote.shared().spawn(arguments: arguments + ["--strict-phd"])
            life = .lifeLine(lifeLine)
            line = announcement
        } else {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", Self.script] + arguments
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            life = .process(process)
            line = try await Self.firstLine(of: output.fileHandleForReading)
        }
        guard let data = line.data(using: .utf8),
              // try?, so that an announcement that is not JSON ends the receiver below instead of leaking it.
              let info = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let port = info["port"] as? Int, let adminPort = info["adminPort"] as? Int,
              let scheme = info["scheme"] as? String
        else {
            Self.end(life)
            throw ReceiverError("the receiver did not announce its ports: \(line)")
        }
        self.port = port
        self.adminPort = adminPort
        self.scheme = scheme
    }

    deinit { Self.end(life) }

    private static func end(_ life: Life) {
        switch life {
        case .lifeLine(let connection):
            close(connection)
        case .process(let process):
            guard process.isRunning else { return }
            kill(process.processIdentifier, SIGKILL)
            // Reap it off the concurrency pool: deinit may run on one of its (few) threads.
            Thread { process.waitUntilExit() }.start()
        }
    }

    /// The receiver's process id when it is a python3 of its own (a benchmark reads its CPU time: is the receiver
    /// what limits a drain?); nil when the test process's zygote forked it.
    public var processIdentifier: Int32? {
        if case let .process(process) = life { process.processIdentifier } else { nil }
    }

    /// The FHIR base URL.
    public var url: String { "\(scheme)://127.0.0.1:\(port)/fhir" }

    /// Reads the announcement line on a dedicated thread: the read blocks, and the concurrency pool must not.
    static func firstLine(
        of handle: FileHandle,
        whenMissing: String = "the receiver exited before it started (strict mode needs fhir.resources: scripts/ensure-deps)"
    ) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                var bytes: [UInt8] = []
                while true {
                    let chunk = handle.readData(ofLength: 1)
                    if chunk.isEmpty {
                        continuation.resume(throwing: ReceiverError(whenMissing))
                        return
                    }
                    if chunk.first == 0x0A { break }
                    bytes.append(contentsOf: chunk)
                }
                continuation.resume(returning: String(decoding: bytes, as: UTF8.self))
            }.start()
        }
    }

    // MARK: Admin endpoint

    public func admin(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> Any {
        guard let url = URL(string: "http://127.0.0.1:\(adminPort)\(path)") else {
            throw ReceiverError("bad admin path \(path)")
        }
        var request = URLRequest(url: url)
        request.httpMethod = method
        if let body { request.httpBody = try JSONSerialization.data(withJSONObject: body) }
        let (data, _) = try await URLSession.shared.data(for: request)
        return try JSONSerialization.jsonObject(with: data)
    }

    public func stats() async throws -> [String: Any] {
        try await admin("GET", "/stats") as? [String: Any] ?? [:]
    }

    public func stat(_ name: String) async throws -> Int {
        try await stats()[name] as? Int ?? -1
    }

    /// "system|value" -> number of times a resource with that identifier was created.
    public func identifiers(_ type: String = "Observation") async throws -> [String: Int] {
        try await admin("GET", "/identifiers?type=\(type)") as? [String: Int] ?? [:]
    }

    /// "system|value" -> when (Unix time, seconds) the receiver committed the first creation of a resource with
    /// that identifier: the end point of the benchmarks' notification-to-forwarded latency.
    public func creationTimes(_ type: String = "Observation") async throws -> [String: Double] {
        try await admin("GET", "/created?type=\(type)") as? [String: Double] ?? [:]
    }

    /// "system|value" -> number of times a resource with that identifier was updated (conditional PUT on an
    /// existing resource).
    public func updates(_ type: String) async throws -> [String: Int] {
        try await admin("GET", "/updates?type=\(type)") as? [String: Int] ?? [:]
    }

    /// Strict mode: the diagnostics ("entry N Type: rule: message") of every Bundle answered with 422.
    public func violations() async throws -> [String] {
        try await admin("GET", "/violations") as? [String] ?? []
    }

    public func resources(_ type: String) async throws -> [[String: Any]] {
        try await admin("GET", "/resources?type=\(type)") as? [[String: Any]] ?? []
    }

    public func inject(_ script: [[String: Any]] = [], rejectIdentifiers: [String] = []) async throws {
        _ = try await admin("POST", "/faults", ["script": script, "rejectIdentifiers": rejectIdentifiers])
    }

    /// Publishes a care plan as the centre's FHIR server holds it once ordered and verified there: the CarePlan as
    /// its next version, and its Provenance (targeting that version unless it names a target). Returns
    /// "CarePlan/<id>/_history/<version>".
    public func publish(carePlan: [String: Any], provenance: [String: Any]?) async throws -> String {
        var body: [String: Any] = ["carePlan": carePlan]
        if let provenance { body["provenance"] = provenance }
        return (try await admin("POST", "/publish", body) as? [String: Any])?["reference"] as? String ?? ""
    }

    /// planSearches, planNotModified.
    public func planStats() async throws -> [String: Int] {
        try await admin("GET", "/plan-stats") as? [String: Int] ?? [:]
    }

    /// Stops listening on the FHIR port: connections are refused until `up()`.
    public func down() async throws { _ = try await admin("POST", "/down", [:]) }
    public func up() async throws { _ = try await admin("POST", "/up", [:]) }
}

public struct ReceiverError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
