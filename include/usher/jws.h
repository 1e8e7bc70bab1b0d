#ifndef USHER_JWS_H
#define USHER_JWS_H
/* Verification of a provider's signed JWT (an OpenID Connect ID token or a back-channel
 * logout token) against its JWKS, stricter than Open WebUI (openwebui-oauth.md §12):
 *   - only RS256/384/512, PS256, ES256 and ES384, with the JWK's kty matching (RSA of at
 *     least 2048 bits; EC on P-256 for ES256, P-384 for ES384); "none", every HS* and any
 *     other algorithm is refused, as is a header with "crit";
 *   - the key is the JWK named by the header's kid (with no kid: the only signing key of
 *     that type); a JWK whose "use" is not "sig" or whose "alg" differs is never used;
 *   - iss equals the issuer, aud (string or list) holds the client id, and azp, when
 *     present or when aud lists several, equals it;
 *   - exp (required unless said) is after now - skew, iat (required) not after now + skew;
 *   - the nonce equals the expected one (when one is expected).
 * Signatures are checked with OpenSSL EVP; the JWT's parts are base64url and JSON (json-c).
 * No I/O. */
#include <stdbool.h>
#include <json-c/json.h>

enum jws_result {
    JWS_OK,
    JWS_MALFORMED,      /* not three base64url parts of a JSON header and an object payload */
    JWS_BAD_ALG,        /* none, HS*, unknown, crit, or alg and key type differ */
    JWS_UNKNOWN_KEY,    /* no usable key in the JWKS for the kid (the caller may refetch) */
    JWS_BAD_KEY,        /* the JWK is unusable (bad numbers, small RSA, wrong curve) */
    JWS_BAD_SIGNATURE,
    JWS_BAD_ISS,
    JWS_BAD_AUD,        /* aud or azp */
    JWS_EXPIRED,        /* exp missing (when required) or past */
    JWS_BAD_IAT,        /* iat missing or in the future */
    JWS_BAD_NONCE,
};

struct jws_expect {
    const char *issuer;      /* required */
    const char *audience;    /* the client id; required */
    const char *nonce;       /* NULL: not checked here */
    long long now;           /* epoch seconds */
    int skew;                /* seconds allowed on exp and iat (60) */
    bool exp_optional;       /* a logout token may lack exp (checked when present) */
};

/* Verifies token with the keys of jwks (a JWKS object {"keys": [...]}) and e. On JWS_OK
 * *claims is the payload, a new json_object the caller puts. Otherwise *claims is NULL
 * and *why (static text, never a token part) says what failed. */
enum jws_result jws_verify(const char *token, struct json_object *jwks,
                           const struct jws_expect *e, struct json_object **claims,
                           const char **why);
/* The payload of token without any check (for routing a logout token to its provider by
 * iss): a new object or NULL when it does not decode. */
struct json_object *jws_peek_claims(const char *token);

#endif
