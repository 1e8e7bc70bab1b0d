/* Two-factor sign-in's pure parts (see totp.h): RFC 6238 codes through liboath, base32,
 * recovery codes and the sealing of a TOTP secret at rest. */
#include "config.h"

#include "usher/totp.h"
#include "usher/crypto.h"
#include "usher/log.h"
#include "usher/sealed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <liboath/oath.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
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

/* ---- sealing (sealed.h, with the TOTP's own HKDF label) -------------------------------- */

#define SEAL_INFO "usher totp v1"   /* never change it: the stored secrets open with it */

char *totp_seal(const char *b32, const char *user_id, const unsigned char *secret,
                size_t secret_len)
{
    if (!b32 || strlen(b32) != TOTP_SECRET_B32 || !user_id)
        return NULL;
    return sealed_make(SEAL_INFO, b32, TOTP_SECRET_B32, user_id, secret, secret_len, "totp");
}

int totp_open(const char *sealed, const char *user_id, const unsigned char *secret,
              size_t secret_len, char b32[TOTP_SECRET_B32 + 1])
{
    if (!user_id)
        return -1;
    return sealed_open(SEAL_INFO, sealed, TOTP_SECRET_B32, user_id, secret, secret_len, b32);
}
