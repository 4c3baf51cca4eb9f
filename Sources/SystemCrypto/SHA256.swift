// The gateway's cryptography is the system's OpenSSL (libcrypto, through CLibCrypto), the same library libcurl
// already loads for TLS, rather than swift-crypto: swift-crypto compiles its own copy of BoringSSL, about a
// third of the CPU of a clean debug build of this package (≈ 2 of ≈ 6.3 CPU-minutes, and more in the release
// build of the Debian package), which every fresh clone, CI run and package build paid (issue 16: `scripts/test`
// on a fresh clone ≤ 8 minutes). The system's libcrypto also gets Debian's security updates without a rebuild.
// What the gateway needs is small: SHA-256 (identifiers, fingerprints) and signing with the hub's private key.
import CLibCrypto

/// SHA-256 (FIPS 180-4).
public enum SHA256 {
    /// The 32-byte digest of `bytes`.
    public static func hash(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        let input = Array(bytes)
        var digest = [UInt8](repeating: 0, count: 32)
        let ok = input.withUnsafeBytes { source in
            digest.withUnsafeMutableBufferPointer { dho_sha256(source.baseAddress, source.count, $0.baseAddress) }
        }
        // libcrypto's SHA-256 fails only when the library cannot allocate or find its default provider: no
        // identifier can be derived then, and carrying on with a wrong one would be worse than stopping.
        precondition(ok == 1, "libcrypto could not compute SHA-256")
        return digest
    }
}
