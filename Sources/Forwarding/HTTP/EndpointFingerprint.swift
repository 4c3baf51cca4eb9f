import Foundation
import SystemCrypto

extension EndpointConfiguration {
    /// A digest of everything that decides how the receiver sees this hub's requests — URL, bearer token, TLS
    /// files (their contents: a renewed certificate counts) — and of the software that builds them. The
    /// forwarder records it with each item it parks; when it differs later, the rejection may not hold any
    /// more and the item is sent again. A digest, so the token never reaches the database.
    /// `credentials`: who the hub says it is to a token service (client id, public key), when it uses one.
    public func fingerprint(softwareVersion: String, credentials: String = "") -> String {
        var fields: [UInt8] = []
        func add(_ bytes: some Sequence<UInt8>) {
            let data = Array(bytes)
            // Length-prefixed so that no two different field lists hash the same.
            fields += Array(String(data.count).utf8) + [0x3A]
            fields += data
        }
        add(softwareVersion.utf8)
        add(url.utf8)
        add((bearerToken?.value ?? "").utf8)
        if !credentials.isEmpty { add(credentials.utf8) }
        for path in [tls.caFile, tls.clientCertificate, tls.clientKey] {
            add((path ?? "").utf8)
            add(path.flatMap { FileManager.default.contents(atPath: $0) } ?? Data())
        }
        return "sha256:" + SHA256.hash(fields).prefix(16).map { String(format: "%02x", $0) }.joined()
    }
}
