/* API keys: generation, the SHA-256 digest used for lookup, and AES-256-GCM sealing so the
 * owner can be shown the key again without it being stored in plaintext.
 *
 * Sealed form: base64url(nonce(12) || ciphertext(35) || tag(16)), 84 characters. The key
 * is HKDF-SHA256(ikm = server secret, salt = "usher", info = "usher api-key v1"), so a
 * new secret makes old sealed keys unreadable (open fails; the digests still match). */
#include "config.h"

#include "usher/apikey.h"
#include "usher/base64url.h"
#include "usher/log.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#define NONCE_LEN 12
#define TAG_LEN 16
#define AES_KEY_LEN 32
#define SEALED_RAW_LEN (NONCE_LEN + APIKEY_LEN + TAG_LEN)

static const char hex_digits[] = "0123456789abcdef";

static void to_hex(const unsigned char *in, size_t len, char *out)
{
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = hex_digits[in[i] >> 4];
        out[2 * i + 1] = hex_digits[in[i] & 15];
    }
    out[2 * len] = '\0';
}

int apikey_generate(char out[APIKEY_LEN + 1])
{
    unsigned char raw[16];
    if (RAND_bytes(raw, sizeof raw) != 1) {
        log_error("apikey: RAND_bytes failed");
        return -1;
    }
    memcpy(out, "sk-", 3);
    to_hex(raw, sizeof raw, out + 3);
    OPENSSL_cleanse(raw, sizeof raw);
    return 0;
}

void apikey_digest(const char *key, char out[APIKEY_DIGEST_HEX + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    if (!EVP_Digest(key, strlen(key), md, &md_len, EVP_sha256(), NULL) || md_len != 32) {
        /* Cannot happen short of a broken libcrypto; "" matches no stored digest. */
        log_error("apikey: SHA-256 failed");
        out[0] = '\0';
        return;
    }
    to_hex(md, md_len, out);
}

/* HKDF-SHA256 of the server secret into key. */
static bool derive_key(const unsigned char *secret, size_t secret_len,
                       unsigned char key[AES_KEY_LEN])
{
    static const unsigned char salt[] = "usher";
    static const unsigned char info[] = "usher api-key v1";
    if (!secret || secret_len == 0 || secret_len > INT32_MAX)
        return false;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
    size_t out_len = AES_KEY_LEN;
    bool good = ctx && EVP_PKEY_derive_init(ctx) > 0 &&
                EVP_PKEY_CTX_set_hkdf_md(ctx, EVP_sha256()) > 0 &&
                EVP_PKEY_CTX_set1_hkdf_salt(ctx, salt, (int)(sizeof salt - 1)) > 0 &&
                EVP_PKEY_CTX_set1_hkdf_key(ctx, secret, (int)secret_len) > 0 &&
                EVP_PKEY_CTX_add1_hkdf_info(ctx, info, (int)(sizeof info - 1)) > 0 &&
                EVP_PKEY_derive(ctx, key, &out_len) > 0 && out_len == AES_KEY_LEN;
    EVP_PKEY_CTX_free(ctx);
    return good;
}

char *apikey_seal(const char *key, const char *ad, const unsigned char *secret,
                  size_t secret_len)
{
    if (!key || strlen(key) != APIKEY_LEN)
        return NULL;
    unsigned char aes_key[AES_KEY_LEN];
    if (!derive_key(secret, secret_len, aes_key)) {
        log_error("apikey: key derivation failed");
        return NULL;
    }
    unsigned char raw[SEALED_RAW_LEN];
    unsigned char *nonce = raw, *ct = raw + NONCE_LEN, *tag = raw + NONCE_LEN + APIKEY_LEN;
    char *sealed = NULL;
    EVP_CIPHER_CTX *ctx = NULL;
    int n = 0, fin = 0;
    if (RAND_bytes(nonce, NONCE_LEN) != 1) {
        log_error("apikey: RAND_bytes failed");
        goto out;
    }
    ctx = EVP_CIPHER_CTX_new();
    if (!ctx || EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) != 1 ||
        EVP_EncryptInit_ex(ctx, NULL, NULL, aes_key, nonce) != 1 ||
        (ad && EVP_EncryptUpdate(ctx, NULL, &n, (const unsigned char *)ad, (int)strlen(ad)) != 1) ||
        EVP_EncryptUpdate(ctx, ct, &n, (const unsigned char *)key, APIKEY_LEN) != 1 ||
        EVP_EncryptFinal_ex(ctx, ct + n, &fin) != 1 || n + fin != APIKEY_LEN ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) != 1) {
        log_error("apikey: AES-256-GCM encryption failed");
        goto out;
    }
    sealed = malloc(base64url_encoded_len(sizeof raw) + 1);
    if (sealed)
        base64url_encode(raw, sizeof raw, sealed);
out:
    EVP_CIPHER_CTX_free(ctx);
    OPENSSL_cleanse(aes_key, sizeof aes_key);
    OPENSSL_cleanse(raw, sizeof raw);
    return sealed;
}

int apikey_open(const char *sealed, const char *ad, const unsigned char *secret,
                size_t secret_len,
                char out[APIKEY_LEN + 1])
{
    if (!sealed || strlen(sealed) != base64url_encoded_len(SEALED_RAW_LEN))
        return -1;
    unsigned char raw[SEALED_RAW_LEN + 1];
    if (base64url_decode(sealed, base64url_encoded_len(SEALED_RAW_LEN), raw) != SEALED_RAW_LEN)
        return -1;
    unsigned char aes_key[AES_KEY_LEN];
    if (!derive_key(secret, secret_len, aes_key))
        return -1;
    unsigned char *nonce = raw, *ct = raw + NONCE_LEN, *tag = raw + NONCE_LEN + APIKEY_LEN;
    unsigned char plain[APIKEY_LEN];
    int n = 0, fin = 0, rc = -1;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    /* EVP_DecryptFinal_ex fails when the tag does not match: tampering or another secret. */
    if (ctx && EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) == 1 &&
        EVP_DecryptInit_ex(ctx, NULL, NULL, aes_key, nonce) == 1 &&
        (!ad || EVP_DecryptUpdate(ctx, NULL, &n, (const unsigned char *)ad, (int)strlen(ad)) == 1) &&
        EVP_DecryptUpdate(ctx, plain, &n, ct, APIKEY_LEN) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) == 1 &&
        EVP_DecryptFinal_ex(ctx, plain + n, &fin) == 1 && n + fin == APIKEY_LEN &&
        !memchr(plain, '\0', APIKEY_LEN)) {
        memcpy(out, plain, APIKEY_LEN);
        out[APIKEY_LEN] = '\0';
        rc = 0;
    }
    EVP_CIPHER_CTX_free(ctx);
    OPENSSL_cleanse(aes_key, sizeof aes_key);
    OPENSSL_cleanse(plain, sizeof plain);
    OPENSSL_cleanse(raw, sizeof raw);
    return rc;
}
