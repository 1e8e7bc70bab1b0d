/* GET /oauth/oidc/login and the callback (openwebui-oauth.md §2-§4, §8, §12): the pending
 * login bound to the browser, the code exchange and token checks (oidc.c), the account
 * (oauth_account.c), the token and the stored, sealed session. */
#include "config.h"
#include "usher/api_oauth.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>

#include "usher/api_common.h"
#include "usher/api_security.h"
#include "usher/arena.h"
#include "usher/audit.h"
#include "usher/config.h"
#include "usher/crypto.h"
#include "usher/csrf.h"
#include "usher/ctx.h"
#include "usher/db.h"
#include "usher/db_oauth.h"
#include "usher/errors.h"
#include "usher/log.h"
#include "usher/oidc.h"
#include "usher/request.h"
#include "usher/response.h"
#include "usher/router.h"
#include "usher/sealed.h"
#include "usher/secret.h"
#include "usher/session.h"
#include "usher/settings.h"
#include "usher/user.h"

#define PENDING_SECONDS 600
#define BINDING_COOKIE "oauth_login"
#define STATE_LEN 43          /* 43 alphanumerics: 256 bits */
#define VERIFIER_LEN 64
#define ERR_PROVIDER_UNREACHABLE "The identity provider could not be reached. Please try again later."
#define ERR_OAUTH_DEFAULT "[ERROR: Error during OAuth process]"

const unsigned char *oauth_seal_key(size_t *len)
{
    const char *k = getenv("OAUTH_SESSION_TOKEN_ENCRYPTION_KEY");
    if (k && k[0]) {
        *len = strlen(k);
        return (const unsigned char *)k;
    }
    return secret_bytes(len);
}

/* <WEBUI_URL or this site>, without a trailing slash (arena). */
static const char *base_url(struct ctx *c)
{
    const char *w = settings_str(c, "WEBUI_URL");
    if (w && w[0]) {
        char *b = arena_strdup(c->arena, w);
        size_t n = strlen(b);
        while (n && b[n - 1] == '/')
            b[--n] = '\0';
        return b;
    }
    bool https = request_is_https(c->req, c->cfg ? c->cfg->trusted_proxies : NULL);
    const char *host = c->req->host ? c->req->host : "localhost";
    const char *port = request_env(c->req, "SERVER_PORT");
    bool has_port = strchr(host, ':') && host[0] != '[' ? true : host[0] == '[' && strstr(host, "]:");
    if (!has_port && port && strcmp(port, https ? "443" : "80") != 0 &&
        !request_from_trusted_proxy(c->req, c->cfg ? c->cfg->trusted_proxies : NULL))
        return arena_printf(c->arena, "%s://%s:%s", https ? "https" : "http", host, port);
    return arena_printf(c->arena, "%s://%s", https ? "https" : "http", host);
}

/* quote_plus of s (arena). */
static char *quote_plus(struct arena *a, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = arena_alloc(a, strlen(s) * 3 + 1), *o = out;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || *p == '_' || *p == '.' || *p == '-' || *p == '~') {
            *o++ = (char)*p;
        } else if (*p == ' ') {
            *o++ = '+';
        } else {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        }
    }
    *o = '\0';
    return out;
}

static bool provider_is_oidc(struct ctx *c)
{
    const char *p = ctx_param(c, "provider");
    return p && strcmp(p, "oidc") == 0;
}

static void not_found(struct ctx *c)
{
    response_detail(c->res, 404, "Not Found");
}

/* The failure redirect: <base>/auth?error=<text>, or the pages' sign-in page for a login
 * that started there. */
static void fail_redirect(struct ctx *c, const char *next, const char *text)
{
    const char *url = next && c->cfg && c->cfg->pages_prefix
        ? arena_printf(c->arena, "%slogin?error=%s", c->cfg->pages_prefix, quote_plus(c->arena, text))
        : arena_printf(c->arena, "%s/auth?error=%s", base_url(c), quote_plus(c->arena, text));
    audit_detail(c, text);
    response_redirect(c->res, 307, url);
}

static const char *pages_prefix_of(const struct ctx *c)
{
    return c->cfg && c->cfg->pages_prefix ? c->cfg->pages_prefix : "/usher/";
}

/* The browser's binding value: its oauth_login cookie when well-formed, else a new one. */
static const char *browser_binding(struct ctx *c, bool *fresh)
{
    const char *v = request_cookie(c->req, BINDING_COOKIE);
    *fresh = false;
    if (v && strlen(v) == STATE_LEN) {
        bool good = true;
        for (const char *p = v; *p && good; p++)
            good = isalnum((unsigned char)*p);
        if (good)
            return v;
    }
    char *b = arena_alloc(c->arena, STATE_LEN + 1);
    if (oidc_random_token(b, STATE_LEN) != 0)
        return NULL;
    *fresh = true;
    return b;
}

static void binding_cookie(struct ctx *c, const char *value)
{
    struct cookie_opts o = { .max_age = PENDING_SECONDS, .expires = (long long)time(NULL) + PENDING_SECONDS,
                             .http_only = true, .secure = session_cookie_secure(c),
                             .same_site = "Lax", .path = "/oauth/" };
    response_set_cookie(c->res, BINDING_COOKIE, value, &o);
}

static char *form_enc(struct arena *a, const char *s)
{
    char *q = quote_plus(a, s);
    /* the query of a URL: %20 rather than + is safer with every provider */
    size_t n = 0;
    for (const char *p = q; *p; p++)
        n += *p == '+' ? 3 : 1;
    char *out = arena_alloc(a, n + 1), *o = out;
    for (const char *p = q; *p; p++) {
        if (*p == '+') {
            memcpy(o, "%20", 3);
            o += 3;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
    return out;
}

/* OAUTH_AUTHORIZE_PARAMS: a JSON object of extra string parameters (the flow's own never
 * replaced). */
static char *extra_params(struct ctx *c, const struct oidc_settings *s, char *url)
{
    static const char *const own[] = { "response_type", "client_id", "redirect_uri", "scope",
                                       "state", "nonce", "code_challenge",
                                       "code_challenge_method", "audience" };
    if (!s->authorize_params[0])
        return url;
    struct json_object *o = json_tokener_parse(s->authorize_params);
    if (o && json_object_is_type(o, json_type_object)) {
        json_object_object_foreach(o, k, v) {
            bool mine = false;
            for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
                mine = mine || strcmp(k, own[i]) == 0;
            if (mine || json_object_is_type(v, json_type_null))
                continue;
            url = arena_printf(c->arena, "%s&%s=%s", url, form_enc(c->arena, k),
                               form_enc(c->arena, json_object_get_string(v)));
        }
    } else {
        log_warning("oauth: OAUTH_AUTHORIZE_PARAMS is not a JSON object; ignored");
    }
    json_object_put(o);
    return url;
}

/* The settings of a login or callback route: 0, or -1 with the 404 answered when the path
 * names another provider or OIDC is not configured and enabled. */
static int oidc_route_settings(struct ctx *c, struct oidc_settings *s)
{
    if (!provider_is_oidc(c)) {
        not_found(c);
        return -1;
    }
    oidc_settings_resolve(c, s);
    if (!oidc_active(s)) {
        not_found(c);
        return -1;
    }
    return 0;
}

void oauth_login(struct ctx *c)
{
    struct oidc_settings s;
    if (oidc_route_settings(c, &s) != 0)
        return;
    const char *next = request_query(c->req, "next");
    if (!oidc_next_ok(next, pages_prefix_of(c)))
        next = NULL;
    long long deadline = clock_now_ms() + s.timeout * 1000;
    struct oidc_meta m;
    enum oidc_status st = oidc_discover(c, &s, deadline, &m);
    if (st != OIDC_OK) {
        fail_redirect(c, next, st == OIDC_UNREACHABLE ? ERR_PROVIDER_UNREACHABLE : ERR_INVALID_CRED);
        return;
    }
    char state[STATE_LEN + 1], nonce[STATE_LEN + 1], verifier[VERIFIER_LEN + 1], challenge[44];
    bool fresh;
    const char *binding = browser_binding(c, &fresh);
    if (!binding || oidc_random_token(state, STATE_LEN) != 0 ||
        oidc_random_token(nonce, STATE_LEN) != 0 ||
        oidc_random_token(verifier, VERIFIER_LEN) != 0) {
        fail_redirect(c, next, ERR_OAUTH_DEFAULT);
        return;
    }
    oidc_s256(verifier, challenge);
    const char *redirect_uri = s.redirect_uri[0]
        ? s.redirect_uri : arena_printf(c->arena, "%s/oauth/oidc/callback", base_url(c));
    char bhash[65];
    sha256_hex(binding, strlen(binding), bhash);
    long long now = (long long)time(NULL);
    struct db_oauth_pending p = { .state = state, .binding = bhash, .nonce = nonce,
                                  .verifier = verifier, .redirect_uri = redirect_uri,
                                  .next_path = next, .expires_at = now + PENDING_SECONDS };
    if (strlen(redirect_uri) > 2048 || db_oauth_pending_put(c->db, &p, now) != DB_OK) {
        log_error("oauth: the pending login could not be stored");
        fail_redirect(c, next, ERR_OAUTH_DEFAULT);
        return;
    }
    struct arena *a = c->arena;
    char *url = arena_printf(a, "%s%cresponse_type=code&client_id=%s&redirect_uri=%s&scope=%s"
                             "&state=%s&nonce=%s&code_challenge=%s&code_challenge_method=S256",
                             m.authorization_endpoint, strchr(m.authorization_endpoint, '?') ? '&' : '?',
                             form_enc(a, s.client_id), form_enc(a, redirect_uri),
                             form_enc(a, s.scopes), state, nonce, challenge);
    if (s.audience[0])
        url = arena_printf(a, "%s&audience=%s", url, form_enc(a, s.audience));
    url = extra_params(c, &s, url);
    binding_cookie(c, binding);
    response_redirect(c->res, 302, url);
}

/* ---- the callback ---------------------------------------------------------------------------- */

static long long num_member(struct json_object *o, const char *key)
{
    struct json_object *v;
    if (!json_object_object_get_ex(o, key, &v))
        return 0;
    if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double))
        return json_object_get_int64(v);
    if (json_object_is_type(v, json_type_string))
        return strtoll(json_object_get_string(v), NULL, 10);
    return 0;
}

/* expires_at of §8: the answer's expires_at, else now + expires_in, else an hour with a
 * refresh token, else 9999-12-31; capped at the ID token's exp. */
static long long session_expiry(struct json_object *answer, struct json_object *claims, long long now)
{
    long long at = num_member(answer, "expires_at");
    if (at <= 0) {
        long long in = num_member(answer, "expires_in");
        if (in > 0)
            at = now + in;
        else if (json_object_object_get_ex(answer, "refresh_token", NULL))
            at = now + 3600;
        else
            at = 253402214400LL;   /* 9999-12-31T00:00:00Z */
    }
    long long exp = num_member(claims, "exp");
    return exp > 0 && exp < at ? exp : at;
}

/* Seals and stores the token answer; sets oauth_session_id. A failure is only logged. */
static void store_session(struct ctx *c, const struct oidc_settings *s, const struct user *u,
                          struct json_object *answer, struct json_object *claims,
                          const struct cookie_opts *opts)
{
    char id[37];
    long long now = (long long)time(NULL);
    const char *plain = json_object_to_json_string_ext(answer, JSON_C_TO_STRING_PLAIN);
    size_t klen;
    const unsigned char *key = oauth_seal_key(&klen);
    if (uuid4(id) != 0) {
        log_error("oauth: no session id");
        return;
    }
    char *sealed = sealed_make(OAUTH_SEAL_INFO, plain, strlen(plain), id, key, klen, "oauth session");
    if (!sealed) {
        log_error("oauth: the session of user %s could not be sealed", u->id);
        return;
    }
    int rc = db_oauth_session_put(c->db, c->arena, id, u->id, "oidc", sealed,
                                  session_expiry(answer, claims, now), now, s->max_sessions);
    free(sealed);
    if (rc != DB_OK) {
        log_error("oauth: the session of user %s could not be stored", u->id);
        return;
    }
    struct cookie_opts o = *opts;
    o.http_only = true;
    response_set_cookie(c->res, "oauth_session_id", arena_strdup(c->arena, id), &o);
}

/* Whether the claims lack the e-mail or the user name claim (then userinfo is asked). */
static bool needs_userinfo(const struct oidc_settings *s, struct json_object *claims)
{
    return !json_object_object_get_ex(claims, s->email_claim, NULL) ||
           !json_object_object_get_ex(claims, s->username_claim, NULL);
}

/* userinfo's claims over the ID token's (its keys win), when it names the same sub. */
static enum oidc_status merge_userinfo(struct ctx *c, const struct oidc_meta *m,
                                       const char *access_token, long long deadline,
                                       struct json_object **claims)
{
    struct json_object *ui;
    enum oidc_status st = oidc_userinfo(c, m, access_token, deadline, &ui);
    if (st != OIDC_OK)
        return st;
    struct json_object *a, *b;
    if (!json_object_object_get_ex(ui, "sub", &a) || !json_object_object_get_ex(*claims, "sub", &b) ||
        !json_object_is_type(a, json_type_string) ||
        strcmp(json_object_get_string(a), json_object_get_string(b)) != 0) {
        log_warning("oauth: userinfo names another sub than the ID token");
        json_object_put(ui);
        return OIDC_INVALID;
    }
    json_object_object_foreach(*claims, k, v) {
        if (!json_object_object_get_ex(ui, k, NULL))
            json_object_object_add(ui, k, json_object_get(v));
    }
    json_object_put(*claims);
    *claims = ui;
    return OIDC_OK;
}

static const char *status_text(enum oidc_status st)
{
    return st == OIDC_UNREACHABLE ? ERR_PROVIDER_UNREACHABLE : ERR_INVALID_CRED;
}

void oauth_callback(struct ctx *c)
{
    struct oidc_settings s;
    if (oidc_route_settings(c, &s) != 0)
        return;
    audit_note(c, "auth.oauth", NULL, NULL);
    long long deadline = clock_now_ms() + s.timeout * 1000;
    const char *code = request_query(c->req, "code"), *state = request_query(c->req, "state");
    const char *perror = request_query(c->req, "error");
    const char *cookie = request_cookie(c->req, BINDING_COOKIE);
    /* 1. The pending login of this state, and of this browser: nothing is spent before
     *    both match. */
    struct db_oauth_pending p;
    int rc = state && strlen(state) <= 64 ? db_oauth_pending_get(c->db, c->arena, state, &p) : DB_NOT_FOUND;
    if (rc == DB_ERROR) {
        fail_redirect(c, NULL, ERR_OAUTH_DEFAULT);
        return;
    }
    char bhash[65] = "";
    if (cookie)
        sha256_hex(cookie, strlen(cookie), bhash);
    bool bound = rc == DB_OK && cookie && CRYPTO_memcmp(bhash, p.binding, 64) == 0 &&
                 p.expires_at >= (long long)time(NULL);
    const char *next = bound ? p.next_path : NULL;
    if (perror) {
        log_warning("oauth: the provider answered the login with an error (%.64s)", perror);
        fail_redirect(c, next, ERR_INVALID_CRED);
        return;
    }
    if (!bound || !code || !code[0] || strlen(code) > 2048) {
        log_warning("oauth: callback refused: %s", !state ? "no state" : rc != DB_OK
                    ? "unknown or spent state" : !cookie ? "no binding cookie (another browser?)"
                    : p.expires_at < (long long)time(NULL) ? "the login has expired"
                    : !code || !code[0] ? "no code" : bound ? "code too long" : "another browser's state");
        fail_redirect(c, next, ERR_INVALID_CRED);
        return;
    }
    if (db_oauth_pending_take(c->db, state) != DB_OK) {
        log_warning("oauth: callback refused: the state was spent meanwhile");
        fail_redirect(c, next, ERR_INVALID_CRED);
        return;
    }
    /* 2. Code for tokens; the ID token verified (signature, iss, aud, exp, iat, nonce). */
    struct oidc_meta m;
    struct json_object *answer = NULL, *claims = NULL;
    enum oidc_status st = oidc_discover(c, &s, deadline, &m);
    if (st == OIDC_OK)
        st = oidc_exchange_code(c, &s, &m, code, p.verifier, p.redirect_uri, deadline, &answer);
    const char *id_token = NULL, *access_token = NULL;
    if (st == OIDC_OK) {
        struct json_object *v;
        json_object_object_get_ex(answer, "id_token", &v);
        id_token = json_object_get_string(v);
        json_object_object_get_ex(answer, "access_token", &v);
        access_token = json_object_get_string(v);
        st = oidc_verify_token(c, &s, &m, id_token, p.nonce, false, deadline, &claims);
    }
    if (st == OIDC_OK && needs_userinfo(&s, claims))
        st = merge_userinfo(c, &m, access_token, deadline, &claims);
    if (st != OIDC_OK) {
        json_object_put(answer);
        json_object_put(claims);
        fail_redirect(c, next, status_text(st));
        return;
    }
    /* 3. The account. */
    struct user *u = NULL;
    const char *error = NULL;
    oauth_account_from_claims(c, &s, claims, access_token, deadline, &u, &error);
    if (!u) {
        json_object_put(answer);
        json_object_put(claims);
        fail_redirect(c, next, error ? error : ERR_OAUTH_DEFAULT);
        return;
    }
    /* 4. The token, as at sign-in (a session row of method oauth), then the groups. */
    long long expires_at = 0;
    const char *token = session_issue_token_at(c, u->id, 0, &expires_at);
    if (!token) {
        json_object_put(answer);
        json_object_put(claims);
        fail_redirect(c, next, ERR_OAUTH_DEFAULT);
        return;
    }
    sessions_record(c, token, 0);
    audit_actor(c, u->id, NULL);
    if (s.group_management)
        oauth_sync_groups(c, &s, u, claims);
    const struct env_settings *env = settings_env();
    char same[8];
    snprintf(same, sizeof(same), "%s", env->cookie_same_site);
    same[0] = (char)toupper((unsigned char)same[0]);
    long long now = (long long)time(NULL);
    struct cookie_opts o = {
        .expires = expires_at,
        .max_age = expires_at ? (expires_at > now ? expires_at - now : 0) : -1,
        .http_only = next != NULL,   /* Open WebUI's /auth page reads it; the pages do not */
        .secure = session_cookie_secure(c),
        .same_site = same,
    };
    response_set_cookie(c->res, "token", token, &o);
    if (next)
        csrf_issue(c, token);
    store_session(c, &s, u, answer, claims, &o);
    json_object_put(answer);
    json_object_put(claims);
    response_redirect(c->res, 307, next ? next : arena_printf(c->arena, "%s/auth", base_url(c)));
}
