// The hub's private key for signed JWTs (RFC 7515 compact JWS): the client assertion of `private_key_jwt` and
// the DPoP proofs. The signatures themselves are swift-crypto's (P256.Signing, _CryptoExtras' _RSA.Signing);
// only the compact framing (base64url of two JSON objects and the signature) is written here. Why not
// vapor/jwt-kit: its current releases require swift-crypto 4 and swift-certificates, which would add minutes
// to every clean build and CI run for three lines of framing, and the project already depends on
// swift-crypto for the primitives that matter.

import Crypto
public import Foundation
import _CryptoExtras

/// The signature algorithms HelseID accepts for client assertions and DPoP proofs.
public enum JWSAlgorithm: String, Sendable, CaseIterable {
    case rs256 = "RS256"
    case ps256 = "PS256"
    case es256 = "ES256"
}

/// A private key and the algorithm it signs with. Never printed: its description is redacted.
public struct JOSESigningKey: Sendable, CustomStringConvertible {
    /// Kept as bytes and made into swift-crypto's key type at each use: those types are not Sendable in the
    /// swift-crypto release the project builds with, and a key is used a few times an hour.
    enum Material: Sendable {
        /// The P-256 private scalar.
        case ellipticCurve(Data)
        /// The RSA private key, PKCS#1 DER.
        case rsa(Data)

        static func ellipticCurve(_ key: P256.Signing.PrivateKey) -> Material { .ellipticCurve(key.rawRepresentation) }
        static func rsa(_ key: _RSA.Signing.PrivateKey) -> Material { .rsa(key.derRepresentation) }
    }

    let material: Material
    public let algorithm: JWSAlgorithm
    /// The `kid` header: which of the client's registered keys this is.
    public let keyID: String?

    public var description: String { "JOSESigningKey(\(algorithm.rawValue), redacted)" }

    init(material: Material, algorithm: JWSAlgorithm?, keyID: String?) throws(CentreAuthError) {
        switch (material, algorithm) {
        case (.ellipticCurve, nil), (.ellipticCurve, .es256?):
            self.algorithm = .es256
        case let (.rsa(der), nil):
            let bits = (try? _RSA.Signing.PrivateKey(derRepresentation: der))?.keySizeInBits ?? 0
            guard bits >= 2048 else { throw .key("the RSA key has \(bits) bits; at least 2048 are required") }
            self.algorithm = .ps256
        case let (.rsa(der), chosen?) where chosen != .es256:
            // NIST and HelseID both ask for at least 2048-bit RSA keys.
            let bits = (try? _RSA.Signing.PrivateKey(derRepresentation: der))?.keySizeInBits ?? 0
            guard bits >= 2048 else { throw .key("the RSA key has \(bits) bits; at least 2048 are required") }
            self.algorithm = chosen
        case let (.ellipticCurve, chosen?):
            throw .key("an EC P-256 key signs ES256, not \(chosen.rawValue)")
        case let (.rsa, chosen?):
            throw .key("an RSA key cannot sign \(chosen.rawValue)")
        }
        self.material = material
        self.keyID = keyID
    }

    /// A new P-256 key that lives only in memory (the DPoP key: tokens bound to it die with the process).
    public static func ephemeralP256() -> JOSESigningKey {
        JOSESigningKey(unchecked: .ellipticCurve(P256.Signing.PrivateKey()), algorithm: .es256)
    }

    private init(unchecked material: Material, algorithm: JWSAlgorithm) {
        self.material = material
        self.algorithm = algorithm
        keyID = nil
    }

    /// Compact JWS: `base64url(header).base64url(claims).base64url(signature)`; `alg` (and `kid` when known) are
    /// added to the header.
    public func sign(header: [String: JSON], claims: [String: JSON]) throws(CentreAuthError) -> String {
        var protected = header
        protected["alg"] = .string(algorithm.rawValue)
        if let keyID, protected["kid"] == nil { protected["kid"] = .string(keyID) }
        let signingInput = Base64URL.encode(JSON.object(protected).serialized()) + "."
            + Base64URL.encode(JSON.object(claims).serialized())
        let signature: Data
        do {
            switch (material, algorithm) {
            case let (.ellipticCurve(raw), _):
                // JWS wants R || S (RFC 7518 §3.4), which is the raw representation, not DER.
                let key = try P256.Signing.PrivateKey(rawRepresentation: raw)
                signature = try key.signature(for: Data(signingInput.utf8)).rawRepresentation
            case let (.rsa(der), .rs256):
                let key = try _RSA.Signing.PrivateKey(derRepresentation: der)
                signature = try key.signature(for: Data(signingInput.utf8), padding: .insecurePKCS1v1_5).rawRepresentation
            case let (.rsa(der), _):
                // PS256: PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt (RFC 7518 §3.5), swift-crypto's .PSS.
                let key = try _RSA.Signing.PrivateKey(derRepresentation: der)
                signature = try key.signature(for: Data(signingInput.utf8), padding: .PSS).rawRepresentation
            }
        } catch {
            throw .key("signing failed: \(error)")
        }
        return signingInput + "." + Base64URL.encode(signature)
    }

    /// The public half as a JWK (RFC 7517), members in the order RFC 7638 hashes them.
    public var publicJWK: [String: JSON] {
        switch material {
        case let .ellipticCurve(raw):
            // x9.63 uncompressed: 0x04 || X (32 bytes) || Y (32 bytes).
            let point = (try? P256.Signing.PrivateKey(rawRepresentation: raw))?.publicKey.x963Representation ?? Data(count: 65)
            return ["kty": "EC", "crv": "P-256",
                    "x": .string(Base64URL.encode(point.dropFirst().prefix(32))),
                    "y": .string(Base64URL.encode(point.suffix(32)))]
        case let .rsa(der):
            let primitives = try? _RSA.Signing.PrivateKey(derRepresentation: der).publicKey.getKeyPrimitives()
            return ["kty": "RSA", "e": .string(Base64URL.encode(primitives?.publicExponent ?? Data())),
                    "n": .string(Base64URL.encode(primitives?.modulus ?? Data()))]
        }
    }
}

/// Base64url without padding (RFC 7515 §2).
public enum Base64URL {
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public static func decode(_ text: String) -> Data? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
