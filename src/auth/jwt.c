/* HS256 JSON Web Tokens that Open WebUI (PyJWT 2.x, default options) and usher accept
 * from each other (the JWT_EXPIRES_IN duration syntax is in duration.c).
 *
 * Verification order: shape and length, header, alg == "HS256" exactly, the HMAC over
 * "header.payload" (CRYPTO_memcmp), and only then the payload JSON and its claims, so
 * nothing an attacker wrote in the payload is parsed before the signature holds.
 *
 * Claim rules, following PyJWT's defaults (api_jwt.py _validate_claims), with now taken as
 * whole epoch seconds (PyJWT compares integer claims with a float now; for integers
 * "exp <= now_float" is the same as "exp <= floor(now)", and "iat > now_float" the same as
 * "iat > floor(now)"):
 *   - exp, when present: numeric; expired when exp <= now (valid while now < exp);
 *   - iat and nbf, when present: numeric; rejected when greater than now;
 *   - numeric claims are truncated toward zero as Python's int() does (1.9 -> 1);
 *   - aud, when present and truthy, is rejected (PyJWT: no audience was asked for);
 *   - jti and sub, when present, must be strings (PyJWT >= 2.10);
 *   - the header's kid, when present, must be a string;
 *   - id (Open WebUI's own claim) must be a non-empty string.
 * Stricter than PyJWT, on purpose (only a holder of the secret could produce these):
 * numeric strings and booleans (which Python's int() would coerce) are not numbers here,
 * non-finite or out-of-range floats are refused, and base64url must be canonical with no
 * stray characters (PyJWT's decoder drops characters outside the alphabet). */
#include "config.h"

#include "usher/jwt.h"
#include "usher/base64url.h"
#include "usher/crypto.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/rand.h>

/* Open WebUI's tokens are ~200 bytes; anything near this bound is not one of ours. */
#define JWT_MAX_TOKEN 8192
#define JWT_MAX_DECODED (JWT_MAX_TOKEN / 4 * 3 + 1)
#define HS256_LEN 32

/* base64url('{"alg":"HS256","typ":"JWT"}'), byte for byte what PyJWT writes (it sorts
 * header keys and uses compact separators). */
static const char jwt_header_b64[] = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

/* ---------------------------------------------------------------- signing */

/* NUL-terminated within size bytes? */
static bool bounded_string(const char *s, size_t size)
{
    return memchr(s, '\0', size) != NULL;
}

char *jwt_sign(const struct jwt_claims *claims, const unsigned char *secret, size_t secret_len)
{
    /* An empty key would let anyone mint tokens; secret_load refuses one too. */
    if (!claims || !secret || secret_len == 0 || secret_len > INT32_MAX)
        return NULL;
    if (!bounded_string(claims->id, sizeof claims->id) ||
        !bounded_string(claims->jti, sizeof claims->jti) || claims->id[0] == '\0')
        return NULL;

    json_object *payload = json_object_new_object();
    if (!payload)
        return NULL;
    json_object_object_add(payload, "id", json_object_new_string(claims->id));
    if (claims->jti[0])
        json_object_object_add(payload, "jti", json_object_new_string(claims->jti));
    if (claims->has_iat)
        json_object_object_add(payload, "iat", json_object_new_int64(claims->iat));
    if (claims->has_exp)
        json_object_object_add(payload, "exp", json_object_new_int64(claims->exp));
    size_t json_len = 0;
    const char *json = json_object_to_json_string_length(
        payload, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &json_len);

    char *token = NULL;
    if (json && json_len <= JWT_MAX_DECODED) {
        size_t hlen = sizeof jwt_header_b64 - 1;
        size_t plen = base64url_encoded_len(json_len);
        size_t slen = base64url_encoded_len(HS256_LEN);
        token = malloc(hlen + 1 + plen + 1 + slen + 1);
        if (token) {
            memcpy(token, jwt_header_b64, hlen);
            token[hlen] = '.';
            size_t n = hlen + 1;
            n += base64url_encode((const unsigned char *)json, json_len, token + n);
            unsigned char mac[HS256_LEN];
            if (hmac_sha256(secret, secret_len, token, n, mac)) {
                token[n++] = '.';
                base64url_encode(mac, sizeof mac, token + n);
            } else {
                free(token);
                token = NULL;
            }
        }
    }
    json_object_put(payload);
    return token;
}

/* ---------------------------------------------------------------- verifying */

/* Parses len bytes as exactly one JSON object (whitespace around it allowed, as Python's
 * json.loads does). Returns a new reference, or NULL. */
static json_object *parse_object(const unsigned char *buf, size_t len)
{
    if (len == 0 || memchr(buf, '\0', len))
        return NULL;
    json_tokener *tok = json_tokener_new();
    if (!tok)
        return NULL;
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    json_object *obj = json_tokener_parse_ex(tok, (const char *)buf, (int)len);
    bool good = obj && json_tokener_get_error(tok) == json_tokener_success;
    if (good) {
        for (size_t i = json_tokener_get_parse_end(tok); i < len; i++)
            if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\n' && buf[i] != '\r')
                good = false;
    }
    json_tokener_free(tok);
    if (!good || !json_object_is_type(obj, json_type_object)) {
        json_object_put(obj);
        return NULL;
    }
    return obj;
}

static long base64url_decode_part(const char *part, size_t len, unsigned char *out)
{
    if (len == 0)
        return -1;
    return base64url_decode(part, len, out);
}

/* A claim that Python's int() would turn into an integer from a JSON number. Returns
 * false for anything else (strings, booleans, null, NaN, out of range). */
static bool claim_integer(json_object *v, long long *out)
{
    if (json_object_is_type(v, json_type_int)) {
        /* json-c saturates values beyond int64; such an exp is "never", same as PyJWT. */
        *out = (long long)json_object_get_int64(v);
        return true;
    }
    if (json_object_is_type(v, json_type_double)) {
        double d = json_object_get_double(v);
        if (!(d > -9.2e18 && d < 9.2e18)) /* also false for NaN */
            return false;
        *out = (long long)d; /* C truncates toward zero, like int() */
        return true;
    }
    return false;
}

/* Python truthiness of a JSON value. */
static bool truthy(json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_null:
        return false;
    case json_type_boolean:
        return json_object_get_boolean(v);
    case json_type_int:
        return json_object_get_int64(v) != 0;
    case json_type_double:
        return json_object_get_double(v) != 0.0;
    case json_type_string:
        return json_object_get_string_len(v) > 0;
    case json_type_array:
        return json_object_array_length(v) > 0;
    case json_type_object:
        return json_object_object_length(v) > 0;
    }
    return true;
}

/* Copies a JSON string claim into dst (size bytes with the NUL). False when v is not a
 * string, holds a NUL, or does not fit. */
static bool copy_string_claim(json_object *v, char *dst, size_t size)
{
    if (!json_object_is_type(v, json_type_string))
        return false;
    const char *s = json_object_get_string(v);
    size_t len = (size_t)json_object_get_string_len(v);
    if (len >= size || memchr(s, '\0', len))
        return false;
    memcpy(dst, s, len);
    dst[len] = '\0';
    return true;
}

static enum jwt_status check_claims(json_object *payload, bool check_time, long long now,
                                    struct jwt_claims *claims)
{
    json_object *v;
    struct jwt_claims c;
    memset(&c, 0, sizeof c);

    if (!json_object_object_get_ex(payload, "id", &v) || !copy_string_claim(v, c.id, sizeof c.id) ||
        c.id[0] == '\0')
        return JWT_BAD_CLAIMS;
    if (json_object_object_get_ex(payload, "jti", &v) && !copy_string_claim(v, c.jti, sizeof c.jti))
        return JWT_BAD_CLAIMS;
    if (json_object_object_get_ex(payload, "sub", &v) && !json_object_is_type(v, json_type_string))
        return JWT_BAD_CLAIMS;
    if (json_object_object_get_ex(payload, "aud", &v) && truthy(v))
        return JWT_BAD_CLAIMS;
    if (json_object_object_get_ex(payload, "iat", &v)) {
        if (!claim_integer(v, &c.iat))
            return JWT_BAD_CLAIMS;
        c.has_iat = true;
    }
    long long nbf = 0;
    bool has_nbf = false;
    if (json_object_object_get_ex(payload, "nbf", &v)) {
        if (!claim_integer(v, &nbf))
            return JWT_BAD_CLAIMS;
        has_nbf = true;
    }
    if (json_object_object_get_ex(payload, "exp", &v)) {
        if (!claim_integer(v, &c.exp))
            return JWT_BAD_CLAIMS;
        c.has_exp = true;
    }

    if (check_time) {
        /* PyJWT: ImmatureSignatureError for iat or nbf in the future. */
        if ((c.has_iat && c.iat > now) || (has_nbf && nbf > now))
            return JWT_BAD_CLAIMS;
        if (c.has_exp && c.exp <= now)
            return JWT_EXPIRED;
    }
    *claims = c;
    return JWT_OK;
}

/* The header: alg exactly "HS256" (JWT_BAD_ALG otherwise), kid a string if present. The
 * header every usher and PyJWT token carries, {"alg":"HS256","typ":"JWT"}, is recognised as
 * text; any other is decoded and checked in full. */
static enum jwt_status check_header(const char *b64, size_t len)
{
    static const char usual[] = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";
    if (len == sizeof(usual) - 1 && memcmp(b64, usual, len) == 0)
        return JWT_OK;
    unsigned char buf[JWT_MAX_DECODED];
    long n = base64url_decode_part(b64, len, buf);
    if (n < 0)
        return JWT_MALFORMED;
    json_object *header = parse_object(buf, (size_t)n);
    if (!header)
        return JWT_MALFORMED;
    json_object *v;
    bool alg_ok = json_object_object_get_ex(header, "alg", &v) &&
                  json_object_is_type(v, json_type_string) &&
                  json_object_get_string_len(v) == 5 &&
                  memcmp(json_object_get_string(v), "HS256", 5) == 0;
    bool kid_ok = !json_object_object_get_ex(header, "kid", &v) ||
                  json_object_is_type(v, json_type_string);
    json_object_put(header);
    if (!alg_ok)
        return JWT_BAD_ALG;
    return kid_ok ? JWT_OK : JWT_MALFORMED;
}

static enum jwt_status verify(const char *token, const unsigned char *secret, size_t secret_len,
                              bool check_time, long long now, struct jwt_claims *claims)
{
    if (!token || !claims)
        return JWT_MALFORMED;
    size_t len = strnlen(token, JWT_MAX_TOKEN + 1);
    if (len > JWT_MAX_TOKEN)
        return JWT_MALFORMED;
    const char *dot1 = memchr(token, '.', len);
    const char *dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)) : NULL;
    if (!dot2 || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)))
        return JWT_MALFORMED;
    size_t header_len = (size_t)(dot1 - token);
    size_t payload_len = (size_t)(dot2 - dot1 - 1);
    size_t sig_len = len - (size_t)(dot2 + 1 - token);

    enum jwt_status hs = check_header(token, header_len);
    if (hs != JWT_OK)
        return hs;

    unsigned char sig[JWT_MAX_DECODED];
    long n = base64url_decode_part(dot2 + 1, sig_len, sig);
    if (n < 0)
        return JWT_MALFORMED;
    unsigned char mac[HS256_LEN];
    if (!secret || secret_len == 0 || secret_len > INT32_MAX || n != HS256_LEN ||
        !hmac_sha256(secret, secret_len, token, (size_t)(dot2 - token), mac) ||
        CRYPTO_memcmp(mac, sig, HS256_LEN) != 0)
        return JWT_BAD_SIGNATURE;

    unsigned char buf[JWT_MAX_DECODED];
    n = base64url_decode_part(dot1 + 1, payload_len, buf);
    if (n < 0)
        return JWT_MALFORMED;
    json_object *payload = parse_object(buf, (size_t)n);
    if (!payload)
        return JWT_MALFORMED;
    enum jwt_status st = check_claims(payload, check_time, now, claims);
    json_object_put(payload);
    return st;
}

enum jwt_status jwt_verify(const char *token, const unsigned char *secret, size_t secret_len,
                           long long now, struct jwt_claims *claims)
{
    return verify(token, secret, secret_len, true, now, claims);
}

enum jwt_status jwt_verify_ignore_exp(const char *token, const unsigned char *secret,
                                      size_t secret_len, struct jwt_claims *claims)
{
    /* No clock here: every time-based check (exp, and iat/nbf in the future) is skipped. */
    return verify(token, secret, secret_len, false, 0, claims);
}
