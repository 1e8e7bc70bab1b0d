#ifndef USHER_PASSWORD_H
#define USHER_PASSWORD_H
/* Password hashing with libxcrypt: new hashes are bcrypt $2b$ cost 12; verification
 * accepts $2a$, $2b$, $2y$ (Open WebUI's hashes) and $y$ (yescrypt). */
#include <stdbool.h>
#include <stddef.h>

#define PASSWORD_MAX_BYTES 72

/* Hashes password (already checked to be <= 72 bytes) into out (>= 128 bytes). cost 0
 * means the default 12; otherwise 4..31. Returns 0 or -1 (RAND_bytes or crypt failure, a
 * password over 72 bytes, a bad cost or a short buffer; logged). */
int password_hash(const char *password, int cost, char *out, size_t outlen);
/* True when password matches hash. The password is truncated to 72 bytes first, dropping a
 * partial UTF-8 sequence at the cut (sign-in rule). An empty or malformed hash never
 * matches. Compares in constant time. */
bool password_verify(const char *password, const char *hash);

/* True when hash is of a scheme password_verify knows (bcrypt, yescrypt); false for the
 * "!" of an account made without a password (SCIM, OIDC, LDAP). */
bool password_hash_usable(const char *hash);
/* Spends the same time as a real verification of a hash of the given cost (for unknown
 * accounts, so timing tells nothing): a built-in hash for cost 12 (or 0), one made once per
 * process for another cost. Always false. */
bool password_verify_dummy(const char *password, int cost);

#endif
