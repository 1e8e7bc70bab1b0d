#ifndef USHER_SEALED_H
#define USHER_SEALED_H
/* Secrets kept so that their owner can be shown them again, never in plaintext: API keys
 * (apikey.c) and TOTP secrets (totp.c). A sealed value is base64url(nonce(12) ||
 * ciphertext(len) || tag(16)) of AES-256-GCM under HKDF-SHA256(ikm = the server secret,
 * salt = "usher", info = the kind's own label), with ad (the owner, or NULL) as associated
 * data: it opens only with the same secret, label and ad. No I/O but OpenSSL's random
 * generator. */
#include <stddef.h>

/* Seals the len (1..64 KiB) bytes of plain. Returns a malloc'd NUL-terminated string (the caller
 * frees it), or NULL when the secret is missing or OpenSSL fails (logged, with what). */
char *sealed_make(const char *info, const char *plain, size_t len, const char *ad,
                  const unsigned char *secret, size_t secret_len, const char *what);
/* Opens what sealed_make made of len bytes with the same info and ad into out (len + 1,
 * NUL-terminated). Returns 0, or -1 when it is malformed, tampered with, bound to another
 * ad, sealed under another secret, or holds a NUL byte. */
int sealed_open(const char *info, const char *sealed, size_t len, const char *ad,
                const unsigned char *secret, size_t secret_len, char *out);

/* The length of the plaintext a sealed string holds (what sealed_open's len must be), or -1
 * when no plaintext of 1..64 KiB can give that string. */
long sealed_plain_len(const char *sealed);

#endif
