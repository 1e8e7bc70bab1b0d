/* Cryptographic helpers shared by every layer (see crypto.h). */
#include "config.h"
#include "usher/crypto.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

/* OpenSSL 3's one-shot HMAC() fetches the algorithm and sets the key up on every call. A
 * worker signs and verifies with one secret, so a context keyed with it is kept (per
 * process) and duplicated for each token: about a tenth of the instructions of an
 * authenticated request. A different secret (a reload, the tests) replaces it. */
static EVP_MAC_CTX *keyed_ctx;
static unsigned char *keyed_secret;      /* a copy of the key the context holds */
static size_t keyed_len;

static EVP_MAC_CTX *hmac_ctx_for(const unsigned char *secret, size_t secret_len)
{
    if (!keyed_ctx || keyed_len != secret_len ||
        CRYPTO_memcmp(secret, keyed_secret, secret_len) != 0) {
        unsigned char *copy = OPENSSL_malloc(secret_len);
        if (!copy)
            return NULL;
        memcpy(copy, secret, secret_len);
        EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
        EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
        EVP_MAC_free(mac);
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string("digest", (char *)(uintptr_t)"SHA256", 0),
            OSSL_PARAM_construct_end(),
        };
        if (!ctx || !EVP_MAC_init(ctx, secret, secret_len, params)) {
            EVP_MAC_CTX_free(ctx);
            OPENSSL_clear_free(copy, secret_len);
            return NULL;
        }
        EVP_MAC_CTX_free(keyed_ctx);
        OPENSSL_clear_free(keyed_secret, keyed_len);
        keyed_ctx = ctx;
        keyed_secret = copy;
        keyed_len = secret_len;
    }
    return EVP_MAC_CTX_dup(keyed_ctx);
}

void hmac_sha256_prepare(const unsigned char *secret, size_t secret_len)
{
    EVP_MAC_CTX_free(hmac_ctx_for(secret, secret_len));
}

bool hmac_sha256(const unsigned char *secret, size_t secret_len, const char *data,
                  size_t len, unsigned char mac[32])
{
    EVP_MAC_CTX *ctx = hmac_ctx_for(secret, secret_len);
    size_t mac_len = 0;
    bool ok = ctx && EVP_MAC_update(ctx, (const unsigned char *)data, len) &&
              EVP_MAC_final(ctx, mac, &mac_len, 32) && mac_len == 32;
    EVP_MAC_CTX_free(ctx);
    return ok;
}

int uuid4(char out[37])
{
    unsigned char b[16];
    if (RAND_bytes(b, sizeof b) != 1)
        return -1;
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < sizeof b; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 15];
    }
    out[o] = '\0';
    return 0;
}

int uuid7(char out[37], long long now_ms)
{
    unsigned char b[16];
    if (RAND_bytes(b, sizeof(b)) != 1)
        return -1;
    unsigned long long ms = (unsigned long long)now_ms;
    for (int i = 0; i < 6; i++)
        b[i] = (unsigned char)(ms >> (40 - 8 * i));
    b[6] = (unsigned char)(0x70 | (b[6] & 0x0f));
    b[8] = (unsigned char)(0x80 | (b[8] & 0x3f));
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
             b[13], b[14], b[15]);
    return 0;
}

long long uuid7_time_ms(const char *j)
{
    if (strlen(j) != 36 || j[14] != '7' || j[8] != '-' || j[13] != '-')
        return -1;
    long long ms = 0;
    for (int i = 0; i < 13; i++) {
        if (j[i] == '-')
            continue;
        int c = tolower((unsigned char)j[i]);
        int v = isdigit(c) ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (v < 0)
            return -1;
        ms = ms * 16 + v;
    }
    return ms;
}

void sha256_hex(const char *s, size_t len, char out[65])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_Digest(s, len, md, &mdlen, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

long long clock_now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

void clock_wait_until_ms(long long ms)
{
    const struct timespec pause = {0, 100 * 1000};
    for (int waits = 0; waits < 50 && clock_now_ms() < ms; waits++)
        nanosleep(&pause, NULL);
}
