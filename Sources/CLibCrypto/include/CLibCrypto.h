// The few OpenSSL (libcrypto) operations the gateway needs, as plain functions Swift can call: SHA-256, and the
// hub's private keys for signed JWTs (ES256, RS256, PS256). Written by hand because several of them are
// C macros or need OSSL_PARAM lists and BIGNUM arithmetic, which Swift cannot express directly; each function
// leaves OpenSSL's per-thread error queue empty, which libcurl's TLS code (the same libcrypto) also reads.
#ifndef DHO_CLIBCRYPTO_H
#define DHO_CLIBCRYPTO_H
#include <stddef.h>
#include <stdint.h>

/// An OpenSSL private key (EVP_PKEY), opaque to Swift.
typedef struct evp_pkey_st dho_private_key;

/// SHA-256 of `length` bytes into `digest` (32 bytes). Returns 1, or 0 on failure.
int dho_sha256(const void *data, size_t length, uint8_t digest[32]);

/// What a key is: DHO_KEY_P256, DHO_KEY_RSA, or DHO_KEY_OTHER (another curve or algorithm).
enum { DHO_KEY_OTHER = 0, DHO_KEY_P256 = 1, DHO_KEY_RSA = 2 };

/// A private key from PEM text (PKCS#8, SEC1, PKCS#1); never asks for a passphrase. NULL when not a key.
dho_private_key *dho_key_from_pem(const char *pem, size_t length);
/// A private key from its DER (SEC1, PKCS#1 or PKCS#8). NULL when not a key.
dho_private_key *dho_key_from_der(const uint8_t *der, size_t length);
/// A P-256 key from its private scalar (32 bytes, big-endian), its public point derived and checked. NULL when
/// the scalar is not a valid P-256 private key.
dho_private_key *dho_key_p256_from_scalar(const uint8_t scalar[32]);
/// An RSA key from the JWK members n, e, d, p, q (big-endian); the CRT values are derived and the key checked
/// (n = pq, d inverts e). NULL when they do not form a valid key.
dho_private_key *dho_key_rsa_from_components(
    const uint8_t *n, size_t n_length, const uint8_t *e, size_t e_length, const uint8_t *d, size_t d_length,
    const uint8_t *p, size_t p_length, const uint8_t *q, size_t q_length);
/// A new random P-256 key. NULL on failure.
dho_private_key *dho_key_p256_generate(void);
void dho_key_free(dho_private_key *key);

int dho_key_kind(const dho_private_key *key);
/// The key's size in bits (the modulus for RSA).
int dho_key_bits(const dho_private_key *key);
/// The key's DER (SEC1 for EC, PKCS#1 for RSA) into `buffer` of `capacity` bytes; returns its length, 0 on
/// failure or when it does not fit.
size_t dho_key_der(const dho_private_key *key, uint8_t *buffer, size_t capacity);
/// A P-256 key's private scalar (32 bytes). Returns 1, or 0 on failure.
int dho_key_p256_scalar(const dho_private_key *key, uint8_t scalar[32]);
/// A P-256 key's public point, X and Y (32 bytes each). Returns 1, or 0 on failure.
int dho_key_p256_public(const dho_private_key *key, uint8_t x[32], uint8_t y[32]);
/// An RSA key's public modulus and exponent (big-endian, no leading zeros) into buffers of `capacity` bytes;
/// their lengths into `n_length`/`e_length`. Returns 1, or 0 on failure or when they do not fit.
int dho_key_rsa_public(const dho_private_key *key, uint8_t *n, size_t *n_length, uint8_t *e, size_t *e_length,
                       size_t capacity);

/// How `dho_key_sign` signs (JWS algorithms, RFC 7518 §3).
enum {
    /// ECDSA P-256 with SHA-256, the signature as R || S (32 bytes each), not DER.
    DHO_SIGN_ES256 = 1,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    DHO_SIGN_RS256 = 2,
    /// RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt.
    DHO_SIGN_PS256 = 3,
};
/// Signs `message` into `signature` (`capacity` bytes); returns the signature's length, 0 on failure.
size_t dho_key_sign(const dho_private_key *key, int scheme, const void *message, size_t length,
                    uint8_t *signature, size_t capacity);

#endif
