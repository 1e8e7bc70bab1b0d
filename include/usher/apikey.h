#ifndef USHER_APIKEY_H
#define USHER_APIKEY_H
/* API keys: "sk-" + 32 lowercase hex from RAND_bytes. At rest: a SHA-256 digest (hex, for
 * the unique index and lookup) and an AES-256-GCM ciphertext under a key derived from the
 * server secret (HKDF-SHA256, info "usher api-key v1"), so the owner can see the key again. */
#include <stddef.h>

#define APIKEY_LEN 35          /* "sk-" + 32 */
#define APIKEY_DIGEST_HEX 64

/* Makes a new key into out (APIKEY_LEN+1 bytes). Returns 0 or -1 (RAND_bytes failed). */
int apikey_generate(char out[APIKEY_LEN + 1]);
/* Hex SHA-256 of key into out (65 bytes). */
void apikey_digest(const char *key, char out[APIKEY_DIGEST_HEX + 1]);
/* Encrypts key: out gets base64url(nonce(12) || ciphertext || tag(16)) as a malloc'ed
 * string (caller frees), or NULL on failure. ad (the owner's user id; NULL = none) is
 * authenticated with it (AES-GCM associated data): the sealed value opens only for that
 * owner, so rows swapped between users in the database show nothing. */
char *apikey_seal(const char *key, const char *ad, const unsigned char *secret,
                  size_t secret_len);
/* Decrypts what apikey_seal produced into out (APIKEY_LEN+1) with the same ad. Returns 0,
 * or -1 when the ciphertext was tampered with, the secret differs or ad differs. Values
 * sealed before keys were bound to their owner (no ad) do not open with an ad: such a key
 * keeps working but can no longer be shown; its owner makes a new one to see it again. */
int apikey_open(const char *sealed, const char *ad, const unsigned char *secret,
                size_t secret_len,
                char out[APIKEY_LEN + 1]);

#endif
