/* The conversation with the OpenID provider (see oidc.h): discovery and JWKS cached per
 * worker, the code exchange, the ID token's verification, userinfo, the picture. */
#include "config.h"
#include "usher/oidc.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "usher/arena.h"
#include "usher/base64url.h"
#include "usher/crypto.h"
#include "usher/ctx.h"
#include "usher/jws.h"
#include "usher/log.h"
#include "usher/pyregex.h"
#include "usher/settings.h"
#include "usher/webfetch.h"

#define DISCOVERY_TTL 3600      /* seconds a discovery document and its JWKS are kept */
#define JWKS_REFETCH_GAP 30     /* at most one unknown-kid refetch per this many seconds */
#define SKEW 60

/* This worker's cache: one provider (the settings name one at a time). */
static struct {
    char *url;                  /* the discovery URL it came from */
    char *issuer, *authorization_endpoint, *token_endpoint, *userinfo_endpoint;
    char *jwks_uri, *end_session_endpoint;
    long long fetched_at;
    struct json_object *jwks;
    long long jwks_at, jwks_refetch_at;
} cache;
static unsigned long requests_made;

unsigned long oidc_requests_made(void)
{
    return requests_made;
}

static void cache_drop(void)
{
    free(cache.url);
    free(cache.issuer);
    free(cache.authorization_endpoint);
    free(cache.token_endpoint);
    free(cache.userinfo_endpoint);
    free(cache.jwks_uri);
    free(cache.end_session_endpoint);
    json_object_put(cache.jwks);
    memset(&cache, 0, sizeof(cache));
}

static enum oidc_status fetch(struct ctx *c, struct webfetch_request *rq, const char *what,
                              struct webfetch_answer *ans)
{
    requests_made++;
    enum webfetch_status st = webfetch(c->arena, rq, ans);
    if (st == WEBFETCH_UNREACHABLE) {
        log_warning("oauth: the provider's %s could not be reached: %s", what, ans->error);
        return OIDC_UNREACHABLE;
    }
    if (st != WEBFETCH_OK) {
        log_warning("oauth: the provider's %s failed: %s", what, ans->error);
        return OIDC_INVALID;
    }
    return OIDC_OK;
}

/* ans's body as a JSON object (a new one), or NULL (logged). */
static struct json_object *body_object(const struct webfetch_answer *ans, const char *what)
{
    if (ans->status != 200) {
        log_warning("oauth: the provider's %s answered HTTP %ld", what, ans->status);
        return NULL;
    }
    struct json_tokener *tok = json_tokener_new();
    struct json_object *o = json_tokener_parse_ex(tok, ans->body, (int)ans->len);
    if (o && (json_tokener_get_error(tok) != json_tokener_success ||
              !json_object_is_type(o, json_type_object))) {
        json_object_put(o);
        o = NULL;
    }
    json_tokener_free(tok);
    if (!o)
        log_warning("oauth: the provider's %s is not a JSON object", what);
    return o;
}

static const char *member_str(struct json_object *o, const char *key)
{
    struct json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

static void meta_from_cache(struct ctx *c, struct oidc_meta *m)
{
    m->issuer = arena_strdup(c->arena, cache.issuer);
    m->authorization_endpoint = arena_strdup(c->arena, cache.authorization_endpoint);
    m->token_endpoint = arena_strdup(c->arena, cache.token_endpoint);
    m->userinfo_endpoint = arena_strdup(c->arena, cache.userinfo_endpoint);
    m->jwks_uri = arena_strdup(c->arena, cache.jwks_uri);
    m->end_session_endpoint = arena_strdup(c->arena, cache.end_session_endpoint);
}

enum oidc_status oidc_discover(struct ctx *c, const struct oidc_settings *s,
                               long long deadline_ms, struct oidc_meta *m)
{
    long long now = (long long)time(NULL);
    if (cache.url && strcmp(cache.url, s->provider_url) == 0 && now >= cache.fetched_at &&
        now - cache.fetched_at < DISCOVERY_TTL) {
        meta_from_cache(c, m);
        return OIDC_OK;
    }
    struct webfetch_request rq = { .url = s->provider_url, .deadline_ms = deadline_ms };
    struct webfetch_answer ans;
    enum oidc_status st = fetch(c, &rq, "discovery document", &ans);
    if (st != OIDC_OK)
        return st;
    struct json_object *d = body_object(&ans, "discovery document");
    if (!d)
        return OIDC_INVALID;
    const char *iss = member_str(d, "issuer"), *az = member_str(d, "authorization_endpoint");
    const char *tk = member_str(d, "token_endpoint"), *jw = member_str(d, "jwks_uri");
    const char *ui = member_str(d, "userinfo_endpoint"), *es = member_str(d, "end_session_endpoint");
    if (!iss || !iss[0] || !webfetch_url_ok(az) || !webfetch_url_ok(tk) || !webfetch_url_ok(jw) ||
        (ui && !webfetch_url_ok(ui)) || (es && !webfetch_url_ok(es))) {
        log_warning("oauth: the discovery document lacks issuer, authorization, token or jwks "
                    "endpoints, or names one that is not http(s)");
        json_object_put(d);
        return OIDC_INVALID;
    }
    bool same_provider = cache.url && strcmp(cache.url, s->provider_url) == 0 &&
                         cache.issuer && strcmp(cache.issuer, iss) == 0 &&
                         cache.jwks_uri && strcmp(cache.jwks_uri, jw) == 0;
    struct json_object *keep_jwks = same_provider ? json_object_get(cache.jwks) : NULL;
    long long keep_at = cache.jwks_at;
    cache_drop();
    cache.url = strdup(s->provider_url);
    cache.issuer = dup_or_empty(iss);
    cache.authorization_endpoint = dup_or_empty(az);
    cache.token_endpoint = dup_or_empty(tk);
    cache.userinfo_endpoint = dup_or_empty(ui);
    cache.jwks_uri = dup_or_empty(jw);
    cache.end_session_endpoint = dup_or_empty(es);
    cache.fetched_at = now;
    if (keep_jwks) {
        cache.jwks = keep_jwks;
        cache.jwks_at = keep_at;
    }
    json_object_put(d);
    meta_from_cache(c, m);
    return OIDC_OK;
}

/* Fetches the JWKS into the cache. */
static enum oidc_status jwks_fetch(struct ctx *c, const struct oidc_meta *m, long long deadline_ms)
{
    struct webfetch_request rq = { .url = m->jwks_uri, .deadline_ms = deadline_ms };
    struct webfetch_answer ans;
    enum oidc_status st = fetch(c, &rq, "JWKS", &ans);
    if (st != OIDC_OK)
        return st;
    struct json_object *k = body_object(&ans, "JWKS"), *keys;
    if (!k)
        return OIDC_INVALID;
    if (!json_object_object_get_ex(k, "keys", &keys) || !json_object_is_type(keys, json_type_array)) {
        log_warning("oauth: the provider's JWKS has no keys list");
        json_object_put(k);
        return OIDC_INVALID;
    }
    json_object_put(cache.jwks);
    cache.jwks = k;
    cache.jwks_at = (long long)time(NULL);
    return OIDC_OK;
}

enum oidc_status oidc_verify_token(struct ctx *c, const struct oidc_settings *s,
                                   const struct oidc_meta *m, const char *token,
                                   const char *nonce, bool logout, long long deadline_ms,
                                   struct json_object **claims)
{
    *claims = NULL;
    long long now = (long long)time(NULL);
    bool fresh = false;
    if (!cache.jwks || now < cache.jwks_at || now - cache.jwks_at >= DISCOVERY_TTL) {
        enum oidc_status st = jwks_fetch(c, m, deadline_ms);
        if (st != OIDC_OK)
            return st;
        fresh = true;
    }
    struct jws_expect e = { .issuer = m->issuer, .audience = s->client_id, .nonce = nonce,
                            .now = now, .skew = SKEW, .exp_optional = logout };
    const char *why;
    enum jws_result r = jws_verify(token, cache.jwks, &e, claims, &why);
    if (r == JWS_UNKNOWN_KEY && !fresh &&
        (now - cache.jwks_refetch_at >= JWKS_REFETCH_GAP || now < cache.jwks_refetch_at)) {
        cache.jwks_refetch_at = now;
        enum oidc_status st = jwks_fetch(c, m, deadline_ms);
        if (st != OIDC_OK)
            return st;
        r = jws_verify(token, cache.jwks, &e, claims, &why);
    }
    if (r != JWS_OK) {
        log_warning("oauth: the provider's %s is refused: %s", logout ? "logout token" : "ID token", why);
        return OIDC_INVALID;
    }
    return OIDC_OK;
}

/* application/x-www-form-urlencoded value of s (arena). */
static char *form_enc(struct arena *a, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = arena_alloc(a, strlen(s) * 3 + 1), *o = out;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            *o++ = (char)*p;
        } else {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        }
    }
    *o = '\0';
    return out;
}

enum oidc_status oidc_exchange_code(struct ctx *c, const struct oidc_settings *s,
                                    const struct oidc_meta *m, const char *code,
                                    const char *verifier, const char *redirect_uri,
                                    long long deadline_ms, struct json_object **answer)
{
    *answer = NULL;
    struct arena *a = c->arena;
    const char *method = s->token_auth_method[0] ? s->token_auth_method : "client_secret_basic";
    if (!s->client_secret[0])
        method = "none";
    char *body = arena_printf(a, "grant_type=authorization_code&code=%s&redirect_uri=%s&code_verifier=%s",
                              form_enc(a, code), form_enc(a, redirect_uri), form_enc(a, verifier));
    struct webfetch_request rq = { .url = m->token_endpoint, .deadline_ms = deadline_ms };
    if (strcmp(method, "client_secret_post") == 0) {
        body = arena_printf(a, "%s&client_id=%s&client_secret=%s", body, form_enc(a, s->client_id),
                            form_enc(a, s->client_secret));
    } else if (strcmp(method, "none") == 0) {
        body = arena_printf(a, "%s&client_id=%s", body, form_enc(a, s->client_id));
    } else {
        rq.basic_user = form_enc(a, s->client_id);
        rq.basic_password = form_enc(a, s->client_secret);
    }
    rq.body = body;
    struct webfetch_answer ans;
    enum oidc_status st = fetch(c, &rq, "token endpoint", &ans);
    if (st != OIDC_OK)
        return st;
    if (ans.status != 200) {
        /* The provider's error code (never a secret) says why. */
        struct json_object *e = json_tokener_parse(ans.body);
        const char *err = member_str(e, "error");
        log_warning("oauth: the token endpoint answered HTTP %ld (%s)", ans.status,
                    err ? err : "no error code");
        json_object_put(e);
        return OIDC_INVALID;
    }
    struct json_object *o = body_object(&ans, "token answer");
    if (!o)
        return OIDC_INVALID;
    if (!member_str(o, "id_token") || !member_str(o, "access_token")) {
        log_warning("oauth: the token answer lacks an ID token or an access token");
        json_object_put(o);
        return OIDC_INVALID;
    }
    *answer = o;
    return OIDC_OK;
}

enum oidc_status oidc_userinfo(struct ctx *c, const struct oidc_meta *m,
                               const char *access_token, long long deadline_ms,
                               struct json_object **claims)
{
    *claims = NULL;
    if (!m->userinfo_endpoint[0]) {
        log_warning("oauth: userinfo is needed but the provider names no userinfo endpoint");
        return OIDC_INVALID;
    }
    struct webfetch_request rq = { .url = m->userinfo_endpoint, .bearer = access_token,
                                   .deadline_ms = deadline_ms };
    struct webfetch_answer ans;
    enum oidc_status st = fetch(c, &rq, "userinfo endpoint", &ans);
    if (st != OIDC_OK)
        return st;
    *claims = body_object(&ans, "userinfo answer");
    return *claims ? OIDC_OK : OIDC_INVALID;
}

const char *oidc_picture(struct ctx *c, const struct oidc_settings *s, const char *url,
                         const char *access_token, long long deadline_ms)
{
    static const char *const types[] = { "image/png", "image/jpeg", "image/gif", "image/webp" };
    if (!url || !webfetch_url_ok(url) || strchr(url, '\t') || strchr(url, '\n'))
        return "/user.png";
    const struct env_settings *env = settings_env();
    size_t cap = env->image_policy.max_data_uri ? env->image_policy.max_data_uri / 4 * 3 : 0;
    if (!cap || cap > 1024 * 1024)
        cap = 1024 * 1024;
    struct webfetch_request rq = { .url = url, .bearer = access_token, .deadline_ms = deadline_ms,
                                   .accept = "image/png, image/jpeg, image/gif, image/webp",
                                   .max_body = cap, .global_only = !s->local_web_fetch };
    struct webfetch_answer ans;
    requests_made++;
    enum webfetch_status st = webfetch(c->arena, &rq, &ans);
    if (st != WEBFETCH_OK || ans.status != 200 || ans.len == 0) {
        log_notice("oauth: the picture is not used (%s)", st != WEBFETCH_OK ? ans.error : "no image");
        return "/user.png";
    }
    char type[64];
    snprintf(type, sizeof(type), "%s", ans.content_type);
    char *semi = strchr(type, ';');
    if (semi)
        *semi = '\0';
    for (char *p = type; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (strcmp(type, types[i]) != 0)
            continue;
        char *b64 = arena_alloc(c->arena, (ans.len + 2) / 3 * 4 + 1);
        EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)ans.body, (int)ans.len);
        return arena_printf(c->arena, "data:%s;base64,%s", types[i], b64);
    }
    log_notice("oauth: the picture's type is not an allowed image type");
    return "/user.png";
}

/* ---- helpers --------------------------------------------------------------------------- */

struct json_object *oidc_claim(struct json_object *claims, const char *path)
{
    if (!claims || !path || !path[0])
        return NULL;
    struct json_object *cur = claims;
    const char *p = path;
    while (cur) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        char key[256];
        if (len == 0 || len >= sizeof(key) || !json_object_is_type(cur, json_type_object))
            return NULL;
        memcpy(key, p, len);
        key[len] = '\0';
        struct json_object *next;
        if (!json_object_object_get_ex(cur, key, &next))
            return NULL;
        cur = next;
        if (!dot)
            return cur;
        p = dot + 1;
    }
    return NULL;
}

int oidc_random_token(char *out, size_t n)
{
    static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    size_t i = 0;
    while (i < n) {
        unsigned char buf[64];
        if (RAND_bytes(buf, sizeof(buf)) != 1)
            return -1;
        for (size_t j = 0; j < sizeof(buf) && i < n; j++)
            if (buf[j] < 248)           /* 248 = 62 * 4: no bias */
                out[i++] = alnum[buf[j] % 62];
    }
    out[n] = '\0';
    return 0;
}

void oidc_s256(const char *verifier, char out[44])
{
    unsigned char md[32];
    unsigned int len = 0;
    EVP_Digest(verifier, strlen(verifier), md, &len, EVP_sha256(), NULL);
    base64url_encode(md, 32, out);
}

bool oidc_next_ok(const char *next, const char *prefix)
{
    if (!next || !prefix || next[0] != '/' || next[1] == '/' || next[1] == '\\')
        return false;
    if (strncmp(next, prefix, strlen(prefix)) != 0 || strlen(next) >= 512)
        return false;
    for (const unsigned char *p = (const unsigned char *)next; *p; p++)
        if (*p < 0x21 || *p == 0x7f || *p == '\\')
            return false;
    /* no dot segment and no encoded dot, slash or backslash in the path: the page that
     * opens must be the one the prefix names */
    size_t path_len = strcspn(next, "?#");
    for (size_t i = 0; i + 3 <= path_len; i++) {
        if (strncasecmp(next + i, "%2e", 3) == 0 || strncasecmp(next + i, "%2f", 3) == 0 ||
            strncasecmp(next + i, "%5c", 3) == 0)
            return false;
    }
    for (size_t i = 0; i < path_len;) {
        size_t seg = strcspn(next + i, "/?#");
        if (seg > path_len - i)
            seg = path_len - i;
        if ((seg == 1 && next[i] == '.') || (seg == 2 && next[i] == '.' && next[i + 1] == '.'))
            return false;
        i += seg + 1;
    }
    return true;
}

bool oidc_group_blocked(const char *blocked_json, const char *name)
{
    struct json_object *list = blocked_json ? json_tokener_parse(blocked_json) : NULL;
    bool blocked = false;
    if (list && json_object_is_type(list, json_type_array)) {
        size_t n = json_object_array_length(list);
        for (size_t i = 0; i < n && !blocked; i++) {
            struct json_object *p = json_object_array_get_idx(list, i);
            if (!json_object_is_type(p, json_type_string))
                continue;
            const char *pat = json_object_get_string(p);
            if (strcmp(pat, name) == 0)
                blocked = true;
            else if (strpbrk(pat, "^$[](){}+\\|"))
                blocked = pyregex_fullmatch(pat, name) == 1;
            else
                blocked = fnmatch(pat, name, 0) == 0;
        }
    }
    json_object_put(list);
    return blocked;
}

const char *oidc_link_json(struct arena *a, const char *existing, const char *sub)
{
    struct json_object *o = existing ? json_tokener_parse(existing) : NULL;
    if (!o || !json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        o = json_object_new_object();
    }
    struct json_object *in = json_object_new_object();
    json_object_object_add(in, "sub", json_object_new_string(sub));
    json_object_object_add(o, "oidc", in);
    const char *t = arena_strdup(a, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    return t;
}
