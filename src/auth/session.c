/* Sessions: credential extraction, verification and the route access levels (§3.2, §3.3,
 * deltas §4.1-§4.4), plus issuing tokens and the session cookie. */
#include "config.h"
#include "usher/session.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "usher/apikey.h"
#include "usher/arena.h"
#include "usher/config.h"
#include "usher/crypto.h"
#include "usher/ctx.h"
#include "usher/db.h"
#include "usher/db_apikey_list.h"
#include "usher/db_callers.h"
#include "usher/db_sessions.h"
#include "usher/db_users.h"
#include "usher/duration.h"
#include "usher/errors.h"
#include "usher/errors_security.h"
#include "usher/log.h"
#include "usher/permissions.h"
#include "usher/secret.h"
#include "usher/settings.h"
#include "usher/user.h"
#include "usher/validate.h"

/* Whole seconds of the precise clock. Not time(NULL): glibc serves that from the coarse
 * clock, which lags by up to a tick, so a token whose iat was taken from a precise clock
 * (PyJWT's, or another host's) in the current second would look issued in the future
 * for the first milliseconds of every second and be refused. */
static long long now_s(void)
{
    return clock_now_ms() / 1000;
}

/* Token ids are UUIDv7 (crypto.h): random like a uuid4 for every purpose a client has,
 * but they carry the issue time in milliseconds, which lets the per-user revocation mark
 * tell apart tokens issued before and after it within the same second (the contract's
 * difference #1; iat has whole seconds only). */

/* When was this token issued, in ms? From a UUIDv7 jti when it has one; otherwise (tokens
 * minted by Open WebUI) the start of its iat second is assumed, so a token from the same
 * second as the mark counts as older: revocation errs on the safe side (as v0.11.0's
 * inclusive iat <= mark). -1: no way to tell. */
static long long token_issued_ms(const struct jwt_claims *cl)
{
    long long ms = uuid7_time_ms(cl->jti);
    /* Only trust it when it agrees with the signed iat. */
    if (ms >= 0 && (!cl->has_iat || (ms / 1000 >= cl->iat - 1 && ms / 1000 <= cl->iat + 1)))
        return ms;
    return cl->has_iat ? cl->iat * 1000 : -1;
}

const char *session_issue_token(struct ctx *c, const char *user_id, long long *expires_at)
{
    return session_issue_token_at(c, user_id, 0, expires_at);
}

const char *session_issue_token_at(struct ctx *c, const char *user_id, long long issued_ms,
                                   long long *expires_at)
{
    struct jwt_claims cl;
    memset(&cl, 0, sizeof(cl));
    if (issued_ms <= 0)
        issued_ms = clock_now_ms();
    if (snprintf(cl.id, sizeof(cl.id), "%s", user_id) >= (int)sizeof(cl.id) || uuid7(cl.jti, issued_ms) != 0)
        return NULL;
    long long now = issued_ms / 1000;
    cl.iat = now;
    cl.has_iat = true;
    bool expires = false;
    double seconds = 0;
    const char *expiry = settings_str(c, "JWT_EXPIRES_IN");
    /* A stored value that is no duration (only SQL by hand can store one) must not fail
     * open into tokens that never expire: the default applies. */
    if (!jwt_duration_usable(expiry) || jwt_parse_duration(expiry, &expires, &seconds) != 0) {
        log_warning("JWT_EXPIRES_IN '%.40s' is not a usable duration; tokens expire after 4w",
                    expiry);
        jwt_parse_duration("4w", &expires, &seconds);
    }
    *expires_at = 0;
    if (expires) {
        cl.has_exp = true;
        cl.exp = now + (long long)seconds;
        *expires_at = cl.exp;
    }
    size_t slen;
    const unsigned char *secret = secret_bytes(&slen);
    char *tok = jwt_sign(&cl, secret, slen);
    if (!tok)
        return NULL;
    const char *out = arena_strdup(c->arena, tok);
    free(tok);
    return out;
}

bool session_cookie_secure(const struct ctx *c)
{
    return settings_env()->cookie_secure ||
           request_is_https(c->req, c->cfg ? c->cfg->trusted_proxies : NULL);
}

void session_set_cookie(struct ctx *c, const char *token, long long expires_at)
{
    const struct env_settings *env = settings_env();
    char same[8];
    snprintf(same, sizeof(same), "%s", env->cookie_same_site);
    same[0] = (char)toupper((unsigned char)same[0]);
    long long now = (long long)time(NULL);
    struct cookie_opts o = {
        .expires = expires_at,
        .max_age = expires_at ? (expires_at > now ? expires_at - now : 0) : -1,
        .http_only = true,
        .secure = session_cookie_secure(c),
        .same_site = same,
    };
    response_set_cookie(c->res, "token", token, &o);
}

static void touch_if_stale(struct ctx *c, const struct user *u)
{
    long long now = (long long)time(NULL);
    /* The row we just read says when it was last written: reads stay reads while it is
     * fresher than the interval, on every worker at once. */
    if (now - u->last_active_at >= settings_env()->active_interval)
        db_user_touch(c->db, u->id, now);
}

/* The credential, in the order of deltas §4.1: a Bearer header, the token cookie, any
 * other "scheme value" Authorization header, then the API-key header. */
static const char *find_credential(struct ctx *c, bool *from_cookie)
{
    const char *auth = c->req->authorization;
    *from_cookie = false;
    if (auth && strncasecmp(auth, "Bearer ", 7) == 0 && auth[7])
        return auth + 7;
    const char *cookie = request_cookie(c->req, "token");
    if (cookie && *cookie) {
        *from_cookie = true;
        return cookie;
    }
    if (auth) {
        const char *sp = strchr(auth, ' ');
        if (sp && sp[1] && !strchr(sp + 1, ' '))
            return sp + 1;
    }
    const char *key = request_header(c->req, settings_env()->api_key_header);
    return key && *key ? key : NULL;
}

static int fail(struct ctx *c, int status, const char *detail)
{
    response_detail(c->res, status, detail);
    return -1;
}

/* A failed JWT also expires the cookies that carried it (§3.2). */
static int fail_jwt(struct ctx *c, const char *detail)
{
    static const char *const cookies[] = { "token", "oauth_id_token", "oauth_session_id" };
    for (size_t i = 0; i < sizeof(cookies) / sizeof(cookies[0]); i++)
        if (request_cookie(c->req, cookies[i]))
            response_delete_cookie(c->res, cookies[i]);
    return fail(c, 401, detail);
}

/* The group trees of u as an array of objects (borrowed from the session for the caller,
 * else read into *owned which the caller releases). */
static size_t group_trees(struct ctx *c, const struct user *u, struct json_object ***trees,
                          struct json_object **owned)
{
    *owned = NULL;
    struct json_object *arr = NULL;
    if (c->session && c->session->user == u) {
        if (!c->session->group_permissions)
            c->session->group_permissions =
                db_caller_parse_trees(c->session->group_perm_texts, c->session->ngroups);
        arr = c->session->group_permissions;
    } else {
        db_caller_group_trees(c->db, c->arena, u->id, owned);
        arr = *owned;
    }
    size_t n = arr && json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
    *trees = arena_calloc(c->arena, n ? n : 1, sizeof(**trees));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        struct json_object *t = json_object_array_get_idx(arr, i);
        if (t && json_object_is_type(t, json_type_object))
            (*trees)[k++] = t;
    }
    return k;
}

bool session_has_permission(struct ctx *c, const struct user *u, const char *path)
{
    struct json_object **trees, *owned;
    size_t n = group_trees(c, u, &trees, &owned);
    bool yes = permissions_has(path, settings_permission_defaults(c), trees, n);
    json_object_put(owned);
    return yes;
}

/* The default tree as JSON text, made once per tree: the tree is held (so its address
 * cannot be reused by another) until the defaults change. */
static struct json_object *serialized_tree;
static char *serialized_text;

/* A JSON value that prints as tree does, from the text made once per tree: most users are
 * in no group, and printing the ~90 members was a fifth of GET /api/v1/auths/. */
static struct json_object *preserialized(struct json_object *tree)
{
    if (tree != serialized_tree || !serialized_text) {
        json_object_put(serialized_tree);
        free(serialized_text);
        serialized_tree = json_object_get(tree);
        serialized_text = strdup(json_object_to_json_string_ext(
            tree, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        if (!serialized_text)
            return json_object_get(tree);
    }
    char *copy = strdup(serialized_text);
    if (!copy)
        return json_object_get(tree);
    struct json_object *raw = json_object_new_object();
    json_object_set_serializer(raw, json_object_userdata_to_json_string, copy,
                               json_object_free_userdata);
    return raw;
}

/* The merged trees of the callers' group sets, by the texts they came from: a user in 20
 * groups made every GET /api/v1/auths/ parse 20 trees and merge them (a third of its
 * time). An entry is found by the defaults it was merged over (held, so the address is
 * not reused while the entry lives) and the exact permission texts in order, so a change
 * of any group's permissions or of the defaults is a new key: nothing to invalidate. */
#define MERGED_SLOTS 8
static struct merged {
    struct json_object *defaults;   /* held */
    char *key;                      /* the texts, each ended by '\0' (NULL as one "\1") */
    size_t key_len;
    char *text;                     /* the merged tree, serialized */
    unsigned long long used;
} merged[MERGED_SLOTS];
static unsigned long long merged_clock;

static size_t merged_key(const struct session *s, char *buf)
{
    size_t n = 0;
    for (size_t i = 0; i < s->ngroups; i++) {
        const char *t = s->group_perm_texts[i] ? s->group_perm_texts[i] : "\1";
        size_t len = strlen(t) + 1;
        if (buf)
            memcpy(buf + n, t, len);
        n += len;
    }
    return n;
}

/* A value that prints as the text (copied). */
static struct json_object *raw_json(const char *text)
{
    char *copy = strdup(text);
    if (!copy)
        return NULL;
    struct json_object *raw = json_object_new_object();
    json_object_set_serializer(raw, json_object_userdata_to_json_string, copy,
                               json_object_free_userdata);
    return raw;
}

static struct json_object *caller_effective(struct ctx *c, struct json_object *defaults)
{
    const struct session *s = c->session;
    size_t len = merged_key(s, NULL);
    char *key = arena_alloc(c->arena, len + 1);
    merged_key(s, key);
    struct merged *slot = &merged[0];
    for (size_t i = 0; i < MERGED_SLOTS; i++) {
        struct merged *m = &merged[i];
        if (m->text && m->defaults == defaults && m->key_len == len &&
            memcmp(m->key, key, len) == 0) {
            m->used = ++merged_clock;
            struct json_object *raw = raw_json(m->text);
            if (raw)
                return raw;
            break;
        }
        if (m->used < slot->used)
            slot = m;
    }
    struct json_object **trees, *owned;
    size_t n = group_trees(c, s->user, &trees, &owned);
    json_object_put(owned);
    if (n == 0)   /* no tree parsed: as for a user in no group */
        return preserialized(defaults);
    struct json_object *p = permissions_effective(defaults, trees, n);
    const char *text = json_object_to_json_string_ext(
        p, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    char *text_copy = strdup(text), *key_copy = malloc(len ? len : 1);
    if (!text_copy || !key_copy) {
        free(text_copy);
        free(key_copy);
        return p;
    }
    memcpy(key_copy, key, len);
    json_object_put(slot->defaults);
    free(slot->key);
    free(slot->text);
    *slot = (struct merged){ json_object_get(defaults), key_copy, len, text_copy,
                             ++merged_clock };
    return p;
}

struct json_object *session_effective_permissions(struct ctx *c, const struct user *u)
{
    struct json_object *defaults = settings_permission_defaults(c);
    if (c->session && c->session->user == u && c->session->ngroups)
        return caller_effective(c, defaults);
    struct json_object **trees, *owned;
    size_t n = group_trees(c, u, &trees, &owned);
    /* In no group, the tree is the defaults back-filled from themselves. */
    struct json_object *p = n ? permissions_effective(defaults, trees, n)
                              : preserialized(defaults);
    json_object_put(owned);
    return p;
}

void session_release(struct ctx *c)
{
    if (c->session) {
        json_object_put(c->session->group_permissions);
        c->session->group_permissions = NULL;
    }
}

/* API keys may be limited to some paths: an entry allows itself and what is below it. */
static bool endpoint_allowed(const char *path, const char *list)
{
    const char *p = list;
    while (*p) {
        while (*p == ',' || isspace((unsigned char)*p))
            p++;
        const char *end = p;
        while (*end && *end != ',')
            end++;
        const char *e = end;
        while (e > p && isspace((unsigned char)e[-1]))
            e--;
        size_t len = (size_t)(e - p);
        if (len && strncmp(path, p, len) == 0 && (path[len] == '\0' || path[len] == '/'))
            return true;
        p = end;
    }
    return false;
}

/* A key's endpoints (a JSON array of paths): does one allow path (itself or below it)? */
static bool endpoint_list_allows(const char *path, const char *json_list)
{
    struct json_object *arr = json_tokener_parse(json_list);
    bool yes = false;
    size_t n = arr && json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
    for (size_t i = 0; i < n && !yes; i++) {
        const char *p = json_object_get_string(json_object_array_get_idx(arr, i));
        size_t len = p ? strlen(p) : 0;
        while (len > 1 && p[len - 1] == '/')
            len--;
        yes = len && strncmp(path, p, len) == 0 &&
              (path[len] == '\0' || path[len] == '/' || p[len - 1] == '/');
    }
    json_object_put(arr);
    return yes;
}

/* The user a GET route is about ({user_id} of a route with a user target), read with the
 * caller; none for writes, whose target is read in their own attempt (and again on a
 * retry). */
static struct db_caller_target route_target(const struct ctx *c)
{
    struct db_caller_target t = { 0 };
    const struct route *r = c->match ? c->match->route : NULL;
    if (!r || c->req->method_id != HTTP_GET)
        return t;
    if (r->target == TARGET_USER || r->target == TARGET_USER_404 ||
        r->target == TARGET_USER_GROUPS || r->target == TARGET_USER_GROUPS_404) {
        t.id = route_param(c->match, "user_id");
        t.with_groups = route_target_has_groups(r->target);
    }
    return t;
}

/* Fills a new session from the caller lookup (db_callers.h: one round trip for the user
 * row, the revocation probe, the config version and the group trees). */
static void start_session(struct ctx *c, struct db_caller *dc)
{
    c->session = arena_calloc(c->arena, 1, sizeof(*c->session));
    c->session->user = dc->user;
    c->session->ngroups = dc->ngroups;
    c->session->group_ids = dc->group_ids;
    c->session->group_perm_texts = dc->group_perms;
    c->session->groups_version = dc->groups_version;
    c->session->resources_version = dc->resources_version;
    c->session->target_read = dc->target_read;
    c->session->target_id = dc->target_read ? route_target(c).id : NULL;
    c->session->target = dc->target;
    c->session->target_group_ids = dc->target_group_ids;
    settings_use_version(c, dc->config_version);
}

static int authenticate_api_key(struct ctx *c, const char *key)
{
    char digest[APIKEY_DIGEST_HEX + 1];
    apikey_digest(key, digest);
    struct db_caller dc;
    struct db_caller_target target = route_target(c);
    int rc = db_caller_load_by_key_digest(c->db, c->arena, digest, &target, &dc);
    if (rc == DB_ERROR)
        return fail(c, 500, ERR_DEFAULT);
    if (rc == DB_NOT_FOUND)
        return fail(c, 401, ERR_INVALID_TOKEN);
    start_session(c, &dc);
    struct user *u = c->session->user;
    if (!settings_bool(c, "ENABLE_API_KEYS"))
        return fail(c, 403, ERR_API_KEY_NOT_ALLOWED);
    if (u->role != ROLE_ADMIN && !session_has_permission(c, u, "features.api_keys"))
        return fail(c, 403, ERR_API_KEY_NOT_ALLOWED);
    long long now = now_s();
    if (dc.key_expires_at && now >= dc.key_expires_at)
        return fail(c, 401, ERR_API_KEY_EXPIRED);
    if (settings_bool(c, "ENABLE_API_KEYS_ENDPOINT_RESTRICTIONS") &&
        !endpoint_allowed(c->req->path, settings_str(c, "API_KEYS_ALLOWED_ENDPOINTS")))
        return fail(c, 403, ERR_ACCESS_PROHIBITED);
    /* A key's own list narrows the admin's, never widens it. */
    if (dc.key_endpoints && !endpoint_list_allows(c->req->path, dc.key_endpoints))
        return fail(c, 403, ERR_ACCESS_PROHIBITED);
    c->session->kind = CRED_API_KEY;
    c->session->token = key;
    touch_if_stale(c, u);
    if (dc.key_id && (!dc.key_last_used_at ||
                      now - dc.key_last_used_at >= settings_env()->active_interval))
        db_apikey_touch(c->db, dc.key_id, now);
    return 0;
}

static int authenticate_jwt(struct ctx *c, const char *token)
{
    struct jwt_claims cl;
    size_t slen;
    const unsigned char *secret = secret_bytes(&slen);
    if (jwt_verify(token, secret, slen, now_s(), &cl) != JWT_OK)
        return fail_jwt(c, ERR_UNAUTHORIZED);
    struct db_caller dc;
    struct db_caller_target target = route_target(c);
    int rc = db_caller_load_by_id(c->db, c->arena, cl.id, cl.jti, &target, &dc);
    if (rc == DB_ERROR)
        return fail(c, 500, ERR_DEFAULT);
    if (rc == DB_NOT_FOUND)
        return fail_jwt(c, ERR_INVALID_TOKEN);
    start_session(c, &dc);
    struct user *u = c->session->user;
    if (cl.jti[0] && dc.revoked)
        return fail_jwt(c, ERR_INVALID_TOKEN_SHORT);
    if (u->tokens_valid_after_ms > 0) {
        /* The mark ends every earlier token but the one that changed the password. */
        long long issued = token_issued_ms(&cl);
        bool kept = cl.jti[0] && u->tokens_kept_jti && strcmp(cl.jti, u->tokens_kept_jti) == 0;
        if (!kept && (issued < 0 || issued < u->tokens_valid_after_ms))
            return fail_jwt(c, ERR_INVALID_TOKEN_SHORT);
    }
    const char *th = settings_env()->trusted_email_header;
    if (th) {
        const char *hv = request_header(c->req, th);
        if (hv && *hv) {
            char *lower = email_normalize(c->arena, hv);
            if (strcmp(lower, u->email ? u->email : "") != 0)
                return fail_jwt(c, ERR_USER_MISMATCH);
        }
    }
    c->session->kind = CRED_JWT;
    c->session->token = token;
    c->session->claims = cl;
    touch_if_stale(c, u);
    /* The session row came with the caller lookup: written only when stale. */
    long long now = now_s();
    if (dc.has_session && now - dc.session_last_seen >= settings_env()->active_interval)
        db_session_touch(c->db, cl.jti, now);
    return 0;
}

int session_authenticate(struct ctx *c, enum access access)
{
    c->session = NULL;
    if (access == ACCESS_PUBLIC)
        return 0;   /* public handlers read what they need (sign-out reads the token) */
    bool from_cookie;
    const char *cred = find_credential(c, &from_cookie);
    if (!cred)
        return fail(c, 401, ERR_NOT_AUTHENTICATED);
    if (!c->db)
        return fail(c, 500, ERR_DEFAULT);
    int rc = strncmp(cred, "sk-", 3) == 0 ? authenticate_api_key(c, cred)
                                          : authenticate_jwt(c, cred);
    if (rc != 0)
        return rc;
    c->session->from_cookie = from_cookie;
    enum user_role role = c->session->user->role;
    if (access == ACCESS_VERIFIED && role == ROLE_PENDING)
        return fail(c, 401, ERR_ACCESS_PROHIBITED);
    if (access == ACCESS_ADMIN && role != ROLE_ADMIN)
        return fail(c, 401, ERR_ACCESS_PROHIBITED);
    return 0;
}

long long session_now_ms(void)
{
    return clock_now_ms();
}
