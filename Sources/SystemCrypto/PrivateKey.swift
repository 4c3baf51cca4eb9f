import CLibCrypto

/// A P-256 or RSA private key held by libcrypto. Not Sendable: made where it is used and freed with it (the hub
/// signs a few times an hour; callers keep the key's bytes and make a `PrivateKey` at each use).
public final class PrivateKey {
    public enum Kind: Sendable { case p256, rsa }

    /// How `sign` signs (RFC 7518 §3.3–3.5).
    public enum SignatureScheme: Sendable {
        /// ECDSA P-256 with SHA-256, R || S.
        case es256
        /// RSASSA-PKCS1-v1_5 with SHA-256.
        case rs256
        /// RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt.
        case ps256
    }

    private let key: OpaquePointer
    public let kind: Kind

    private init?(_ key: OpaquePointer?) {
        guard let key else { return nil }
        switch dho_key_kind(key) {
        case Int32(DHO_KEY_P256): kind = .p256
        case Int32(DHO_KEY_RSA): kind = .rsa
        default:
            dho_key_free(key)
            return nil
        }
        self.key = key
    }

    deinit { dho_key_free(key) }

    /// From PEM text (PKCS#8 `PRIVATE KEY`, SEC1 `EC PRIVATE KEY`, PKCS#1 `RSA PRIVATE KEY`); nil when it is not
    /// an unencrypted P-256 or RSA private key.
    public convenience init?(pem: String) {
        let bytes = Array(pem.utf8)
        self.init(bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { dho_key_from_pem($0.baseAddress, $0.count) }
        })
    }

    /// From DER (`derRepresentation`); nil when it is not a P-256 or RSA private key.
    public convenience init?(der: [UInt8]) {
        self.init(der.withUnsafeBufferPointer { dho_key_from_der($0.baseAddress, $0.count) })
    }

    /// A P-256 key from its 32-byte private scalar; nil when it is not a valid one.
    public convenience init?(p256Scalar scalar: [UInt8]) {
        guard scalar.count == 32 else { return nil }
        self.init(scalar.withUnsafeBufferPointer { dho_key_p256_from_scalar($0.baseAddress) })
    }

    /// An RSA key from a JWK's members (big-endian integers); nil when they do not form a valid key.
    public convenience init?(rsaModulus n: [UInt8], publicExponent e: [UInt8], privateExponent d: [UInt8],
                             prime1 p: [UInt8], prime2 q: [UInt8]) {
        self.init(n.withUnsafeBufferPointer { n in
            e.withUnsafeBufferPointer { e in
                d.withUnsafeBufferPointer { d in
                    p.withUnsafeBufferPointer { p in
                        q.withUnsafeBufferPointer { q in
                            dho_key_rsa_from_components(
                                n.baseAddress, n.count, e.baseAddress, e.count, d.baseAddress, d.count,
                                p.baseAddress, p.count, q.baseAddress, q.count)
                        }
                    }
                }
            }
        })
    }

    /// A new random P-256 key; nil only when libcrypto cannot make one.
    public static func generateP256() -> PrivateKey? { PrivateKey(dho_key_p256_generate()) }

    /// The key's size in bits (the modulus's for RSA).
    public var bits: Int { Int(dho_key_bits(key)) }

    /// DER: SEC1 for P-256, PKCS#1 for RSA.
    public var derRepresentation: [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 8192)
        let length = buffer.withUnsafeMutableBufferPointer { dho_key_der(key, $0.baseAddress, $0.count) }
        return Array(buffer.prefix(length))
    }

    /// A P-256 key's 32-byte private scalar; nil for RSA.
    public var p256Scalar: [UInt8]? {
        var scalar = [UInt8](repeating: 0, count: 32)
        let ok = scalar.withUnsafeMutableBufferPointer { dho_key_p256_scalar(key, $0.baseAddress) }
        return ok == 1 ? scalar : nil
    }

    /// A P-256 key's public point (32 bytes each); nil for RSA.
    public var p256PublicPoint: (x: [UInt8], y: [UInt8])? {
        var x = [UInt8](repeating: 0, count: 32)
        var y = [UInt8](repeating: 0, count: 32)
        let ok = x.withUnsafeMutableBufferPointer { x in
            y.withUnsafeMutableBufferPointer { y in dho_key_p256_public(key, x.baseAddress, y.baseAddress) }
        }
        return ok == 1 ? (x, y) : nil
    }

    /// An RSA key's public modulus and exponent (big-endian, no leading zeros); nil for P-256.
    public var rsaPublicNumbers: (modulus: [UInt8], exponent: [UInt8])? {
        let capacity = 2048
        var n = [UInt8](repeating: 0, count: capacity)
        var e = [UInt8](repeating: 0, count: capacity)
        var nLength = 0
        var eLength = 0
        let ok = n.withUnsafeMutableBufferPointer { n in
            e.withUnsafeMutableBufferPointer { e in
                dho_key_rsa_public(key, n.baseAddress, &nLength, e.baseAddress, &eLength, capacity)
            }
        }
        return ok == 1 ? (Array(n.prefix(nLength)), Array(e.prefix(eLength))) : nil
    }

    /// Signs `message`; nil when the scheme does not fit the key (ES256 takes P-256, RS256/PS256 RSA) or libcrypto
    /// fails.
    public func sign(_ message: [UInt8], scheme: SignatureScheme) -> [UInt8]? {
        let code: Int32 = switch scheme {
        case .es256: Int32(DHO_SIGN_ES256)
        case .rs256: Int32(DHO_SIGN_RS256)
        case .ps256: Int32(DHO_SIGN_PS256)
        }
        var signature = [UInt8](repeating: 0, count: 2048)
        let length = message.withUnsafeBytes { message in
            signature.withUnsafeMutableBufferPointer {
                dho_key_sign(key, code, message.baseAddress, message.count, $0.baseAddress, $0.count)
            }
        }
        return length > 0 ? Array(signature.prefix(length)) : nil
    }
}
