/* Two-factor sign-in's pure parts (see totp.h): RFC 6238 codes through liboath, base32,
 * recovery codes and the sealing of a TOTP secret at rest. */
#include "config.h"

#include "usher/totp.h"
#include "usher/base64url.h"
#include "usher/crypto.h"
#include "usher/log.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <liboath/oath.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

static int oath_ready(void)
{
    static int done;
    if (!done && oath_init() == OATH_OK)
        done = 1;
    return done ? 0 : -1;
}

int totp_code(const unsigned char *secret, size_t len, long long step, unsigned digits,
              char *out)
{
    if (oath_ready() != 0 || step < 0 || digits < 6 || digits > 8)
        return -1;
    /* liboath counts steps from start_offset: time step * 30 is inside that step. */
    return oath_totp_generate((const char *)secret, len, (time_t)(step * TOTP_STEP), TOTP_STEP,
                              0, digits, out) == OATH_OK ? 0 : -1;
}

long long totp_check(const unsigned char *secret, size_t len, const char *code, long long now,
                     long long last_step)
{
    if (!code || strlen(code) != TOTP_DIGITS)
        return -1;
    for (size_t i = 0; i < TOTP_DIGITS; i++)
        if (code[i] < '0' || code[i] > '9')
            return -1;
    long long cur = now / TOTP_STEP, found = -1;
    for (long long step = cur - 1; step <= cur + 1; step++) {
        char want[TOTP_DIGITS + 1];
        if (totp_code(secret, len, step, TOTP_DIGITS, want) != 0)
            return -1;
        if (CRYPTO_memcmp(want, code, TOTP_DIGITS) == 0 && found < 0)
            found = step;
    }
    return found > last_step ? found : -1;
}

static const char b32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

void totp_base32(const unsigned char *in, size_t len, char *out)
{
    unsigned buf = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        buf = (buf << 8) | in[i];
        bits += 8;
        while (bits >= 5) {
            out[o++] = b32_alphabet[(buf >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    if (bits > 0)
        out[o++] = b32_alphabet[(buf << (5 - bits)) & 31];
    out[o] = '\0';
}

int totp_base32_decode(const char *b32, unsigned char secret[TOTP_SECRET_BYTES])
{
    if (!b32 || strlen(b32) != TOTP_SECRET_B32)
        return -1;
    unsigned buf = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < TOTP_SECRET_B32; i++) {
        const char *p = strchr(b32_alphabet, b32[i]);
        if (!p || !b32[i])
            return -1;
        buf = (buf << 5) | (unsigned)(p - b32_alphabet);
        bits += 5;
        if (bits >= 8) {
            secret[o++] = (unsigned char)(buf >> (bits - 8));
            bits -= 8;
        }
    }
    return o == TOTP_SECRET_BYTES ? 0 : -1;
}

int totp_secret_new(unsigned char secret[TOTP_SECRET_BYTES], char b32[TOTP_SECRET_B32 + 1])
{
    if (RAND_bytes(secret, TOTP_SECRET_BYTES) != 1) {
        log_error("totp: RAND_bytes failed");
        return -1;
    }
    totp_base32(secret, TOTP_SECRET_BYTES, b32);
    return 0;
}

int recovery_code_new(char out[RECOVERY_CODE_CHARS + 2])
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    size_t o = 0;
    while (o < RECOVERY_CODE_CHARS + 1) {
        unsigned char b;
        if (RAND_bytes(&b, 1) != 1)
            return -1;
        if (b >= 252)   /* 252 = 7 * 36: no bias */
            continue;
        if (o == 5)
            out[o++] = '-';
        out[o++] = alphabet[b % 36];
    }
    out[RECOVERY_CODE_CHARS + 1] = '\0';
    return 0;
}

int recovery_code_normalize(const char *typed, char out[RECOVERY_CODE_CHARS + 1])
{
    size_t o = 0;
    for (const char *p = typed; p && *p; p++) {
        char ch = *p;
        if (ch == ' ' || ch == '-' || ch == '\t')
            continue;
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) || o == RECOVERY_CODE_CHARS)
            return -1;
        out[o++] = ch;
    }
    out[o] = '\0';
    return o == RECOVERY_CODE_CHARS ? 0 : -1;
}

int recovery_code_hash(const char *user_id, const char *code, const unsigned char *secret,
                       size_t secret_len, char out[65])
{
    static const char hex[] = "0123456789abcdef";
    char data[160];
    int n = snprintf(data, sizeof data, "recovery:%s:%s", user_id, code);
    unsigned char mac[32];
    if (n < 0 || (size_t)n >= sizeof data ||
        !hmac_sha256(secret, secret_len, data, (size_t)n, mac))
        return -1;
    for (size_t i = 0; i < 32; i++) {
        out[2 * i] = hex[mac[i] >> 4];
        out[2 * i + 1] = hex[mac[i] & 15];
    }
    out[64] = '\0';
    OPENSSL_cleanse(data, sizeof data);
    return 0;
}

/* ---- sealing (the scheme of apikey.c, with its own key) ------------------------------- */

#define NONCE_LEN 12
#define TAG_LEN 16
#define SEALED_RAW (NONCE_LEN + TOTP_SECRET_B32 + TAG_LEN)

static int derive(const unsigned char *secret, size_t secret_len, unsigned char key[32])
{
    static const unsigned char salt[] = "usher", info[] = "usher totp v1";
    if (!secret || !secret_len || secret_len > INT32_MAX)
        return -1;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
    size_t out_len = 32;
    int good = ctx && EVP_PKEY_derive_init(ctx) > 0 &&
               EVP_PKEY_CTX_set_hkdf_md(ctx, EVP_sha256()) > 0 &&
               EVP_PKEY_CTX_set1_hkdf_salt(ctx, salt, (int)(sizeof salt - 1)) > 0 &&
               EVP_PKEY_CTX_set1_hkdf_key(ctx, secret, (int)secret_len) > 0 &&
               EVP_PKEY_CTX_add1_hkdf_info(ctx, info, (int)(sizeof info - 1)) > 0 &&
               EVP_PKEY_derive(ctx, key, &out_len) > 0 && out_len == 32;
    EVP_PKEY_CTX_free(ctx);
    return good ? 0 : -1;
}

char *totp_seal(const char *b32, const char *user_id, const unsigned char *secret,
                size_t secret_len)
{
    unsigned char key[32], raw[SEALED_RAW];
    if (!b32 || strlen(b32) != TOTP_SECRET_B32 || !user_id || derive(secret, secret_len, key))
        return NULL;
    unsigned char *nonce = raw, *ct = raw + NONCE_LEN, *tag = ct + TOTP_SECRET_B32;
    char *out = NULL;
    int n = 0, fin = 0;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (RAND_bytes(nonce, NONCE_LEN) == 1 && ctx &&
        EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) == 1 &&
        EVP_EncryptInit_ex(ctx, NULL, NULL, key, nonce) == 1 &&
        EVP_EncryptUpdate(ctx, NULL, &n, (const unsigned char *)user_id, (int)strlen(user_id)) == 1 &&
        EVP_EncryptUpdate(ctx, ct, &n, (const unsigned char *)b32, TOTP_SECRET_B32) == 1 &&
        EVP_EncryptFinal_ex(ctx, ct + n, &fin) == 1 && n + fin == TOTP_SECRET_B32 &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) == 1) {
        out = malloc(base64url_encoded_len(SEALED_RAW) + 1);
        if (out)
            base64url_encode(raw, SEALED_RAW, out);
    } else {
        log_error("totp: sealing failed");
    }
    EVP_CIPHER_CTX_free(ctx);
    OPENSSL_cleanse(key, sizeof key);
    OPENSSL_cleanse(raw, sizeof raw);
    return out;
}

int totp_open(const char *sealed, const char *user_id, const unsigned char *secret,
              size_t secret_len, char b32[TOTP_SECRET_B32 + 1])
{
    unsigned char key[32], raw[SEALED_RAW + 1], plain[TOTP_SECRET_B32];
    size_t slen = base64url_encoded_len(SEALED_RAW);
    if (!sealed || !user_id || strlen(sealed) != slen ||
        base64url_decode(sealed, slen, raw) != SEALED_RAW || derive(secret, secret_len, key))
        return -1;
    unsigned char *nonce = raw, *ct = raw + NONCE_LEN, *tag = ct + TOTP_SECRET_B32;
    int n = 0, fin = 0, rc = -1;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx && EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) == 1 &&
        EVP_DecryptInit_ex(ctx, NULL, NULL, key, nonce) == 1 &&
        EVP_DecryptUpdate(ctx, NULL, &n, (const unsigned char *)user_id, (int)strlen(user_id)) == 1 &&
        EVP_DecryptUpdate(ctx, plain, &n, ct, TOTP_SECRET_B32) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) == 1 &&
        EVP_DecryptFinal_ex(ctx, plain + n, &fin) == 1 && n + fin == TOTP_SECRET_B32 &&
        !memchr(plain, '\0', TOTP_SECRET_B32)) {
        memcpy(b32, plain, TOTP_SECRET_B32);
        b32[TOTP_SECRET_B32] = '\0';
        rc = 0;
    }
    EVP_CIPHER_CTX_free(ctx);
    OPENSSL_cleanse(key, sizeof key);
    OPENSSL_cleanse(plain, sizeof plain);
    OPENSSL_cleanse(raw, sizeof raw);
    return rc;
}
