import Foundation
import SystemCrypto

extension JOSESigningKey {
    /// A key from a file's text: PEM (PKCS#8 `PRIVATE KEY`, SEC1 `EC PRIVATE KEY`, PKCS#1 `RSA PRIVATE KEY`) or a
    /// private JWK (as HelseID's self-service portal hands it out; a JWKS holding exactly one key is accepted).
    /// `algorithm` and `keyID` override what a JWK says; without them ES256 is used for P-256 and PS256 for RSA.
    public static func parse(_ text: String, algorithm: JWSAlgorithm?, keyID: String?) throws(CentreAuthError) -> JOSESigningKey {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("-----BEGIN") { return try fromPEM(trimmed, algorithm: algorithm, keyID: keyID) }
        if trimmed.hasPrefix("{") { return try fromJWK(trimmed, algorithm: algorithm, keyID: keyID) }
        throw .key("neither a PEM private key nor a JWK")
    }

    static func fromPEM(_ pem: String, algorithm: JWSAlgorithm?, keyID: String?) throws(CentreAuthError) -> JOSESigningKey {
        guard !pem.contains("ENCRYPTED") else {
            throw .key("the PEM key is encrypted; the daemon has no one to ask for a passphrase (protect it with file modes)")
        }
        if let key = PrivateKey(pem: pem) {
            return try JOSESigningKey(material: Material(key), algorithm: algorithm, keyID: keyID)
        }
        throw .key("the PEM private key is neither an EC P-256 nor an RSA key (or it is damaged)")
    }

    static func fromJWK(_ text: String, algorithm: JWSAlgorithm?, keyID: String?) throws(CentreAuthError) -> JOSESigningKey {
        guard var jwk = (try? JSON.parse(Array(text.utf8), maximumValues: 1000))?.objectValue else {
            throw .key("the JWK is not a JSON object")
        }
        if let keys = jwk["keys"]?.arrayValue {
            guard keys.count == 1, let only = keys[0].objectValue else {
                throw .key("the JWKS holds \(keys.count) keys; give the hub exactly one")
            }
            jwk = only
        }
        func member(_ name: String) throws(CentreAuthError) -> Data {
            guard let text = jwk[name]?.stringValue, let bytes = Base64URL.decode(text), !bytes.isEmpty else {
                throw .key("the JWK has no valid \"\(name)\" member")
            }
            return bytes
        }
        let chosen: JWSAlgorithm?
        if let algorithm { chosen = algorithm } else if let name = jwk["alg"]?.stringValue {
            guard let named = JWSAlgorithm(rawValue: name) else { throw .key("the JWK's alg \(name) is not one of RS256, PS256, ES256") }
            chosen = named
        } else { chosen = nil }
        let kid = keyID ?? jwk["kid"]?.stringValue
        switch jwk["kty"]?.stringValue {
        case "EC":
            guard jwk["crv"]?.stringValue == "P-256" else { throw .key("only EC keys on curve P-256 are supported") }
            guard let key = PrivateKey(p256Scalar: Array(try member("d"))) else {
                throw .key("the JWK's \"d\" is not a P-256 private key")
            }
            let signing = try JOSESigningKey(material: Material(key), algorithm: chosen, keyID: kid)
            // A JWK whose public part belongs to another key would sign assertions the centre cannot verify.
            guard signing.publicJWK["x"]?.stringValue == jwk["x"]?.stringValue,
                  signing.publicJWK["y"]?.stringValue == jwk["y"]?.stringValue
            else { throw .key("the JWK's x/y do not belong to its private key d") }
            return signing
        case "RSA":
            guard let key = PrivateKey(
                rsaModulus: Array(try member("n")), publicExponent: Array(try member("e")),
                privateExponent: Array(try member("d")), prime1: Array(try member("p")), prime2: Array(try member("q")))
            else { throw .key("the JWK's RSA members do not form a valid private key") }
            return try JOSESigningKey(material: Material(key), algorithm: chosen, keyID: kid)
        case nil:
            throw .key("the JWK has no \"kty\"")
        case let other?:
            throw .key("JWK key type \(other) is not supported (EC P-256 or RSA)")
        }
    }
}
