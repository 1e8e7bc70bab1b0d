#ifndef USHER_JWT_H
#define USHER_JWT_H
/* HS256 JSON Web Tokens, compatible with Open WebUI's PyJWT tokens: header
 * {"alg":"HS256","typ":"JWT"}, claims id, jti, iat and exp (when the token expires). */
#include <stdbool.h>
#include <stddef.h>

struct jwt_claims {
    char id[128];        /* user id */
    char jti[64];        /* token id (uuid4); "" when the token has none */
    long long iat;       /* issued-at, epoch seconds; has_iat false when absent */
    long long exp;       /* has_exp false when absent (a non-expiring token) */
    bool has_iat, has_exp;
};

enum jwt_status {
    JWT_OK = 0,
    JWT_MALFORMED,       /* not three base64url parts of JSON objects; over 8 KiB; a
                          * non-string kid */
    JWT_BAD_ALG,         /* alg is not exactly "HS256" (checked before the signature) */
    JWT_BAD_SIGNATURE,
    JWT_EXPIRED,         /* exp <= now */
    JWT_BAD_CLAIMS,      /* id missing, empty or not a string; exp/iat/nbf not numeric; iat or nbf
                          * in the future; jti/sub not strings; a non-empty aud (PyJWT's rules) */
};

/* Signs claims with secret. Returns a malloc'ed token (caller frees) or NULL (also for an
 * empty secret or an empty id). Same bytes as PyJWT for the same claims in this order:
 * id, jti, iat, exp. */
char *jwt_sign(const struct jwt_claims *claims, const unsigned char *secret, size_t secret_len);
/* Verifies token at time now (epoch seconds). On JWT_OK fills claims. The signature is
 * compared with CRYPTO_memcmp; an empty secret verifies nothing (JWT_BAD_SIGNATURE).
 * Leeway: none (PyJWT's default): valid while now < exp. Float exp/iat are truncated
 * toward zero as PyJWT's int() does. */
enum jwt_status jwt_verify(const char *token, const unsigned char *secret, size_t secret_len,
                           long long now, struct jwt_claims *claims);
/* Decodes without checking expiry (for sign-out: revoke what was presented). The signature,
 * alg and claim types are still checked; no time-based check is made (exp, iat, nbf). */
enum jwt_status jwt_verify_ignore_exp(const char *token, const unsigned char *secret,
                                      size_t secret_len, struct jwt_claims *claims);

#endif
