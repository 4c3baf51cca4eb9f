import SystemCrypto
import Foundation

/// The two kinds of JWT the hub signs towards the centre.
enum SignedRequestTokens {
    /// Longest a client assertion may be valid: HelseID refuses assertions valid for more than 60 s.
    static let assertionLifetime: TimeInterval = 60

    /// The `private_key_jwt` client assertion (RFC 7523 §3, OpenID Connect Core §9): issuer and subject are the
    /// client, the audience is the token service, a fresh `jti` each time so that a captured assertion cannot be
    /// replayed.
    static func clientAssertion(_ settings: CentreAuthSettings, now: Date) throws(CentreAuthError) -> String {
        let issuedAt = Int64(now.timeIntervalSince1970.rounded(.down))
        return try settings.key.sign(
            header: ["typ": "JWT"],
            claims: [
                "iss": .string(settings.clientID), "sub": .string(settings.clientID), "aud": .string(settings.audience),
                "iat": .integer(issuedAt), "nbf": .integer(issuedAt),
                "exp": .integer(issuedAt + Int64(assertionLifetime)), "jti": .string(uniqueID()),
            ])
    }

    /// A DPoP proof (RFC 9449 §4.2) for one request: method and target URI, a fresh `jti`, the server's nonce
    /// when it gave one, and for a resource request the hash of the access token it accompanies (`ath`).
    static func dpopProof(
        key: JOSESigningKey, method: HTTPRequest.Method, url: String, now: Date, nonce: String?, accessToken: String?
    ) throws(CentreAuthError) -> String {
        var claims: [String: JSON] = [
            "jti": .string(uniqueID()), "htm": .string(method.rawValue), "htu": .string(ServerClock.targetURI(url)),
            "iat": .integer(Int64(now.timeIntervalSince1970.rounded(.down))),
        ]
        if let nonce { claims["nonce"] = .string(nonce) }
        if let accessToken { claims["ath"] = .string(Base64URL.encode(SHA256.hash(accessToken.utf8))) }
        return try key.sign(header: ["typ": "dpop+jwt", "jwk": .object(key.publicJWK)], claims: claims)
    }

    /// 128 random bits, base64url: unique for any practical purpose, so servers can refuse replays.
    static func uniqueID() -> String {
        var generator = SystemRandomNumberGenerator()
        return Base64URL.encode((0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }
}
