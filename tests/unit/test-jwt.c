/* Unit tests: base64url/base64, HS256 tokens (against PyJWT 2.6 vectors), durations, uuid4. */
#include "config.h"

#include "usher/base64url.h"
#include "usher/jwt.h"
#include "usher/duration.h"
#include "usher/crypto.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "tap.h"

#define SECRET "t0p-s3cr3t"
#define SK (const unsigned char *)SECRET, strlen(SECRET)
#define NOW 1700000050LL

/* ------------------------------------------------------------------ base64 */

static const char *b64url(const char *s)
{
    static char out[256];
    base64url_encode((const unsigned char *)s, strlen(s), out);
    return out;
}

/* Decoded text, or "(error)". */
static const char *unb64url(const char *s)
{
    static unsigned char out[256];
    long n = base64url_decode(s, strlen(s), out);
    return n < 0 ? "(error)" : (const char *)out;
}

static const char *unb64(const char *s)
{
    static unsigned char out[256];
    long n = base64_decode(s, strlen(s), out);
    return n < 0 ? "(error)" : (const char *)out;
}

static void test_base64(void)
{
    /* RFC 4648 §10 vectors, without padding. */
    is_str(b64url(""), "", "encode empty");
    is_str(b64url("f"), "Zg", "encode f");
    is_str(b64url("fo"), "Zm8", "encode fo");
    is_str(b64url("foo"), "Zm9v", "encode foo");
    is_str(b64url("foob"), "Zm9vYg", "encode foob");
    is_str(b64url("fooba"), "Zm9vYmE", "encode fooba");
    is_str(b64url("foobar"), "Zm9vYmFy", "encode foobar");
    is_str(b64url("\xfb\xff\xbf"), "-_-_", "encode uses - and _");
    is_int(base64url_encoded_len(32), 43, "a 32-byte MAC is 43 characters");

    is_str(unb64url("Zm9vYmFy"), "foobar", "decode foobar");
    is_str(unb64url("Zm9vYg"), "foob", "decode foob");
    is_str(unb64url("Zm9vYmE"), "fooba", "decode fooba");
    is_str(unb64url("-_-_"), "\xfb\xff\xbf", "decode - and _");
    is_str(unb64url(""), "", "decode empty");
    is_str(unb64url("Zm9vYg=="), "(error)", "padding refused in base64url");
    is_str(unb64url("Zm9v+g"), "(error)", "'+' refused in base64url");
    is_str(unb64url("Zm9v/g"), "(error)", "'/' refused in base64url");
    is_str(unb64url("Zm9 v"), "(error)", "space refused");
    is_str(unb64url("Zm9vY"), "(error)", "length 4n+1 refused");
    is_str(unb64url("Zh"), "(error)", "non-canonical trailing bits refused (Zh)");
    is_str(unb64url("Zm9"), "(error)", "non-canonical trailing bits refused (Zm9)");
    unsigned char nul[4];
    is_int(base64url_decode("AA", 2, nul), 1, "a NUL byte decodes (length 1)");
    ok(base64url_decode("\xc3\xa4", 2, nul) < 0, "non-ASCII refused");

    is_str(unb64("Zm9vYg=="), "foob", "base64 with padding");
    is_str(unb64("Zm9vYmE="), "fooba", "base64 with one '='");
    is_str(unb64("Zm9vYg"), "foob", "base64 without padding");
    is_str(unb64("+/+/"), "\xfb\xff\xbf", "base64 + and /");
    is_str(unb64("-_-_"), "(error)", "base64 refuses - and _");
    is_str(unb64("Zm9vYg="), "(error)", "bad padding length");
    is_str(unb64("Zm9v===="), "(error)", "too much padding");
    is_str(unb64("Zg==Zg=="), "(error)", "padding in the middle");
    is_str(unb64("="), "(error)", "padding only");
    is_str(unb64("Zm9vY==="), "(error)", "three '='");
    is_str(unb64("Zh=="), "f", "base64 tolerates non-canonical trailing bits");
    is_str(unb64("Zm9v\nYmFy"), "(error)", "whitespace refused");
}

/* ------------------------------------------------------------------ tokens */

/* PyJWT 2.6.0, jwt.encode(claims, "t0p-s3cr3t", algorithm="HS256"). */
static const char py_full[] = /* id, exp 4102444800, jti, iat 1700000000 */
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpZCI6IjBiN2I2YzU0LTRmNWUtNGE1My05ZDJhLTJhNWMzZjBl"
    "OGYxMSIsImV4cCI6NDEwMjQ0NDgwMCwianRpIjoiNWQxZjljNmUtOGEyYi00YzNkLTllNGYtMGExYjJjM2Q0ZTVmIiwi"
    "aWF0IjoxNzAwMDAwMDAwfQ.DIlHW9e0E6OLZ_X1CDFLmkQsrojMF9P73AFKq4p3MNc";
static const char py_no_exp[] = /* {"id": "user-1", "jti": "abc"} */
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpZCI6InVzZXItMSIsImp0aSI6ImFiYyJ9."
    "44y2H5UE26TEGiBFpDeDT7MRm6DpYuaIdSIoEWhCyAU";
static const char py_expired[] = /* {"id": "user-1", "exp": 1700000000} */
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpZCI6InVzZXItMSIsImV4cCI6MTcwMDAwMDAwMH0."
    "106ptwKfWJkJJ_SBg6Fc1g89VWe6bmjUEnxSYiE-NAI";
static const char py_hs512[] = /* {"id": "user-1"}, HS512 */
    "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.eyJpZCI6InVzZXItMSJ9.RWpl5suZk_JuACKXDSaU4N48Kp3ssFUU"
    "CaWkwQwHUFjqBZdr27b-KcTrRTrCHnaf2xVzWJzzSvFyjBdup43Prw";
static const char py_float[] = /* {"id": "user-1", "exp": 1700000000.9, "iat": 1600000000.5} */
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpZCI6InVzZXItMSIsImV4cCI6MTcwMDAwMDAwMC45LCJpYXQi"
    "OjE2MDAwMDAwMDAuNX0.Kmsdt3-DpiwsSkjv26wHqZ1n-I4skzW4BErHkmlPruY";
static const char py_utf8[] = /* {"id": "ü-ß"}, secret "ключ" */
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpZCI6Ilx1MDBmYy1cdTAwZGYifQ."
    "8XSdhlp4ewxW965lGlKRhAuUECtfBSH-NHvyUmTmsQw";
static const char py_int_id[] = /* {"id": 42} */
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpZCI6NDJ9.s-OMZxyzza2X8JK_wspkbTyAlquxWtD-29BA3KX0MKw";
static const char py_future_iat[] = /* {"id": "user-1", "iat": 1700000100} */
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpZCI6InVzZXItMSIsImlhdCI6MTcwMDAwMDEwMH0."
    "APBZAsgkieOrRqd62GiflQyN-7BFO0fLILbS61naOwM";
static const char py_aud[] = /* {"id": "user-1", "aud": "x"} */
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpZCI6InVzZXItMSIsImF1ZCI6IngifQ."
    "_ChdCVWPYlReqOrzFY4AvjwgmzBOREIpXmyuAoJTLec";
static const char py_future_nbf[] = /* {"id": "user-1", "nbf": 1700000100} */
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpZCI6InVzZXItMSIsIm5iZiI6MTcwMDAwMDEwMH0."
    "ObdM6_Farnl9ucKxym6cH-qOY-x3GjXyO8r33tanoSQ";
static const char py_string_exp[] = /* {"id": "user-1", "exp": "1700000100"} */
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpZCI6InVzZXItMSIsImV4cCI6IjE3MDAwMDAxMDAifQ."
    "wF20jrojqkikYgWJCdF4xZJpunV-a4fpeH1yqrxGEjk";
/* {"id", "jti", "iat": 1700000000, "exp": 1702419200} in the order jwt_sign writes them. */
static const char py_ordered[] =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpZCI6IjBiN2I2YzU0LTRmNWUtNGE1My05ZDJhLTJhNWMzZjBl"
    "OGYxMSIsImp0aSI6IjVkMWY5YzZlLThhMmItNGMzZC05ZTRmLTBhMWIyYzNkNGU1ZiIsImlhdCI6MTcwMDAwMDAw"
    "MCwiZXhwIjoxNzAyNDE5MjAwfQ.5Z-2zJJv2juBb7MGKwdQLe7AFSeEWfnkMRt5katPg7U";

/* Builds header.payload.signature from raw JSON texts, signed with HS256 under SECRET
 * (or with sig_override as the third part). Caller frees. */
static char *forge(const char *header, const char *payload, const char *sig_override)
{
    size_t hl = strlen(header), pl = strlen(payload);
    char *t = malloc(base64url_encoded_len(hl) + base64url_encoded_len(pl) + 200);
    size_t n = base64url_encode((const unsigned char *)header, hl, t);
    t[n++] = '.';
    n += base64url_encode((const unsigned char *)payload, pl, t + n);
    if (sig_override) {
        t[n++] = '.';
        strcpy(t + n, sig_override);
        return t;
    }
    unsigned char mac[32];
    unsigned int ml = 0;
    HMAC(EVP_sha256(), SECRET, (int)strlen(SECRET), (unsigned char *)t, n, mac, &ml);
    t[n++] = '.';
    base64url_encode(mac, ml, t + n);
    return t;
}

#define HS256_HEADER "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"

/* Verifies a forged token at NOW. */
static enum jwt_status check_forged(const char *header, const char *payload)
{
    struct jwt_claims c;
    char *t = forge(header, payload, NULL);
    enum jwt_status st = jwt_verify(t, SK, NOW, &c);
    free(t);
    return st;
}

static void test_pyjwt_vectors(void)
{
    struct jwt_claims c;
    is_int(jwt_verify(py_full, SK, NOW, &c), JWT_OK, "PyJWT token verifies");
    is_str(c.id, "0b7b6c54-4f5e-4a53-9d2a-2a5c3f0e8f11", "id read");
    is_str(c.jti, "5d1f9c6e-8a2b-4c3d-9e4f-0a1b2c3d4e5f", "jti read");
    ok(c.has_exp && c.exp == 4102444800LL, "exp read");
    ok(c.has_iat && c.iat == 1700000000LL, "iat read");

    is_int(jwt_verify(py_full, (const unsigned char *)"t0p-s3cr3T", 10, NOW, &c),
           JWT_BAD_SIGNATURE, "wrong secret");
    is_int(jwt_verify(py_full, (const unsigned char *)"", 0, NOW, &c), JWT_BAD_SIGNATURE,
           "empty secret verifies nothing");

    is_int(jwt_verify(py_no_exp, SK, NOW, &c), JWT_OK, "token without exp verifies");
    ok(!c.has_exp && !c.has_iat, "no exp, no iat");
    is_str(c.jti, "abc", "jti abc");

    /* PyJWT: expired when exp <= now; valid while now < exp. */
    is_int(jwt_verify(py_expired, SK, 1700000001LL, &c), JWT_EXPIRED, "expired a second after");
    is_int(jwt_verify(py_expired, SK, 1700000000LL, &c), JWT_EXPIRED, "expired when now == exp");
    is_int(jwt_verify(py_expired, SK, 1699999999LL, &c), JWT_OK, "valid a second before exp");
    is_int(jwt_verify_ignore_exp(py_expired, SK, &c), JWT_OK, "ignore_exp accepts it");
    is_str(c.id, "user-1", "ignore_exp fills claims");

    is_int(jwt_verify(py_hs512, SK, NOW, &c), JWT_BAD_ALG, "HS512 refused");
    is_int(jwt_verify_ignore_exp(py_hs512, SK, &c), JWT_BAD_ALG, "HS512 refused by ignore_exp");

    /* Floats, as PyJWT accepts them: int() truncates. */
    is_int(jwt_verify(py_float, SK, 1699999999LL, &c), JWT_OK, "float exp/iat accepted");
    is_int(c.exp, 1700000000LL, "float exp truncated");
    is_int(c.iat, 1600000000LL, "float iat truncated");
    is_int(jwt_verify(py_float, SK, 1700000000LL, &c), JWT_EXPIRED, "float exp 1700000000.9 -> "
           "expired at 1700000000 (PyJWT: int(exp) <= now)");

    is_int(jwt_verify(py_utf8, (const unsigned char *)"ключ", strlen("ключ"), NOW, &c), JWT_OK,
           "UTF-8 secret and \\u escapes");
    is_str(c.id, "ü-ß", "escaped id decoded to UTF-8");

    is_int(jwt_verify(py_int_id, SK, NOW, &c), JWT_BAD_CLAIMS, "non-string id refused");
    is_int(jwt_verify(py_future_iat, SK, NOW, &c), JWT_BAD_CLAIMS, "iat in the future refused");
    is_int(jwt_verify(py_future_iat, SK, 1700000100LL, &c), JWT_OK, "iat == now accepted");
    is_int(jwt_verify(py_future_nbf, SK, NOW, &c), JWT_BAD_CLAIMS, "nbf in the future refused");
    is_int(jwt_verify(py_aud, SK, NOW, &c), JWT_BAD_CLAIMS, "aud refused (none expected)");
    is_int(jwt_verify(py_string_exp, SK, NOW, &c), JWT_BAD_CLAIMS, "string exp refused");
}

static void test_sign(void)
{
    struct jwt_claims in, out;
    memset(&in, 0, sizeof in);
    strcpy(in.id, "0b7b6c54-4f5e-4a53-9d2a-2a5c3f0e8f11");
    strcpy(in.jti, "5d1f9c6e-8a2b-4c3d-9e4f-0a1b2c3d4e5f");
    in.iat = 1700000000;
    in.exp = 1702419200;
    in.has_iat = in.has_exp = true;
    char *t = jwt_sign(&in, SK);
    is_str(t, py_ordered, "jwt_sign is byte-identical to PyJWT for the same claims");
    is_int(jwt_verify(t, SK, NOW, &out), JWT_OK, "own token verifies");
    ok(memcmp(&in, &out, sizeof in) == 0 || (strcmp(in.id, out.id) == 0 &&
       strcmp(in.jti, out.jti) == 0 && in.iat == out.iat && in.exp == out.exp &&
       out.has_iat && out.has_exp), "claims round-trip");
    free(t);

    memset(&in, 0, sizeof in);
    strcpy(in.id, "user-1");
    t = jwt_sign(&in, SK);
    is_str(t, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpZCI6InVzZXItMSJ9."
              "xBSDh4vR9Zh87vAZTuOABd-lNI2YhnfSLMPUoNzbLFE", "id-only token as PyJWT writes it");
    is_int(jwt_verify(t, SK, NOW, &out), JWT_OK, "id-only token verifies");
    ok(!out.has_exp && !out.has_iat && out.jti[0] == '\0', "no jti, iat, exp");
    free(t);

    strcpy(in.id, "quote\"back\\slash/\xc3\xa9");
    t = jwt_sign(&in, SK);
    is_int(jwt_verify(t, SK, NOW, &out), JWT_OK, "id needing escapes round-trips");
    is_str(out.id, in.id, "same id back");
    free(t);

    ok(jwt_sign(&in, (const unsigned char *)"", 0) == NULL, "empty secret: no token");
    in.id[0] = '\0';
    ok(jwt_sign(&in, SK) == NULL, "empty id: no token");
    memset(in.id, 'a', sizeof in.id); /* not NUL-terminated */
    ok(jwt_sign(&in, SK) == NULL, "unterminated id: no token");
}

static void test_refusals(void)
{
    struct jwt_claims c;
    const char *payload = "{\"id\":\"user-1\"}";
    is_int(check_forged(HS256_HEADER, payload), JWT_OK, "forge helper makes a valid token");

    /* alg: exactly "HS256", checked before the signature. */
    char *t = forge("{\"alg\":\"none\",\"typ\":\"JWT\"}", payload, "");
    is_int(jwt_verify(t, SK, NOW, &c), JWT_BAD_ALG, "alg none with empty signature");
    free(t);
    t = forge("{\"alg\":\"none\"}", payload, NULL);
    is_int(jwt_verify(t, SK, NOW, &c), JWT_BAD_ALG, "alg none with a valid HMAC");
    free(t);
    is_int(check_forged("{\"typ\":\"JWT\"}", payload), JWT_BAD_ALG, "missing alg");
    is_int(check_forged("{\"alg\":\"hs256\"}", payload), JWT_BAD_ALG, "lowercase hs256");
    is_int(check_forged("{\"alg\":\"HS256 \"}", payload), JWT_BAD_ALG, "alg with a space");
    is_int(check_forged("{\"alg\":\"HS256\\u0000\"}", payload), JWT_BAD_ALG, "alg with a NUL");
    is_int(check_forged("{\"alg\":null}", payload), JWT_BAD_ALG, "alg null");
    is_int(check_forged("{\"alg\":[\"HS256\"]}", payload), JWT_BAD_ALG, "alg as a list");
    is_int(check_forged("{\"alg\":\"RS256\"}", payload), JWT_BAD_ALG, "RS256");
    is_int(check_forged("{\"alg\":\"HS256\"}", payload), JWT_OK, "header without typ is fine");
    is_int(check_forged("{\"alg\":\"HS256\",\"kid\":5}", payload), JWT_MALFORMED,
           "non-string kid refused");
    is_int(check_forged("[\"HS256\"]", payload), JWT_MALFORMED, "header not an object");
    is_int(check_forged("{\"alg\":\"HS256\"", payload), JWT_MALFORMED, "header not JSON");
    is_int(check_forged("{\"alg\":\"HS256\"} x", payload), JWT_MALFORMED, "trailing garbage");
    is_int(check_forged(" {\"alg\":\"HS256\"}\n", payload), JWT_OK, "whitespace around is JSON");
    is_int(check_forged("{'alg':'HS256'}", payload), JWT_MALFORMED, "single quotes are not JSON");

    /* Payload. */
    is_int(check_forged(HS256_HEADER, "{}"), JWT_BAD_CLAIMS, "no id");
    is_int(check_forged(HS256_HEADER, "{\"id\":\"\"}"), JWT_BAD_CLAIMS, "empty id");
    is_int(check_forged(HS256_HEADER, "{\"id\":null}"), JWT_BAD_CLAIMS, "null id");
    is_int(check_forged(HS256_HEADER, "{\"id\":[\"a\"]}"), JWT_BAD_CLAIMS, "list id");
    is_int(check_forged(HS256_HEADER, "{\"id\":\"a\\u0000b\"}"), JWT_BAD_CLAIMS, "id with NUL");
    char big[300];
    snprintf(big, sizeof big, "{\"id\":\"%0128d\"}", 0);
    is_int(check_forged(HS256_HEADER, big), JWT_BAD_CLAIMS, "128-byte id does not fit");
    snprintf(big, sizeof big, "{\"id\":\"%0127d\"}", 0);
    is_int(check_forged(HS256_HEADER, big), JWT_OK, "127-byte id fits");
    snprintf(big, sizeof big, "{\"id\":\"u\",\"jti\":\"%064d\"}", 0);
    is_int(check_forged(HS256_HEADER, big), JWT_BAD_CLAIMS, "64-byte jti does not fit");
    is_int(check_forged(HS256_HEADER, "{\"id\":\"u\",\"jti\":7}"), JWT_BAD_CLAIMS, "numeric jti");
    is_int(check_forged(HS256_HEADER, "{\"id\":\"u\",\"sub\":7}"), JWT_BAD_CLAIMS, "numeric sub");
    is_int(check_forged(HS256_HEADER, "{\"id\":\"u\",\"sub\":\"x\"}"), JWT_OK, "string sub");
    is_int(check_forged(HS256_HEADER, "{\"id\":\"u\",\"aud\":\"\"}"), JWT_OK, "empty aud ok");
    is_int(check_forged(HS256_HEADER, "{\"id\":\"u\",\"aud\":[]}"), JWT_OK, "aud [] ok");
    is_int(check_forged(HS256_HEADER, "{\"id\":\"u\",\"aud\":[\"a\"]}"), JWT_BAD_CLAIMS,
           "aud list refused");
    is_int(check_forged(HS256_HEADER, "{\"id\":\"u\",\"exp\":null}"), JWT_BAD_CLAIMS, "exp null");
    is_int(check_forged(HS256_HEADER, "{\"id\":\"u\",\"exp\":true}"), JWT_BAD_CLAIMS, "exp true");
    is_int(check_forged(HS256_HEADER, "{\"id\":\"u\",\"exp\":1e300}"), JWT_BAD_CLAIMS,
           "exp out of range");
    /* Python's json takes NaN too; int(nan) then raises, so PyJWT refuses the token. */
    is_int(check_forged(HS256_HEADER, "{\"id\":\"u\",\"exp\":NaN}"), JWT_BAD_CLAIMS, "exp NaN");
    is_int(check_forged(HS256_HEADER, "{\"id\":\"u\",\"exp\":1700000051}"), JWT_OK, "exp now+1");
    is_int(check_forged(HS256_HEADER, "{\"id\":\"u\",\"exp\":1700000050}"), JWT_EXPIRED, "exp now");
    is_int(check_forged(HS256_HEADER, "{\"id\":\"u\",\"exp\":-5}"), JWT_EXPIRED, "negative exp");
    is_int(check_forged(HS256_HEADER, "{\"id\":\"u\",\"exp\":99999999999999999999}"), JWT_OK,
           "exp beyond int64 is 'never' (PyJWT takes big ints)");
    is_int(check_forged(HS256_HEADER, "{\"id\":\"u\",\"iat\":\"1\"}"), JWT_BAD_CLAIMS,
           "string iat");
    is_int(check_forged(HS256_HEADER, "{\"id\":\"u\",\"iat\":1700000050.99}"), JWT_OK,
           "iat now.99 truncates to now");
    is_int(check_forged(HS256_HEADER, "{\"id\":\"u\",\"iat\":1700000051}"), JWT_BAD_CLAIMS,
           "iat now+1");
    is_int(check_forged(HS256_HEADER, "[\"u\"]"), JWT_MALFORMED, "payload not an object");
    is_int(check_forged(HS256_HEADER, "{\"id\":\"u\"}{}"), JWT_MALFORMED, "two objects");
    is_int(check_forged(HS256_HEADER, "{\"id\":\"u\xff\"}"), JWT_MALFORMED, "invalid UTF-8");
    is_int(check_forged(HS256_HEADER, "{\"id\":\"u\",\"id\":\"v\"}"), JWT_OK,
           "duplicate keys: last wins, as in Python");

    /* Tampering with a valid token. */
    char *good = forge(HS256_HEADER, "{\"id\":\"user-1\",\"exp\":1800000000}", NULL);
    char *dot2 = strrchr(good, '.');
    char *copy = strdup(good);
    char *p = copy + (strchr(good, '.') - good) + 5;
    *p = *p == 'A' ? 'B' : 'A';
    is_int(jwt_verify(copy, SK, NOW, &c), JWT_BAD_SIGNATURE, "tampered payload");
    free(copy);
    /* Same payload bytes but a different claim: swap the payload for another's. */
    char *other = forge(HS256_HEADER, "{\"id\":\"admin\",\"exp\":1800000000}", NULL);
    size_t head = (size_t)(strchr(other, '.') - other);
    size_t other_sig = (size_t)(strrchr(other, '.') - other);
    char spliced[512];
    snprintf(spliced, sizeof spliced, "%.*s%s", (int)other_sig, other, dot2);
    is_int(jwt_verify(spliced, SK, NOW, &c), JWT_BAD_SIGNATURE, "payload from another token");
    (void)head;
    copy = strdup(good);
    copy[strlen(copy) - 2] = copy[strlen(copy) - 2] == 'A' ? 'B' : 'A';
    is_int(jwt_verify(copy, SK, NOW, &c), JWT_BAD_SIGNATURE, "tampered signature");
    free(copy);
    copy = strdup(good);
    copy[strlen(copy) - 1] = '\0';
    is_int(jwt_verify(copy, SK, NOW, &c), JWT_MALFORMED, "signature one char short");
    free(copy);
    size_t gl = strlen(good);
    copy = malloc(gl + 4);
    snprintf(copy, gl + 4, "%s.", good);
    is_int(jwt_verify(copy, SK, NOW, &c), JWT_MALFORMED, "four parts");
    snprintf(copy, gl + 4, "%.*s", (int)(dot2 - good), good);
    is_int(jwt_verify(copy, SK, NOW, &c), JWT_MALFORMED, "two parts");
    snprintf(copy, gl + 4, "%.*s.", (int)(dot2 - good), good);
    is_int(jwt_verify(copy, SK, NOW, &c), JWT_MALFORMED, "empty signature");
    snprintf(copy, gl + 4, "%sAAA", good);
    is_int(jwt_verify(copy, SK, NOW, &c), JWT_BAD_SIGNATURE, "signature of 34 bytes");
    free(copy);
    free(good);
    free(other);

    /* A signature of the right length that decodes, but over the wrong key. */
    t = forge(HS256_HEADER, payload, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    is_int(jwt_verify(t, SK, NOW, &c), JWT_BAD_SIGNATURE, "zero signature");
    free(t);

    is_int(jwt_verify("", SK, NOW, &c), JWT_MALFORMED, "empty token");
    is_int(jwt_verify("..", SK, NOW, &c), JWT_MALFORMED, "only dots");
    is_int(jwt_verify("a.b.c", SK, NOW, &c), JWT_MALFORMED, "garbage parts");
    is_int(jwt_verify(NULL, SK, NOW, &c), JWT_MALFORMED, "NULL token");

    /* Length bound. */
    char *huge = malloc(20000);
    memset(huge, 'A', 19999);
    huge[19999] = '\0';
    huge[100] = '.';
    huge[200] = '.';
    is_int(jwt_verify(huge, SK, NOW, &c), JWT_MALFORMED, "20 KB token refused");
    free(huge);
    char longid[7000];
    memset(longid, 'x', sizeof longid);
    memcpy(longid, "{\"id\":\"u\",\"pad\":\"", 17);
    strcpy(longid + 6500, "\"}");
    t = forge(HS256_HEADER, longid, NULL);
    ok(strlen(t) > 8192, "a token over 8 KiB (%zu bytes)", strlen(t));
    is_int(jwt_verify(t, SK, NOW, &c), JWT_MALFORMED, "refused by the length bound");
    free(t);
}

/* ------------------------------------------------------------------ durations */

/* s with control characters escaped, for a one-line TAP description. */
static const char *printable(const char *s)
{
    static char buf[64];
    size_t o = 0;
    for (; *s && o + 5 < sizeof buf; s++) {
        if (*s == '\n') {
            buf[o++] = '\\';
            buf[o++] = 'n';
        } else {
            buf[o++] = *s;
        }
    }
    buf[o] = '\0';
    return buf;
}

struct duration_case {
    const char *s;
    int rc;
    bool expires;
    double seconds;
    bool config_ok;
};

static void test_durations(void)
{
    /* Expected values come from Open WebUI's parse_duration and its admin-config regex,
     * run under Python 3.11. */
    static const struct duration_case cases[] = {
        { "-1", 0, false, 0, true },
        { "0", 0, false, 0, true },
        { "4w", 0, true, 2419200, true },
        { "1h", 0, true, 3600, true },
        { "30m", 0, true, 1800, true },
        { "15s", 0, true, 15, true },
        /* usher refuses in the config what makes every token born expired (issue 9) */
        { "500ms", 0, true, 0, false },         /* non-zero: expires, 0 whole seconds */
        { "1500ms", 0, true, 1, true },
        { "1.5h", 0, true, 5400, true },
        { "-1h", 0, true, -3600, false },       /* an already-expired token */
        { "-0.5d", 0, true, -43200, false },
        { "-500ms", 0, true, 0, false },
        { "0s", 0, false, 0, true },            /* zero total: no expiry */
        { "0.0000001ms", 0, false, 0, true },   /* rounds to 0 microseconds */
        { "0.5ms", 0, true, 0, false },
        { "10000w", 0, true, 6048000000.0, true },
        { "1h 30m", 0, true, 5400, false },     /* findall skips what is between pairs */
        { "1h30m", 0, true, 5400, false },
        { "2w1d", 0, true, 1296000, false },
        { "1d,2h", 0, true, 93600, false },
        { "5min", 0, true, 300, false },
        { " 4w", 0, true, 2419200, false },
        { "4w ", 0, true, 2419200, false },
        { "4w\n", 0, true, 2419200, false },    /* Python's $ would take this one */
        { "1.5.5h", 0, true, 19800, false },
        { "--5h", 0, true, -18000, false },
        { "x-5h", 0, true, -18000, false },
        { "1e3s", 0, true, 3, false },
        { "1h-1h", 0, false, 0, false },
        { "abc", -1, false, 0, false },
        { "", -1, false, 0, false },
        { "4", -1, false, 0, false },
        { "00", -1, false, 0, false },
        { "-0", -1, false, 0, false },
        { "1.s", -1, false, 0, false },
        { "1.", -1, false, 0, false },
        { "4W", -1, false, 0, false },
        { "12.h", -1, false, 0, false },
        { "99999999999999999999w", -1, false, 0, false }, /* out of range */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct duration_case *k = &cases[i];
        bool expires = !k->expires;
        double seconds = -12345;
        int rc = jwt_parse_duration(k->s, &expires, &seconds);
        if (k->rc == 0)
            ok(rc == 0 && expires == k->expires && seconds == k->seconds,
               "parse_duration(\"%s\") = %s %.0f (got rc %d %s %.0f)", printable(k->s),
               k->expires ? "expires" : "never", k->seconds, rc, expires ? "expires" : "never",
               seconds);
        else
            is_int(rc, -1, "parse_duration(\"%s\") refused", printable(k->s));
        ok(jwt_duration_valid_for_config(k->s) == k->config_ok, "config check of \"%s\": %s",
           printable(k->s), k->config_ok ? "valid" : "invalid");
    }
    bool e;
    double s;
    is_int(jwt_parse_duration(NULL, &e, &s), -1, "NULL refused");
    ok(!jwt_duration_valid_for_config(NULL), "NULL invalid for config");
    char long_input[2000];
    memset(long_input, '1', sizeof long_input - 3);
    strcpy(long_input + sizeof long_input - 3, "s");
    is_int(jwt_parse_duration(long_input, &e, &s), -1, "over-long input refused");
}

/* ------------------------------------------------------------------ uuid4 */

static void test_uuid4(void)
{
    char a[37], b[37];
    is_int(uuid4(a), 0, "uuid4 ok");
    is_int(uuid4(b), 0, "uuid4 again");
    ok(strcmp(a, b) != 0, "two uuid4 differ");
    bool shape = strlen(a) == 36;
    for (int i = 0; i < 36 && shape; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23)
            shape = a[i] == '-';
        else
            shape = isxdigit((unsigned char)a[i]) && !isupper((unsigned char)a[i]);
    }
    ok(shape, "8-4-4-4-12 lowercase hex: %s", a);
    ok(a[14] == '4', "version 4");
    ok(strchr("89ab", a[19]) != NULL, "RFC 4122 variant");
    /* Over many draws, the fixed bits stay fixed and the others vary. */
    bool fixed = true;
    for (int i = 0; i < 200; i++) {
        uuid4(b);
        fixed = fixed && b[14] == '4' && strchr("89ab", b[19]);
    }
    ok(fixed, "version and variant on 200 draws");
}

int main(void)
{
    test_base64();
    test_pyjwt_vectors();
    test_sign();
    test_refusals();
    test_durations();
    test_uuid4();
    return tap_done();
}
