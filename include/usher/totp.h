#ifndef USHER_TOTP_H
#define USHER_TOTP_H
/* Two-factor sign-in's pure parts (RFC 6238 TOTP through liboath, recovery codes, the
 * sealing of a TOTP secret at rest). No I/O but OpenSSL's random generator; no HTTP, no SQL.
 * Parameters are the contract's (usher-account-security.md §1): HMAC-SHA1, 6 digits,
 * 30-second steps from the Unix epoch, one step either side. */
#include <stdbool.h>
#include <stddef.h>

#define TOTP_SECRET_BYTES 20
#define TOTP_SECRET_B32 32      /* base32 characters of 20 bytes, no padding */
#define TOTP_STEP 30
#define TOTP_DIGITS 6
#define RECOVERY_CODES 10
#define RECOVERY_CODE_CHARS 10  /* [a-z0-9], shown as xxxxx-xxxxx (11 characters) */

/* The code of secret (raw bytes) for time step `step` with `digits` digits (6..8) into out
 * (digits + 1 bytes). Returns 0, or -1 when liboath refuses. */
int totp_code(const unsigned char *secret, size_t len, long long step, unsigned digits,
              char *out);
/* Checks a 6-digit code against secret at time now (epoch seconds): the step it matches
 * among now's step and one either side, later than last_step (every code works once).
 * Returns that step (> last_step), or -1 when the code is not six digits, matches no step
 * of the window, or matches only a step at or before last_step. Constant time per step. */
long long totp_check(const unsigned char *secret, size_t len, const char *code, long long now,
                     long long last_step);
/* 20 random bytes into secret and their base32 (RFC 4648, uppercase, no padding) into b32
 * (TOTP_SECRET_B32 + 1 bytes). Returns 0, or -1 when the generator fails. */
int totp_secret_new(unsigned char secret[TOTP_SECRET_BYTES], char b32[TOTP_SECRET_B32 + 1]);
/* Base32 of in[0..len) into out (room for ceil(len*8/5) + 1), no padding. */
void totp_base32(const unsigned char *in, size_t len, char *out);
/* Decodes TOTP_SECRET_B32 characters of base32 into secret. Returns 0 or -1. */
int totp_base32_decode(const char *b32, unsigned char secret[TOTP_SECRET_BYTES]);

/* A new recovery code "xxxxx-xxxxx" into out (12 bytes). Returns 0 or -1. */
int recovery_code_new(char out[RECOVERY_CODE_CHARS + 2]);
/* A typed recovery code in its canonical form: case, spaces and hyphens dropped, into out
 * (RECOVERY_CODE_CHARS + 1 bytes). Returns 0, or -1 when what is left is not 10 of
 * [a-z0-9]. */
int recovery_code_normalize(const char *typed, char out[RECOVERY_CODE_CHARS + 1]);
/* The stored form of a canonical recovery code: hex HMAC-SHA256 under the server secret of
 * "user_id:code" into out (65 bytes), so a database dump shows neither the code nor a hash
 * one could search offline without the secret. Returns 0 or -1. */
int recovery_code_hash(const char *user_id, const char *code, const unsigned char *secret,
                       size_t secret_len, char out[65]);

/* Seals a base32 TOTP secret as the API keys are sealed (AES-256-GCM, key HKDF-SHA256 of the
 * server secret with its own info "usher totp v1", the user id as associated data): a
 * malloc'ed base64url string (caller frees), or NULL. */
char *totp_seal(const char *b32, const char *user_id, const unsigned char *secret,
                size_t secret_len);
/* Opens what totp_seal made for the same user into b32 (TOTP_SECRET_B32 + 1). Returns 0, or
 * -1 when it was tampered with, moved to another user or sealed under another secret. */
int totp_open(const char *sealed, const char *user_id, const unsigned char *secret,
              size_t secret_len, char b32[TOTP_SECRET_B32 + 1]);

#endif
