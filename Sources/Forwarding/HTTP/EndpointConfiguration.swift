import Foundation

/// A bearer token for the receiver. Redacted in every description; sent only in the Authorization header.
public struct BearerToken: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    let value: String

    public init(_ value: String) throws(ForwardingError) {
        guard !value.isEmpty, value.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }) else {
            throw .configuration("the bearer token must be non-empty printable ASCII without spaces")
        }
        self.value = value
    }

    public var description: String { "BearerToken(redacted)" }
    public var debugDescription: String { description }
}

/// TLS material. Peer and host-name verification are always on; there is deliberately no switch to turn
/// them off. Without `caFile` the system trust store is used.
public struct TLSOptions: Sendable, Hashable {
    /// PEM file of the CA certificate(s) that sign the receiver's certificate.
    public var caFile: String?
    /// PEM client certificate, for receivers that require mutual TLS.
    public var clientCertificate: String?
    /// PEM private key of the client certificate (when not in the certificate file).
    public var clientKey: String?

    public init(caFile: String? = nil, clientCertificate: String? = nil, clientKey: String? = nil) {
        self.caFile = caFile
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
    }
}

/// Where and how to reach the FHIR receiver, validated when it is built so a bad setting fails at startup
/// with a clear message, not at the first delivery.
public struct EndpointConfiguration: Sendable, Hashable {
    /// The FHIR base URL; transaction Bundles are POSTed to it.
    public let url: String
    public let tls: TLSOptions
    public let bearerToken: BearerToken?
    public let connectTimeout: Duration
    /// Whole-request timeout (connect, send, server processing, receive).
    public let requestTimeout: Duration

    /// - Throws: `ForwardingError.configuration` for a malformed URL, a scheme other than https (http is
    ///   accepted only to a loopback host: 127.0.0.0/8, ::1, localhost), credentials in the URL, unreadable
    ///   TLS files or non-positive timeouts.
    public init(
        url: String, tls: TLSOptions = TLSOptions(), bearerToken: BearerToken? = nil,
        connectTimeout: Duration = .seconds(10), requestTimeout: Duration = .seconds(60)
    ) throws(ForwardingError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              let host = components.host, !host.isEmpty
        else { throw .configuration("the FHIR endpoint \"\(url)\" is not an absolute URL") }
        guard components.user == nil, components.password == nil else {
            throw .configuration("the FHIR endpoint URL must not contain credentials; use the bearer token setting")
        }
        guard components.fragment == nil else { throw .configuration("the FHIR endpoint URL must not have a fragment") }
        switch scheme {
        case "https":
            break
        case "http":
            guard Self.isLoopback(host: host) else {
                throw .configuration(
                    "refusing http:// to \(host): health data is only sent over https (http is allowed to loopback only)")
            }
        default:
            throw .configuration("the FHIR endpoint must use https (got \(scheme)://)")
        }
        for (name, path) in [("CA file", tls.caFile), ("client certificate", tls.clientCertificate),
                             ("client key", tls.clientKey)]
        {
            if let path, !FileManager.default.isReadableFile(atPath: path) {
                throw .configuration("the TLS \(name) \(path) does not exist or is not readable")
            }
        }
        if tls.clientKey != nil, tls.clientCertificate == nil {
            throw .configuration("a TLS client key was given without a client certificate")
        }
        guard connectTimeout > .zero, requestTimeout > .zero else {
            throw .configuration("timeouts must be positive")
        }
        self.url = url
        self.tls = tls
        self.bearerToken = bearerToken
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
    }

    /// 127.0.0.0/8, ::1 (bracketed or not) and localhost.
    static func isLoopback(host: String) -> Bool {
        var name = host.lowercased()
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if name == "localhost" || name == "::1" || name == "0:0:0:0:0:0:0:1" { return true }
        let octets = name.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return false }
        let values = octets.compactMap { UInt8($0) }
        return values.count == 4 && values[0] == 127
    }
}
