import FHIRTestSupport
import Foundation

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
