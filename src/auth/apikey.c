/* API keys: generation, the SHA-256 digest used for lookup, and AES-256-GCM sealing so the
 * owner can be shown the key again without it being stored in plaintext.
 *
 * Sealed form (sealed.h): base64url(nonce(12) || ciphertext(35) || tag(16)), 84
 * characters. The key is HKDF-SHA256(ikm = server secret, salt = "usher", info = "usher api-key v1"), so a
 * new secret makes old sealed keys unreadable (open fails; the digests still match). */
#include "config.h"

#include "usher/apikey.h"
#include "usher/base64url.h"
#include "usher/log.h"
#include "usher/sealed.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#define SEAL_INFO "usher api-key v1"   /* the HKDF label of sealed.h: never change it */

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

char *apikey_seal(const char *key, const char *ad, const unsigned char *secret,
                  size_t secret_len)
{
    if (!key || strlen(key) != APIKEY_LEN)
        return NULL;
    return sealed_make(SEAL_INFO, key, APIKEY_LEN, ad, secret, secret_len, "apikey");
}

int apikey_open(const char *sealed, const char *ad, const unsigned char *secret,
                size_t secret_len, char out[APIKEY_LEN + 1])
{
    return sealed_open(SEAL_INFO, sealed, APIKEY_LEN, ad, secret, secret_len, out);
}
