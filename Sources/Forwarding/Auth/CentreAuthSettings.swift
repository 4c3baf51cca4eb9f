import Foundation

/// How the hub proves who it is to the centre: OAuth 2.0 client credentials with a `private_key_jwt` client
/// assertion (RFC 7523, as HelseID requires), optionally with DPoP-bound tokens (RFC 9449).
public struct CentreAuthSettings: Sendable, CustomStringConvertible {
    /// Where tokens come from; a separate endpoint (and TLS trust) from the FHIR server.
    public let tokenEndpoint: EndpointConfiguration
    public let clientID: String
    /// The assertion's `aud`: the token service (HelseID: its issuer or token endpoint URL).
    public let audience: String
    public let scopes: [String]
    public let key: JOSESigningKey
    /// Ask for DPoP-bound tokens and prove possession on every request.
    public let dpop: Bool

    public init(
        tokenEndpoint: EndpointConfiguration, clientID: String, audience: String? = nil, scopes: [String],
        key: JOSESigningKey, dpop: Bool
    ) throws(ForwardingError) {
        guard !clientID.isEmpty, clientID.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }) else {
            throw .configuration("the client id must be non-empty printable ASCII without spaces")
        }
        for scope in scopes where scope.isEmpty || !scope.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) && $0 != "\"" && $0 != "\\" }) {
            throw .configuration("the scope \"\(scope)\" is not a valid OAuth scope token")
        }
        self.tokenEndpoint = tokenEndpoint
        self.clientID = clientID
        self.audience = audience ?? tokenEndpoint.url
        self.scopes = scopes
        self.key = key
        self.dpop = dpop
    }

    /// What decides how the centre sees the hub's requests, for the parked-item fingerprint (no secret: the
    /// key's public half only).
    public var identityText: String {
        let jwk = JSON.object(key.publicJWK).serialized()
        return [tokenEndpoint.url, clientID, audience, scopes.joined(separator: " "), dpop ? "dpop" : "bearer",
                String(decoding: jwk, as: UTF8.self)].joined(separator: "\n")
    }

    public var description: String {
        "private_key_jwt client \(clientID) at \(tokenEndpoint.url) (\(key.algorithm.rawValue)\(dpop ? ", DPoP" : ""))"
    }
}
