// The hub's private key for signed JWTs (RFC 7515 compact JWS): the client assertion of `private_key_jwt` and
// the DPoP proofs. The signatures themselves are the system's libcrypto (OpenSSL, through SystemCrypto: see
// SystemCrypto/SHA256.swift for why not swift-crypto); only the compact framing (base64url of two JSON objects
// and the signature) is written here. Why not vapor/jwt-kit: its current releases require swift-crypto 4 and
// swift-certificates, which would add minutes to every clean build and CI run for three lines of framing.

public import Foundation
import SystemCrypto

/// The signature algorithms HelseID accepts for client assertions and DPoP proofs.
public enum JWSAlgorithm: String, Sendable, CaseIterable {
    case rs256 = "RS256"
    case ps256 = "PS256"
    case es256 = "ES256"
}

/// A private key and the algorithm it signs with. Never printed: its description is redacted.
public struct JOSESigningKey: Sendable, CustomStringConvertible {
    /// Kept as bytes and made into libcrypto's key at each use: `PrivateKey` owns a C object and is not
    /// Sendable, and a key is used a few times an hour.
    enum Material: Sendable {
        /// The P-256 private scalar.
        case ellipticCurve(Data)
        /// The RSA private key, PKCS#1 DER.
        case rsa(Data)

        /// A P-256 or RSA key's material.
        init(_ key: PrivateKey) {
            switch key.kind {
            case .p256: self = .ellipticCurve(Data(key.p256Scalar ?? []))
            case .rsa: self = .rsa(Data(key.derRepresentation))
            }
        }

        /// The key again (nil only if the bytes were damaged in memory).
        var key: PrivateKey? {
            switch self {
            case let .ellipticCurve(scalar): PrivateKey(p256Scalar: Array(scalar))
            case let .rsa(der): PrivateKey(der: Array(der))
            }
        }
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
        case (.rsa, nil):
            let bits = material.key?.bits ?? 0
            guard bits >= 2048 else { throw .key("the RSA key has \(bits) bits; at least 2048 are required") }
            self.algorithm = .ps256
        case let (.rsa, chosen?) where chosen != .es256:
            // NIST and HelseID both ask for at least 2048-bit RSA keys.
            let bits = material.key?.bits ?? 0
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
        // libcrypto fails to make a key only when it cannot allocate or find its random source: nothing the
        // daemon could go on without.
        guard let key = PrivateKey.generateP256() else { preconditionFailure("libcrypto could not generate a P-256 key") }
        return JOSESigningKey(unchecked: Material(key), algorithm: .es256)
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
        let scheme: PrivateKey.SignatureScheme = switch algorithm {
        // JWS wants R || S for ES256 (RFC 7518 §3.4), not DER; PS256 is PSS with SHA-256, MGF1-SHA-256 and a
        // 32-byte salt (§3.5).
        case .es256: .es256
        case .rs256: .rs256
        case .ps256: .ps256
        }
        guard let signature = material.key?.sign(Array(signingInput.utf8), scheme: scheme) else {
            throw .key("signing failed: libcrypto could not sign \(algorithm.rawValue) with this key")
        }
        return signingInput + "." + Base64URL.encode(signature)
    }

    /// The public half as a JWK (RFC 7517), members in the order RFC 7638 hashes them.
    public var publicJWK: [String: JSON] {
        switch material {
        case .ellipticCurve:
            let point = material.key?.p256PublicPoint ?? (x: [UInt8](repeating: 0, count: 32), y: [UInt8](repeating: 0, count: 32))
            return ["kty": "EC", "crv": "P-256",
                    "x": .string(Base64URL.encode(point.x)),
                    "y": .string(Base64URL.encode(point.y))]
        case .rsa:
            let numbers = material.key?.rsaPublicNumbers
            return ["kty": "RSA", "e": .string(Base64URL.encode(numbers?.exponent ?? [])),
                    "n": .string(Base64URL.encode(numbers?.modulus ?? []))]
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
