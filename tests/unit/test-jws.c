/* Unit tests: verification of provider tokens (auth/jws.c). The vectors are made here, with
 * OpenSSL, at each run: an RSA-2048 and a P-256 key, their JWKS, and tokens signed right or
 * wrong (bad signature, "none", HS256 keyed with the public key, an unknown kid, the wrong
 * aud, iss, nonce, exp, iat). */
#include "config.h"

#include "usher/jws.h"
#include "usher/base64url.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "tap.h"

#define NOW 1800000000LL
#define ISS "https://idp.example"
#define AUD "usher-client"
#define NONCE "n0nce-1234567890"

static EVP_PKEY *rsa, *ec, *rsa_other;

static char *b64(const unsigned char *p, size_t n)
{
    char *out = malloc(base64url_encoded_len(n) + 1);
    base64url_encode(p, n, out);
    return out;
}

static char *b64s(const char *s)
{
    return b64((const unsigned char *)s, strlen(s));
}

static char *bn_b64(EVP_PKEY *k, const char *name, size_t pad)
{
    BIGNUM *bn = NULL;
    EVP_PKEY_get_bn_param(k, name, &bn);
    unsigned char buf[1024];
    int n = pad ? BN_bn2binpad(bn, buf, (int)pad) : BN_bn2bin(bn, buf);
    BN_free(bn);
    return b64(buf, (size_t)n);
}

/* {"keys": [...]} with the RSA key as kid "r1", the EC key as "e1". */
static struct json_object *make_jwks(void)
{
    char *n = bn_b64(rsa, OSSL_PKEY_PARAM_RSA_N, 0), *e = bn_b64(rsa, OSSL_PKEY_PARAM_RSA_E, 0);
    char *x = bn_b64(ec, OSSL_PKEY_PARAM_EC_PUB_X, 32), *y = bn_b64(ec, OSSL_PKEY_PARAM_EC_PUB_Y, 32);
    char buf[4096];
    snprintf(buf, sizeof(buf),
             "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"r1\",\"use\":\"sig\",\"n\":\"%s\",\"e\":\"%s\"},"
             "{\"kty\":\"EC\",\"kid\":\"e1\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}]}",
             n, e, x, y);
    free(n);
    free(e);
    free(x);
    free(y);
    return json_tokener_parse(buf);
}

/* header.payload signed with key by alg ("RS256", "PS256", "ES256"); NULL key: no signature. */
static char *sign(const char *header, const char *payload, EVP_PKEY *key, const char *alg)
{
    char *h = b64s(header), *p = b64s(payload);
    size_t in_len = strlen(h) + 1 + strlen(p);
    char *in = malloc(in_len + 1);
    sprintf(in, "%s.%s", h, p);
    free(h);
    free(p);
    unsigned char sig[1024];
    size_t sig_len = 0;
    if (key) {
        EVP_MD_CTX *m = EVP_MD_CTX_new();
        EVP_PKEY_CTX *pctx = NULL;
        EVP_DigestSignInit(m, &pctx, EVP_sha256(), NULL, key);
        if (strcmp(alg, "PS256") == 0) {
            EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
            EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
        }
        unsigned char der[1024];
        size_t der_len = sizeof(der);
        EVP_DigestSign(m, der, &der_len, (const unsigned char *)in, in_len);
        EVP_MD_CTX_free(m);
        if (strcmp(alg, "ES256") == 0) {
            const unsigned char *pp = der;
            ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &pp, (long)der_len);
            BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, 32);
            BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + 32, 32);
            ECDSA_SIG_free(es);
            sig_len = 64;
        } else {
            memcpy(sig, der, der_len);
            sig_len = der_len;
        }
    }
    char *s = b64(sig, sig_len);
    char *out = malloc(in_len + strlen(s) + 2);
    sprintf(out, "%s.%s", in, s);
    free(in);
    free(s);
    return out;
}

static char *claims(const char *iss, const char *aud, long long exp, long long iat, const char *nonce)
{
    static char buf[1024];
    snprintf(buf, sizeof(buf),
             "{\"iss\":\"%s\",\"sub\":\"alice\",\"aud\":%s,\"exp\":%lld,\"iat\":%lld%s%s%s}",
             iss, aud, exp, iat, nonce ? ",\"nonce\":\"" : "", nonce ? nonce : "", nonce ? "\"" : "");
    return buf;
}

static enum jws_result check(const char *token, struct json_object *jwks, const char **why)
{
    struct jws_expect e = { .issuer = ISS, .audience = AUD, .nonce = NONCE, .now = NOW, .skew = 60 };
    struct json_object *cl = NULL;
    enum jws_result r = jws_verify(token, jwks, &e, &cl, why);
    if (r == JWS_OK) {
        struct json_object *sub;
        ok(json_object_object_get_ex(cl, "sub", &sub) && strcmp(json_object_get_string(sub), "alice") == 0,
           "the claims come back");
    }
    json_object_put(cl);
    return r;
}

#define GOOD claims(ISS, "\"" AUD "\"", NOW + 300, NOW - 5, NONCE)

static void expect(const char *what, char *token, struct json_object *jwks, enum jws_result want)
{
    const char *why = "";
    enum jws_result got = check(token, jwks, &why);
    ok(got == want, "%s: %d (%s)", what, (int)got, why);
    free(token);
}

int main(void)
{
    rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    rsa_other = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    ok(rsa && ec && rsa_other, "test keys made");
    struct json_object *jwks = make_jwks();
    ok(jwks != NULL, "JWKS made");

    expect("good RS256", sign("{\"alg\":\"RS256\",\"kid\":\"r1\"}", GOOD, rsa, "RS256"), jwks, JWS_OK);
    expect("good ES256", sign("{\"alg\":\"ES256\",\"kid\":\"e1\"}", GOOD, ec, "ES256"), jwks, JWS_OK);
    expect("good PS256", sign("{\"alg\":\"PS256\",\"kid\":\"r1\"}", GOOD, rsa, "PS256"), jwks, JWS_OK);
    expect("RS256 without kid: the only RSA key",
           sign("{\"alg\":\"RS256\"}", GOOD, rsa, "RS256"), jwks, JWS_OK);

    /* a bad signature: signed by another key, and one bit of a good one flipped */
    expect("signed by a key not in the JWKS, under a known kid",
           sign("{\"alg\":\"RS256\",\"kid\":\"r1\"}", GOOD, rsa_other, "RS256"), jwks, JWS_BAD_SIGNATURE);
    char *t = sign("{\"alg\":\"ES256\",\"kid\":\"e1\"}", GOOD, ec, "ES256");
    char *last = t + strlen(t) - 2;
    *last = *last == 'A' ? 'B' : 'A';
    expect("ES256 with a changed signature", t, jwks, JWS_BAD_SIGNATURE);
    t = sign("{\"alg\":\"RS256\",\"kid\":\"r1\"}", GOOD, rsa, "RS256");
    char *dot = strchr(t, '.') + 1;
    dot[3] = dot[3] == 'x' ? 'y' : 'x';
    expect("RS256 with a changed payload", t, jwks, JWS_BAD_SIGNATURE);

    /* none, HS256 with the public key as the HMAC key, unknown algorithms, crit */
    expect("alg none", sign("{\"alg\":\"none\"}", GOOD, NULL, "none"), jwks, JWS_BAD_ALG);
    expect("alg None", sign("{\"alg\":\"None\",\"kid\":\"r1\"}", GOOD, NULL, "none"), jwks, JWS_BAD_ALG);
    {
        char *h = b64s("{\"alg\":\"HS256\",\"kid\":\"r1\"}"), *p = b64s(GOOD);
        char in[2048];
        snprintf(in, sizeof(in), "%s.%s", h, p);
        BIO *bio = BIO_new(BIO_s_mem());
        PEM_write_bio_PUBKEY(bio, rsa);
        char *pem;
        long pem_len = BIO_get_mem_data(bio, &pem);
        unsigned char mac[32];
        unsigned int mac_len = 0;
        HMAC(EVP_sha256(), pem, (int)pem_len, (const unsigned char *)in, strlen(in), mac, &mac_len);
        char *s = b64(mac, mac_len);
        char *tok = malloc(strlen(in) + strlen(s) + 2);
        sprintf(tok, "%s.%s", in, s);
        expect("HS256 keyed with the public key", tok, jwks, JWS_BAD_ALG);
        BIO_free(bio);
        free(h);
        free(p);
        free(s);
    }
    expect("alg RS1", sign("{\"alg\":\"RS1\",\"kid\":\"r1\"}", GOOD, rsa, "RS256"), jwks, JWS_BAD_ALG);
    expect("crit header", sign("{\"alg\":\"RS256\",\"kid\":\"r1\",\"crit\":[\"x\"]}", GOOD, rsa, "RS256"),
           jwks, JWS_BAD_ALG);

    /* keys: unknown kid, algorithm and key type differ */
    expect("unknown kid", sign("{\"alg\":\"RS256\",\"kid\":\"r2\"}", GOOD, rsa, "RS256"), jwks, JWS_UNKNOWN_KEY);
    expect("ES256 naming the RSA key", sign("{\"alg\":\"ES256\",\"kid\":\"r1\"}", GOOD, ec, "ES256"),
           jwks, JWS_UNKNOWN_KEY);
    expect("RS256 naming the EC key", sign("{\"alg\":\"RS256\",\"kid\":\"e1\"}", GOOD, rsa, "RS256"),
           jwks, JWS_UNKNOWN_KEY);
    expect("no JWKS at all", sign("{\"alg\":\"RS256\",\"kid\":\"r1\"}", GOOD, rsa, "RS256"), NULL,
           JWS_UNKNOWN_KEY);

    /* claims */
    const char *H = "{\"alg\":\"RS256\",\"kid\":\"r1\"}";
    expect("wrong aud", sign(H, claims(ISS, "\"other\"", NOW + 300, NOW, NONCE), rsa, "RS256"), jwks, JWS_BAD_AUD);
    expect("aud list with the client and azp",
           sign(H, "{\"iss\":\"" ISS "\",\"sub\":\"alice\",\"aud\":[\"x\",\"" AUD "\"],\"azp\":\"" AUD
                   "\",\"exp\":1800000300,\"iat\":1800000000,\"nonce\":\"" NONCE "\"}", rsa, "RS256"),
           jwks, JWS_OK);
    expect("aud list with the client but no azp",
           sign(H, claims(ISS, "[\"x\",\"" AUD "\"]", NOW + 300, NOW, NONCE), rsa, "RS256"), jwks, JWS_BAD_AUD);
    expect("wrong iss", sign(H, claims("https://evil.example", "\"" AUD "\"", NOW + 300, NOW, NONCE), rsa, "RS256"),
           jwks, JWS_BAD_ISS);
    expect("wrong nonce", sign(H, claims(ISS, "\"" AUD "\"", NOW + 300, NOW, "other"), rsa, "RS256"), jwks,
           JWS_BAD_NONCE);
    expect("no nonce", sign(H, claims(ISS, "\"" AUD "\"", NOW + 300, NOW, NULL), rsa, "RS256"), jwks,
           JWS_BAD_NONCE);
    expect("expired beyond the skew", sign(H, claims(ISS, "\"" AUD "\"", NOW - 61, NOW - 600, NONCE), rsa, "RS256"),
           jwks, JWS_EXPIRED);
    expect("expired within the skew", sign(H, claims(ISS, "\"" AUD "\"", NOW - 30, NOW - 600, NONCE), rsa, "RS256"),
           jwks, JWS_OK);
    expect("iat beyond the skew", sign(H, claims(ISS, "\"" AUD "\"", NOW + 600, NOW + 61, NONCE), rsa, "RS256"),
           jwks, JWS_BAD_IAT);
    expect("iat within the skew", sign(H, claims(ISS, "\"" AUD "\"", NOW + 600, NOW + 30, NONCE), rsa, "RS256"),
           jwks, JWS_OK);
    expect("no exp", sign(H, "{\"iss\":\"" ISS "\",\"sub\":\"alice\",\"aud\":\"" AUD "\",\"iat\":1800000000,"
                             "\"nonce\":\"" NONCE "\"}", rsa, "RS256"), jwks, JWS_EXPIRED);

    /* malformed */
    expect("two parts", strdup("eyJhbGciOiJSUzI1NiJ9.eyJ9"), jwks, JWS_MALFORMED);
    expect("four parts", strdup("a.b.c.d"), jwks, JWS_MALFORMED);
    expect("padding in a part", strdup("eyJhbGciOiJSUzI1NiJ9=.e30.AAAA"), jwks, JWS_MALFORMED);
    expect("header not JSON", sign("not json", GOOD, rsa, "RS256"), jwks, JWS_MALFORMED);
    expect("payload a list", sign(H, "[1,2]", rsa, "RS256"), jwks, JWS_MALFORMED);

    struct json_object *peek = jws_peek_claims("eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.");
    ok(peek && json_object_object_get_ex(peek, "iss", NULL), "jws_peek_claims reads the payload");
    json_object_put(peek);

    json_object_put(jwks);
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(rsa_other);
    EVP_PKEY_free(ec);
    printf("1..%d\n", tap_n);
    return tap_failed ? 1 : 0;
}
