import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The reference FHIR receiver (Tests/peers/fhir_receiver.py) as a subprocess on loopback, on ports the
/// kernel picked, with its admin endpoint for inspection and fault injection.
final class ReceiverProcess: @unchecked Sendable {
    // @unchecked: `process` is only started in init and terminated in deinit.
    let process: Process
    let port: Int
    let adminPort: Int
    let scheme: String

    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("peers/fhir_receiver.py").path

    init(arguments: [String] = []) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let line = try await Self.firstLine(of: output.fileHandleForReading)
        guard let data = line.data(using: .utf8),
              let info = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let port = info["port"] as? Int, let adminPort = info["adminPort"] as? Int,
              let scheme = info["scheme"] as? String
        else {
            process.terminate()
            throw ReceiverError("the receiver did not announce its ports: \(line)")
        }
        self.port = port
        self.adminPort = adminPort
        self.scheme = scheme
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    var url: String { "\(scheme)://127.0.0.1:\(port)/fhir" }

    static func firstLine(of handle: FileHandle) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                var bytes: [UInt8] = []
                while true {
                    let chunk = handle.readData(ofLength: 1)
                    if chunk.isEmpty {
                        continuation.resume(throwing: ReceiverError("the receiver exited before it started"))
                        return
                    }
                    if chunk.first == 0x0A { break }
                    bytes.append(contentsOf: chunk)
                }
                continuation.resume(returning: String(decoding: bytes, as: UTF8.self))
            }
        }
    }

    // MARK: Admin endpoint

    func admin(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> Any {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(adminPort)\(path)")!)
        request.httpMethod = method
        if let body { request.httpBody = try JSONSerialization.data(withJSONObject: body) }
        let (data, _) = try await URLSession.shared.data(for: request)
        return try JSONSerialization.jsonObject(with: data)
    }

    func stats() async throws -> [String: Any] {
        try await admin("GET", "/stats") as? [String: Any] ?? [:]
    }

    func stat(_ name: String) async throws -> Int {
        try await stats()[name] as? Int ?? -1
    }

    /// "system|value" -> number of times a resource with that identifier was created.
    func identifiers(_ type: String = "Observation") async throws -> [String: Int] {
        try await admin("GET", "/identifiers?type=\(type)") as? [String: Int] ?? [:]
    }

    func resources(_ type: String) async throws -> [[String: Any]] {
        try await admin("GET", "/resources?type=\(type)") as? [[String: Any]] ?? []
    }

    func inject(_ script: [[String: Any]] = [], rejectIdentifiers: [String] = []) async throws {
        _ = try await admin("POST", "/faults", ["script": script, "rejectIdentifiers": rejectIdentifiers])
    }

    func down() async throws { _ = try await admin("POST", "/down", [:]) }
    func up() async throws { _ = try await admin("POST", "/up", [:]) }
}

struct ReceiverError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs a command line tool and fails with its output when it fails.
func run(_ executable: String, _ arguments: [String], in directory: String? = nil) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw ReceiverError("\(executable) \(arguments.joined(separator: " ")) failed: \(String(decoding: data, as: UTF8.self))")
    }
}

/// A throwaway PKI made with the openssl CLI: a CA, a server certificate for 127.0.0.1/localhost signed by
/// it, a client certificate signed by it, and an unrelated CA.
struct TestPKI {
    /// Kept so the directory lives as long as the certificates are used.
    let storage = TemporaryDirectory()
    var directory: String { storage.path }
    var caFile: String { directory + "/ca.pem" }
    var otherCAFile: String { directory + "/other-ca.pem" }
    var serverCertificate: String { directory + "/server.pem" }
    var serverKey: String { directory + "/server.key" }
    var clientCertificate: String { directory + "/client.pem" }
    var clientKey: String { directory + "/client.key" }

    init() throws {
        let openssl = "/usr/bin/env"
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        for ca in ["ca", "other-ca"] {
            try run(openssl, ["openssl", "req", "-x509"] + key + ["-keyout", "\(ca).key", "-out", "\(ca).pem", "-days", "2",
                                                     "-subj", "/CN=DHO test \(ca)"], in: directory)
        }
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\n".write(
            toFile: directory + "/server.ext", atomically: true, encoding: .utf8)
        for (name, subject, extra) in [("server", "/CN=localhost", ["-extfile", "server.ext"]),
                                       ("client", "/CN=dho-gateway", [])]
        {
            try run(openssl, ["openssl", "req"] + key + ["-keyout", "\(name).key", "-out", "\(name).csr", "-subj", subject],
                    in: directory)
            try run(openssl, ["openssl", "x509", "-req", "-in", "\(name).csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                              "-CAcreateserial", "-out", "\(name).pem", "-days", "2"] + extra, in: directory)
        }
    }
}
