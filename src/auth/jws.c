/* JWS verification of provider tokens (see jws.h): OpenSSL EVP for the signature, json-c
 * for the header and payload, base64url.c for the parts. */
#include "config.h"
#include "usher/jws.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "usher/base64url.h"

#define MAX_TOKEN 16384

enum kty { KTY_RSA, KTY_EC };

struct alg {
    const char *name;
    enum kty kty;
    const char *md;
    bool pss;
    const char *curve;   /* EC: the JWK's crv */
    size_t coord;        /* EC: bytes of one coordinate (the signature is r||s of this) */
};

static const struct alg algs[] = {
    { "RS256", KTY_RSA, "SHA256", false, NULL, 0 },
    { "RS384", KTY_RSA, "SHA384", false, NULL, 0 },
    { "RS512", KTY_RSA, "SHA512", false, NULL, 0 },
    { "PS256", KTY_RSA, "SHA256", true, NULL, 0 },
    { "ES256", KTY_EC, "SHA256", false, "P-256", 32 },
    { "ES384", KTY_EC, "SHA384", false, "P-384", 48 },
};

static const struct alg *alg_find(const char *name)
{
    for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
        if (strcmp(algs[i].name, name) == 0)
            return &algs[i];
    return NULL;
}

/* base64url part [p, p+len) decoded into a new malloc'd buffer; NULL when invalid. */
static unsigned char *part_decode(const char *p, size_t len, size_t *out_len)
{
    unsigned char *buf = malloc(len * 3 / 4 + 2);
    if (!buf)
        return NULL;
    long n = base64url_decode(p, len, buf);
    if (n < 0) {
        free(buf);
        return NULL;
    }
    *out_len = (size_t)n;
    return buf;
}

static struct json_object *part_json(const char *p, size_t len, json_type want)
{
    size_t n;
    unsigned char *buf = part_decode(p, len, &n);
    if (!buf)
        return NULL;
    struct json_object *o = NULL;
    if (strlen((const char *)buf) == n) {
        struct json_tokener *tok = json_tokener_new();
        o = json_tokener_parse_ex(tok, (const char *)buf, (int)n);
        if (o && (json_tokener_get_error(tok) != json_tokener_success ||
                  tok->char_offset != (int)n || !json_object_is_type(o, want))) {
            json_object_put(o);
            o = NULL;
        }
        json_tokener_free(tok);
    }
    free(buf);
    return o;
}

static const char *str_member(struct json_object *o, const char *key)
{
    struct json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

static BIGNUM *jwk_bn(struct json_object *jwk, const char *key, size_t want_len)
{
    const char *s = str_member(jwk, key);
    if (!s)
        return NULL;
    size_t n;
    unsigned char *buf = part_decode(s, strlen(s), &n);
    if (!buf)
        return NULL;
    BIGNUM *bn = NULL;
    if (n > 0 && (!want_len || n == want_len))
        bn = BN_bin2bn(buf, (int)n, NULL);
    free(buf);
    return bn;
}

static EVP_PKEY *key_from_params(const char *type, OSSL_PARAM_BLD *bld)
{
    EVP_PKEY *pkey = NULL;
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    if (params && ctx && EVP_PKEY_fromdata_init(ctx) == 1)
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    return pkey;
}

static EVP_PKEY *rsa_key(struct json_object *jwk)
{
    BIGNUM *n = jwk_bn(jwk, "n", 0), *e = jwk_bn(jwk, "e", 0);
    EVP_PKEY *pkey = NULL;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    if (n && e && bld && BN_num_bits(n) >= 2048 && BN_num_bits(n) <= 16384 && BN_is_odd(e) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) == 1 &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) == 1)
        pkey = key_from_params("RSA", bld);
    OSSL_PARAM_BLD_free(bld);
    BN_free(n);
    BN_free(e);
    return pkey;
}

static EVP_PKEY *ec_key(struct json_object *jwk, const struct alg *al)
{
    const char *crv = str_member(jwk, "crv");
    if (!crv || strcmp(crv, al->curve) != 0)
        return NULL;
    const char *xs = str_member(jwk, "x"), *ys = str_member(jwk, "y");
    if (!xs || !ys)
        return NULL;
    size_t xn = 0, yn = 0;
    unsigned char *x = part_decode(xs, strlen(xs), &xn), *y = part_decode(ys, strlen(ys), &yn);
    EVP_PKEY *pkey = NULL;
    if (x && y && xn == al->coord && yn == al->coord) {
        unsigned char pub[1 + 2 * 66];
        pub[0] = 0x04;
        memcpy(pub + 1, x, xn);
        memcpy(pub + 1 + xn, y, yn);
        OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
        if (bld &&
            OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
                                            strcmp(crv, "P-256") == 0 ? "P-256" : "P-384", 0) == 1 &&
            OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, 1 + xn + yn) == 1)
            pkey = key_from_params("EC", bld);
        OSSL_PARAM_BLD_free(bld);
    }
    free(x);
    free(y);
    return pkey;
}

/* The JWK of jwks for kid and al: 1 found (*out), 0 none. */
static int jwk_pick(struct json_object *jwks, const char *kid, const struct alg *al,
                    struct json_object **out)
{
    struct json_object *keys;
    if (!jwks || !json_object_object_get_ex(jwks, "keys", &keys) ||
        !json_object_is_type(keys, json_type_array))
        return 0;
    size_t n = json_object_array_length(keys), found = 0;
    for (size_t i = 0; i < n; i++) {
        struct json_object *k = json_object_array_get_idx(keys, i);
        if (!json_object_is_type(k, json_type_object))
            continue;
        const char *kty = str_member(k, "kty"), *use = str_member(k, "use");
        const char *kalg = str_member(k, "alg"), *kkid = str_member(k, "kid");
        if (!kty || strcmp(kty, al->kty == KTY_RSA ? "RSA" : "EC") != 0)
            continue;
        if (use && strcmp(use, "sig") != 0)
            continue;
        if (kalg && strcmp(kalg, al->name) != 0)
            continue;
        if (kid) {
            if (kkid && strcmp(kkid, kid) == 0) {
                *out = k;
                return 1;
            }
            continue;
        }
        *out = k;
        found++;
    }
    return found == 1;
}

/* ECDSA r||s (JWS) into the DER signature OpenSSL verifies: a new malloc'd buffer. */
static unsigned char *ecdsa_der(const unsigned char *raw, size_t coord, size_t *der_len)
{
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, (int)coord, NULL), *s = BN_bin2bn(raw + coord, (int)coord, NULL);
    unsigned char *der = NULL;
    if (sig && r && s && ECDSA_SIG_set0(sig, r, s) == 1) {
        r = s = NULL;
        int len = i2d_ECDSA_SIG(sig, &der);
        if (len <= 0) {
            der = NULL;
        } else {
            *der_len = (size_t)len;
            unsigned char *copy = malloc((size_t)len);
            if (copy)
                memcpy(copy, der, (size_t)len);
            OPENSSL_free(der);
            der = copy;
        }
    }
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return der;
}

static bool sig_ok(EVP_PKEY *pkey, const struct alg *al, const char *data, size_t data_len,
                   const unsigned char *sig, size_t sig_len)
{
    unsigned char *der = NULL;
    if (al->kty == KTY_EC) {
        if (sig_len != 2 * al->coord)
            return false;
        der = ecdsa_der(sig, al->coord, &sig_len);
        if (!der)
            return false;
        sig = der;
    }
    bool good = false;
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    const EVP_MD *md = EVP_get_digestbyname(al->md);
    if (m && md && EVP_DigestVerifyInit(m, &pctx, md, NULL, pkey) == 1 &&
        (!al->pss || (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
                      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1 &&
                      EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) == 1)))
        good = EVP_DigestVerify(m, sig, sig_len, (const unsigned char *)data, data_len) == 1;
    EVP_MD_CTX_free(m);
    free(der);
    return good;
}

/* The numeric claim key of claims: 1 with *out, 0 absent or not a number. */
static int num_claim(struct json_object *claims, const char *key, long long *out)
{
    struct json_object *v;
    if (!json_object_object_get_ex(claims, key, &v))
        return 0;
    if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
        return 0;
    *out = json_object_is_type(v, json_type_int) ? json_object_get_int64(v)
                                                  : (long long)json_object_get_double(v);
    return 1;
}

static enum jws_result check_claims(struct json_object *cl, const struct jws_expect *e,
                                    const char **why)
{
    const char *iss = str_member(cl, "iss");
    if (!iss || strcmp(iss, e->issuer) != 0) {
        *why = "iss is not the provider's issuer";
        return JWS_BAD_ISS;
    }
    struct json_object *aud;
    size_t naud = 0;
    bool has_client = false;
    if (json_object_object_get_ex(cl, "aud", &aud)) {
        if (json_object_is_type(aud, json_type_string)) {
            naud = 1;
            has_client = strcmp(json_object_get_string(aud), e->audience) == 0;
        } else if (json_object_is_type(aud, json_type_array)) {
            naud = json_object_array_length(aud);
            for (size_t i = 0; i < naud; i++) {
                struct json_object *x = json_object_array_get_idx(aud, i);
                if (json_object_is_type(x, json_type_string) &&
                    strcmp(json_object_get_string(x), e->audience) == 0)
                    has_client = true;
            }
        }
    }
    if (!has_client) {
        *why = "aud does not name the client";
        return JWS_BAD_AUD;
    }
    struct json_object *azpv;
    bool has_azp = json_object_object_get_ex(cl, "azp", &azpv);
    const char *azp = str_member(cl, "azp");
    if ((naud > 1 || has_azp) && (!azp || strcmp(azp, e->audience) != 0)) {
        *why = "azp is not the client";
        return JWS_BAD_AUD;
    }
    long long exp, iat;
    if (num_claim(cl, "exp", &exp)) {
        if (exp <= e->now - e->skew) {
            *why = "the token has expired";
            return JWS_EXPIRED;
        }
    } else if (!e->exp_optional || json_object_object_get_ex(cl, "exp", NULL)) {
        *why = "the token has no exp";
        return JWS_EXPIRED;
    }
    if (!num_claim(cl, "iat", &iat)) {
        *why = "the token has no iat";
        return JWS_BAD_IAT;
    }
    if (iat > e->now + e->skew) {
        *why = "the token is issued in the future";
        return JWS_BAD_IAT;
    }
    if (e->nonce) {
        const char *nonce = str_member(cl, "nonce");
        if (!nonce || strcmp(nonce, e->nonce) != 0) {
            *why = "the nonce is not the one sent";
            return JWS_BAD_NONCE;
        }
    }
    return JWS_OK;
}

struct json_object *jws_peek_claims(const char *token)
{
    if (!token || strlen(token) > MAX_TOKEN)
        return NULL;
    const char *d1 = strchr(token, '.');
    const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    if (!d2 || strchr(d2 + 1, '.'))
        return NULL;
    return part_json(d1 + 1, (size_t)(d2 - d1 - 1), json_type_object);
}

enum jws_result jws_verify(const char *token, struct json_object *jwks,
                           const struct jws_expect *e, struct json_object **claims,
                           const char **why)
{
    *claims = NULL;
    *why = "the token is malformed";
    if (!token || strlen(token) > MAX_TOKEN || !e->issuer || !e->audience)
        return JWS_MALFORMED;
    const char *d1 = strchr(token, '.');
    const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    if (!d1 || !d2 || strchr(d2 + 1, '.') || d1 == token || d2 == d1 + 1)
        return JWS_MALFORMED;
    struct json_object *hdr = part_json(token, (size_t)(d1 - token), json_type_object);
    if (!hdr)
        return JWS_MALFORMED;
    struct json_object *cl = part_json(d1 + 1, (size_t)(d2 - d1 - 1), json_type_object);
    size_t sig_len = 0;
    unsigned char *sig = part_decode(d2 + 1, strlen(d2 + 1), &sig_len);
    enum jws_result rc = JWS_MALFORMED;
    EVP_PKEY *pkey = NULL;
    if (!cl || !sig)
        goto out;
    const char *alg_name = str_member(hdr, "alg");
    const struct alg *al = alg_name ? alg_find(alg_name) : NULL;
    if (!al || json_object_object_get_ex(hdr, "crit", NULL)) {
        *why = "the algorithm is not an accepted asymmetric one";
        rc = JWS_BAD_ALG;
        goto out;
    }
    if (sig_len == 0)
        goto out;
    struct json_object *kidv;
    if (json_object_object_get_ex(hdr, "kid", &kidv) && !json_object_is_type(kidv, json_type_string))
        goto out;
    const char *kid = str_member(hdr, "kid");
    struct json_object *jwk;
    if (!jwk_pick(jwks, kid, al, &jwk)) {
        *why = "no key of the provider's JWKS matches the token's kid and algorithm";
        rc = JWS_UNKNOWN_KEY;
        goto out;
    }
    pkey = al->kty == KTY_RSA ? rsa_key(jwk) : ec_key(jwk, al);
    if (!pkey) {
        *why = "the provider's key is unusable";
        rc = JWS_BAD_KEY;
        goto out;
    }
    if (!sig_ok(pkey, al, token, (size_t)(d2 - token), sig, sig_len)) {
        *why = "the signature does not verify";
        rc = JWS_BAD_SIGNATURE;
        goto out;
    }
    rc = check_claims(cl, e, why);
    if (rc == JWS_OK) {
        *claims = cl;
        cl = NULL;
        *why = "ok";
    }
out:
    EVP_PKEY_free(pkey);
    free(sig);
    json_object_put(cl);
    json_object_put(hdr);
    return rc;
}
