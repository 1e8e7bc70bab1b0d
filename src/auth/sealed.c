/* Sealing of secrets shown again to their owner (see sealed.h). */
#include "config.h"
#include "usher/sealed.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include "usher/base64url.h"
#include "usher/log.h"

#define NONCE_LEN 12
#define TAG_LEN 16
#define AES_KEY_LEN 32
#define MAX_PLAIN 65536 /* the longest secret sealed (API keys: 35, TOTP: 32, an OAuth
                         * token answer: a few KiB) */

/* HKDF-SHA256 of the server secret under info into key. */
static bool derive_key(const char *info, const unsigned char *secret, size_t secret_len,
                       unsigned char key[AES_KEY_LEN])
{
    static const unsigned char salt[] = "usher";
    if (!secret || secret_len == 0 || secret_len > INT32_MAX)
        return false;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
    size_t out_len = AES_KEY_LEN;
    bool good = ctx && EVP_PKEY_derive_init(ctx) > 0 &&
                EVP_PKEY_CTX_set_hkdf_md(ctx, EVP_sha256()) > 0 &&
                EVP_PKEY_CTX_set1_hkdf_salt(ctx, salt, (int)(sizeof salt - 1)) > 0 &&
                EVP_PKEY_CTX_set1_hkdf_key(ctx, secret, (int)secret_len) > 0 &&
                EVP_PKEY_CTX_add1_hkdf_info(ctx, (const unsigned char *)info,
                                            (int)strlen(info)) > 0 &&
                EVP_PKEY_derive(ctx, key, &out_len) > 0 && out_len == AES_KEY_LEN;
    EVP_PKEY_CTX_free(ctx);
    return good;
}

char *sealed_make(const char *info, const char *plain, size_t len, const char *ad,
                  const unsigned char *secret, size_t secret_len, const char *what)
{
    if (!plain || len == 0 || len > MAX_PLAIN)
        return NULL;
    unsigned char key[AES_KEY_LEN];
    if (!derive_key(info, secret, secret_len, key)) {
        log_error("%s: key derivation failed", what);
        return NULL;
    }
    size_t raw_len = NONCE_LEN + len + TAG_LEN;
    unsigned char *raw = malloc(raw_len);
    if (!raw) {
        OPENSSL_cleanse(key, sizeof key);
        return NULL;
    }
    unsigned char *nonce = raw, *ct = raw + NONCE_LEN, *tag = ct + len;
    char *out = NULL;
    int n = 0, fin = 0;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (RAND_bytes(nonce, NONCE_LEN) == 1 && ctx &&
        EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) == 1 &&
        EVP_EncryptInit_ex(ctx, NULL, NULL, key, nonce) == 1 &&
        (!ad || EVP_EncryptUpdate(ctx, NULL, &n, (const unsigned char *)ad, (int)strlen(ad)) == 1) &&
        EVP_EncryptUpdate(ctx, ct, &n, (const unsigned char *)plain, (int)len) == 1 &&
        EVP_EncryptFinal_ex(ctx, ct + n, &fin) == 1 && (size_t)(n + fin) == len &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) == 1) {
        out = malloc(base64url_encoded_len(raw_len) + 1);
        if (out)
            base64url_encode(raw, raw_len, out);
    } else {
        log_error("%s: AES-256-GCM sealing failed", what);
    }
    EVP_CIPHER_CTX_free(ctx);
    OPENSSL_cleanse(key, sizeof key);
    OPENSSL_cleanse(raw, raw_len);
    free(raw);
    return out;
}

int sealed_open(const char *info, const char *sealed, size_t len, const char *ad,
                const unsigned char *secret, size_t secret_len, char *out)
{
    if (!sealed || len == 0 || len > MAX_PLAIN)
        return -1;
    size_t raw_len = NONCE_LEN + len + TAG_LEN, enc_len = base64url_encoded_len(raw_len);
    unsigned char key[AES_KEY_LEN];
    if (strlen(sealed) != enc_len)
        return -1;
    unsigned char *raw = malloc(raw_len + 1), *plain = malloc(len);
    if (!raw || !plain || base64url_decode(sealed, enc_len, raw) != (long)raw_len ||
        !derive_key(info, secret, secret_len, key)) {
        free(raw);
        free(plain);
        return -1;
    }
    unsigned char *nonce = raw, *ct = raw + NONCE_LEN, *tag = ct + len;
    int n = 0, fin = 0, rc = -1;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    /* EVP_DecryptFinal_ex fails when the tag does not match: tampering, another secret or
     * another ad. */
    if (ctx && EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) == 1 &&
        EVP_DecryptInit_ex(ctx, NULL, NULL, key, nonce) == 1 &&
        (!ad || EVP_DecryptUpdate(ctx, NULL, &n, (const unsigned char *)ad, (int)strlen(ad)) == 1) &&
        EVP_DecryptUpdate(ctx, plain, &n, ct, (int)len) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) == 1 &&
        EVP_DecryptFinal_ex(ctx, plain + n, &fin) == 1 && (size_t)(n + fin) == len &&
        !memchr(plain, '\0', len)) {
        memcpy(out, plain, len);
        out[len] = '\0';
        rc = 0;
    }
    EVP_CIPHER_CTX_free(ctx);
    OPENSSL_cleanse(key, sizeof key);
    OPENSSL_cleanse(plain, len);
    OPENSSL_cleanse(raw, raw_len);
    free(plain);
    free(raw);
    return rc;
}

long sealed_plain_len(const char *sealed)
{
    size_t n = sealed ? strlen(sealed) : 0;
    size_t raw = n / 4 * 3 + (n % 4 == 3 ? 2 : n % 4 == 2 ? 1 : 0);
    if (n % 4 == 1 || raw <= NONCE_LEN + TAG_LEN || raw - NONCE_LEN - TAG_LEN > MAX_PLAIN)
        return -1;
    return (long)(raw - NONCE_LEN - TAG_LEN);
}
