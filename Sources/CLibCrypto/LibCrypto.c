// See include/CLibCrypto.h for why this file exists. Only OpenSSL 3 interfaces that are not deprecated are used
// (Debian 12 ships 3.0), so the build stays free of warnings.
#include "CLibCrypto.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <string.h>

// SHA-256 is fetched from the default provider once: an implicit fetch on every digest (what EVP_sha256() with
// EVP_Digest does) takes the provider store's lock each time, and the gateway hashes a few times per reading.
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static void fetch_sha256(void) { sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL); }

int dho_sha256(const void *data, size_t length, uint8_t digest[32]) {
    pthread_once(&sha256_once, fetch_sha256);
    unsigned int written = 0;
    int ok = sha256_md != NULL && EVP_Digest(data, length, digest, &written, sha256_md, NULL) == 1 && written == 32;
    if (!ok) ERR_clear_error();
    return ok;
}

// Refuses to ask for a passphrase: the daemon has no one to ask (and OpenSSL's default would read the terminal).
static int no_passphrase(char *buffer, int size, int rwflag, void *user) {
    (void)buffer; (void)size; (void)rwflag; (void)user;
    return -1;
}

static dho_private_key *checked(EVP_PKEY *key) {
    if (key == NULL || dho_key_kind(key) == DHO_KEY_OTHER) {
        EVP_PKEY_free(key);
        ERR_clear_error();
        return NULL;
    }
    return key;
}

dho_private_key *dho_key_from_pem(const char *pem, size_t length) {
    if (length > INT32_MAX) return NULL;
    BIO *bio = BIO_new_mem_buf(pem, (int)length);
    if (bio == NULL) { ERR_clear_error(); return NULL; }
    EVP_PKEY *key = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
    BIO_free(bio);
    return checked(key);
}

dho_private_key *dho_key_from_der(const uint8_t *der, size_t length) {
    if (length > INT32_MAX) return NULL;
    const unsigned char *cursor = der;
    return checked(d2i_AutoPrivateKey(NULL, &cursor, (long)length));
}

// A full check of a key built from loose parts: the point on the curve for EC, n = pq and e·d ≡ 1 for RSA.
static dho_private_key *validated(EVP_PKEY *key) {
    if (key == NULL) { ERR_clear_error(); return NULL; }
    EVP_PKEY_CTX *context = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    int ok = context != NULL && EVP_PKEY_check(context) == 1;
    EVP_PKEY_CTX_free(context);
    if (!ok) {
        EVP_PKEY_free(key);
        ERR_clear_error();
        return NULL;
    }
    return checked(key);
}

dho_private_key *dho_key_p256_from_scalar(const uint8_t scalar[32]) {
    // SEC1 ECPrivateKey (RFC 5915) without its optional public key: SEQUENCE { INTEGER 1, OCTET STRING d,
    // [0] OID prime256v1 }. OpenSSL derives the public point when it decodes a key that lacks one.
    static const uint8_t head[] = {0x30, 0x31, 0x02, 0x01, 0x01, 0x04, 0x20};
    static const uint8_t tail[] = {0xA0, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};
    uint8_t der[sizeof head + 32 + sizeof tail];
    memcpy(der, head, sizeof head);
    memcpy(der + sizeof head, scalar, 32);
    memcpy(der + sizeof head + 32, tail, sizeof tail);
    const unsigned char *cursor = der;
    EVP_PKEY *key = d2i_PrivateKey(EVP_PKEY_EC, NULL, &cursor, (long)sizeof der);
    OPENSSL_cleanse(der, sizeof der);
    return validated(key);
}

dho_private_key *dho_key_rsa_from_components(
    const uint8_t *n, size_t n_length, const uint8_t *e, size_t e_length, const uint8_t *d, size_t d_length,
    const uint8_t *p, size_t p_length, const uint8_t *q, size_t q_length) {
    if (n_length > INT32_MAX || e_length > INT32_MAX || d_length > INT32_MAX || p_length > INT32_MAX
        || q_length > INT32_MAX) return NULL;
    BIGNUM *bn_n = BN_bin2bn(n, (int)n_length, NULL), *bn_e = BN_bin2bn(e, (int)e_length, NULL);
    BIGNUM *bn_d = BN_secure_new(), *bn_p = BN_secure_new(), *bn_q = BN_secure_new();
    BIGNUM *dp = BN_secure_new(), *dq = BN_secure_new(), *qi = BN_secure_new();
    BIGNUM *p1 = BN_new(), *q1 = BN_new();
    BN_CTX *bn_context = BN_CTX_secure_new();
    OSSL_PARAM_BLD *builder = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *context = NULL;
    EVP_PKEY *key = NULL;
    // The JWK's dp, dq and qi are derived here rather than trusted: OpenSSL 3.0 does not derive missing ones.
    int ok = bn_n && bn_e && bn_d && bn_p && bn_q && dp && dq && qi && p1 && q1 && bn_context && builder
        && BN_bin2bn(d, (int)d_length, bn_d) && BN_bin2bn(p, (int)p_length, bn_p) && BN_bin2bn(q, (int)q_length, bn_q)
        && !BN_is_zero(bn_p) && !BN_is_zero(bn_q)
        && BN_sub(p1, bn_p, BN_value_one()) && BN_sub(q1, bn_q, BN_value_one())
        && !BN_is_zero(p1) && !BN_is_zero(q1)
        && BN_mod(dp, bn_d, p1, bn_context) && BN_mod(dq, bn_d, q1, bn_context)
        && BN_mod_inverse(qi, bn_q, bn_p, bn_context) != NULL
        && OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_N, bn_n)
        && OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_E, bn_e)
        && OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_D, bn_d)
        && OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_FACTOR1, bn_p)
        && OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_FACTOR2, bn_q)
        && OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_EXPONENT1, dp)
        && OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_EXPONENT2, dq)
        && OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qi)
        && (params = OSSL_PARAM_BLD_to_param(builder)) != NULL
        && (context = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) != NULL
        && EVP_PKEY_fromdata_init(context) == 1
        && EVP_PKEY_fromdata(context, &key, EVP_PKEY_KEYPAIR, params) == 1;
    EVP_PKEY_CTX_free(context);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(builder);
    BN_CTX_free(bn_context);
    BN_free(bn_n); BN_free(bn_e); BN_clear_free(bn_d); BN_clear_free(bn_p); BN_clear_free(bn_q);
    BN_clear_free(dp); BN_clear_free(dq); BN_clear_free(qi); BN_clear_free(p1); BN_clear_free(q1);
    if (!ok) {
        EVP_PKEY_free(key);
        ERR_clear_error();
        return NULL;
    }
    return validated(key);
}

dho_private_key *dho_key_p256_generate(void) {
    EVP_PKEY *key = EVP_EC_gen(SN_X9_62_prime256v1);
    return checked(key);
}

void dho_key_free(dho_private_key *key) { EVP_PKEY_free(key); }

int dho_key_kind(const dho_private_key *key) {
    switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
        return DHO_KEY_RSA;
    case EVP_PKEY_EC: {
        char group[64] = {0};
        size_t length = 0;
        int ok = EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &length);
        if (!ok) ERR_clear_error();
        return ok && strcmp(group, SN_X9_62_prime256v1) == 0 ? DHO_KEY_P256 : DHO_KEY_OTHER;
    }
    default:
        return DHO_KEY_OTHER;
    }
}

int dho_key_bits(const dho_private_key *key) { return EVP_PKEY_get_bits(key); }

size_t dho_key_der(const dho_private_key *key, uint8_t *buffer, size_t capacity) {
    int length = i2d_PrivateKey(key, NULL);
    if (length <= 0 || (size_t)length > capacity) { ERR_clear_error(); return 0; }
    unsigned char *cursor = buffer;
    if (i2d_PrivateKey(key, &cursor) != length) { ERR_clear_error(); return 0; }
    return (size_t)length;
}

static int bignum_param(const dho_private_key *key, const char *name, uint8_t *out, size_t width) {
    BIGNUM *value = NULL;
    int ok = EVP_PKEY_get_bn_param(key, name, &value) == 1 && width <= INT32_MAX
        && BN_bn2binpad(value, out, (int)width) == (int)width;
    BN_clear_free(value);
    if (!ok) ERR_clear_error();
    return ok;
}

int dho_key_p256_scalar(const dho_private_key *key, uint8_t scalar[32]) {
    return dho_key_kind(key) == DHO_KEY_P256 && bignum_param(key, OSSL_PKEY_PARAM_PRIV_KEY, scalar, 32);
}

int dho_key_p256_public(const dho_private_key *key, uint8_t x[32], uint8_t y[32]) {
    return dho_key_kind(key) == DHO_KEY_P256 && bignum_param(key, OSSL_PKEY_PARAM_EC_PUB_X, x, 32)
        && bignum_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, y, 32);
}

static int unpadded_param(const dho_private_key *key, const char *name, uint8_t *out, size_t *length, size_t capacity) {
    BIGNUM *value = NULL;
    int ok = EVP_PKEY_get_bn_param(key, name, &value) == 1 && (size_t)BN_num_bytes(value) <= capacity;
    if (ok) *length = (size_t)BN_bn2bin(value, out);
    BN_free(value);
    if (!ok) ERR_clear_error();
    return ok;
}

int dho_key_rsa_public(const dho_private_key *key, uint8_t *n, size_t *n_length, uint8_t *e, size_t *e_length,
                       size_t capacity) {
    return dho_key_kind(key) == DHO_KEY_RSA && unpadded_param(key, OSSL_PKEY_PARAM_RSA_N, n, n_length, capacity)
        && unpadded_param(key, OSSL_PKEY_PARAM_RSA_E, e, e_length, capacity);
}

// ECDSA signatures come as DER (SEQUENCE of two INTEGERs); JWS wants R || S, each padded to 32 bytes.
static size_t raw_ecdsa(const uint8_t *der, size_t length, uint8_t *signature, size_t capacity) {
    const unsigned char *cursor = der;
    ECDSA_SIG *parsed = d2i_ECDSA_SIG(NULL, &cursor, (long)length);
    const BIGNUM *r = NULL, *s = NULL;
    if (parsed != NULL) ECDSA_SIG_get0(parsed, &r, &s);
    int ok = parsed != NULL && capacity >= 64 && BN_bn2binpad(r, signature, 32) == 32
        && BN_bn2binpad(s, signature + 32, 32) == 32;
    ECDSA_SIG_free(parsed);
    if (!ok) ERR_clear_error();
    return ok ? 64 : 0;
}

size_t dho_key_sign(const dho_private_key *key, int scheme, const void *message, size_t length,
                    uint8_t *signature, size_t capacity) {
    int kind = dho_key_kind(key);
    if ((scheme == DHO_SIGN_ES256) != (kind == DHO_KEY_P256) || kind == DHO_KEY_OTHER) return 0;
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    EVP_PKEY_CTX *key_context = NULL;
    uint8_t der[80];
    size_t written = scheme == DHO_SIGN_ES256 ? sizeof der : capacity;
    uint8_t *target = scheme == DHO_SIGN_ES256 ? der : signature;
    int ok = context != NULL
        && EVP_DigestSignInit_ex(context, &key_context, "SHA256", NULL, NULL, (EVP_PKEY *)key, NULL) == 1
        && (scheme != DHO_SIGN_PS256
            || (EVP_PKEY_CTX_set_rsa_padding(key_context, RSA_PKCS1_PSS_PADDING) == 1
                && EVP_PKEY_CTX_set_rsa_pss_saltlen(key_context, RSA_PSS_SALTLEN_DIGEST) == 1
                && EVP_PKEY_CTX_set_rsa_mgf1_md_name(key_context, "SHA256", NULL) == 1))
        && (scheme != DHO_SIGN_RS256 || EVP_PKEY_CTX_set_rsa_padding(key_context, RSA_PKCS1_PADDING) == 1)
        && EVP_DigestSign(context, target, &written, message, length) == 1;
    EVP_MD_CTX_free(context);
    if (!ok) { ERR_clear_error(); return 0; }
    return scheme == DHO_SIGN_ES256 ? raw_ecdsa(der, written, signature, capacity) : written;
}
