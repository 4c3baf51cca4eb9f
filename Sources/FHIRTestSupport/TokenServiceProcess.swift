public import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The strict OAuth token service (Tests/peers/token_service.py) standing in for HelseID: verifies the hub's
/// private_key_jwt assertions and DPoP proofs and issues short-lived tokens the reference receiver accepts
/// (start the receiver with `receiverArguments`).
public final class TokenServiceProcess: @unchecked Sendable {
    // @unchecked: `process` is only started in init and killed in deinit.
    let process: Process
    public let tokenURL: String
    public let adminPort: Int
    /// The service's public key (PEM), which the receiver verifies tokens with.
    public let issuerKeyFile: String

    public static let script = URL(fileURLWithPath: ReceiverProcess.script)
        .deletingLastPathComponent().appendingPathComponent("token_service.py").path

    /// - Parameters:
    ///   - clientPublicKey: the hub's registered public key (PEM or JWK file).
    ///   - arguments: further options (`--token-lifetime`, `--require-nonce`, `--require-dpop`, `--clock-offset`).
    public init(clientID: String, clientPublicKey: String, directory: URL, arguments: [String] = []) async throws {
        issuerKeyFile = directory.appendingPathComponent("issuer-\(UUID().uuidString.prefix(8)).pub.pem").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script, "--client-id", clientID, "--client-key", clientPublicKey,
                             "--issuer-key-out", issuerKeyFile] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let line = try await ReceiverProcess.firstLine(of: output.fileHandleForReading)
        guard let info = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let tokenURL = info["tokenURL"] as? String, let adminPort = info["adminPort"] as? Int
        else {
            process.terminate()
            throw ReceiverError("the token service did not announce itself: \(line)")
        }
        self.tokenURL = tokenURL
        self.adminPort = adminPort
    }

    deinit {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        let process = self.process
        Thread { process.waitUntilExit() }.start()
    }

    /// Receiver options that make it accept only this service's tokens (DPoP-bound when they are).
    public func receiverArguments(requireNonce: Bool = false, clockOffset: Double = 0) -> [String] {
        ["--token-issuer-key", issuerKeyFile] + (requireNonce ? ["--require-dpop-nonce"] : [])
            + (clockOffset != 0 ? ["--clock-offset", String(clockOffset)] : [])
    }

    func admin(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> [String: Any] {
        guard let url = URL(string: "http://127.0.0.1:\(adminPort)\(path)") else { throw ReceiverError("bad path \(path)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        if let body { request.httpBody = try JSONSerialization.data(withJSONObject: body) }
        let (data, _) = try await URLSession.shared.data(for: request)
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    /// issued, refused, requests, and refusals: [{error, description}].
    public func stats() async throws -> [String: Any] { try await admin("GET", "/stats") }
    public func issued() async throws -> Int { try await stats()["issued"] as? Int ?? -1 }
    public func refusals() async throws -> [String] {
        (try await stats()["refusals"] as? [[String: Any]] ?? []).map { "\($0["error"] ?? ""): \($0["description"] ?? "")" }
    }
    /// Any of tokenLifetime (s), requireNonce, clockOffset (s), clientKey (PEM text of a new registered key).
    public func configure(_ settings: [String: Any]) async throws { _ = try await admin("POST", "/config", settings) }
    /// Answers 503 temporarily_unavailable until `up()`.
    public func down() async throws { _ = try await admin("POST", "/down", [:]) }
    public func up() async throws { _ = try await admin("POST", "/up", [:]) }
}

/// Keys for the hub made with the openssl command line (an implementation independent of the gateway's).
public enum TestKeys {
    public enum Kind: Sendable { case ecP256, rsa2048 }

    /// Writes a private key (mode 0600) and its public half; returns (private, public) paths.
    public static func make(_ kind: Kind, in directory: URL, name: String) throws -> (privateKey: String, publicKey: String) {
        let privateKey = directory.appendingPathComponent("\(name).key.pem").path
        let publicKey = directory.appendingPathComponent("\(name).pub.pem").path
        let generate = kind == .ecP256
            ? ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", privateKey]
            : ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", privateKey]
        try openssl(generate)
        try openssl(["pkey", "-in", privateKey, "-pubout", "-out", publicKey])
        chmod(privateKey, 0o600)
        return (privateKey, publicKey)
    }

    static func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ReceiverError("openssl \(arguments.first ?? "") failed") }
    }
}
