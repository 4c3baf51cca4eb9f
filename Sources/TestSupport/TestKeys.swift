public import Foundation
#if canImport(Glibc)
import Glibc
#endif

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
        // A minute: at the start of a full run, with every suite starting its peers at once, an openssl that
        // needs a second alone has been seen to take over ten.
        let status = ProcessExit.status(of: process, timeout: .seconds(60))
        guard status == 0 else {
            // Which of the two it was: a flake seen once in a full run said only "failed".
            let how = status.map { "exited with status \($0)" } ?? "was not seen to exit within 60 s"
            throw KeyError(description: "openssl \(arguments.joined(separator: " ")) \(how)")
        }
    }
}

public struct KeyError: Error, CustomStringConvertible {
    public let description: String
}
