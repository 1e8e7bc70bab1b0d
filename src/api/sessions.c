/* Sessions (usher-account-security.md §3): a row per token usher issues, the caller's list,
 * revoking one or all others, and the admin's list and revoke-all. The row is written by
 * sessions_record when a token is handed out; the caller lookup reads it back (db/callers.c)
 * and auth/session.c keeps last_seen_at. */
#include "config.h"
#include "usher/api_security.h"

#include <string.h>
#include <time.h>

#include "usher/api_common.h"
#include "usher/arena.h"
#include "usher/audit.h"
#include "usher/crypto.h"
#include "usher/db.h"
#include "usher/db_sessions.h"
#include "usher/db_tokens.h"
#include "usher/errors.h"
#include "usher/errors_security.h"
#include "usher/jwt.h"
#include "usher/log.h"
#include "usher/secret.h"
#include "usher/session.h"
#include "usher/settings.h"
#include "usher/user.h"

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);
    return n >= m && strcmp(s + n - m, tail) == 0;
}

/* How the session began, from the route that issues it. */
static const char *method_of(struct ctx *c, bool *mfa)
{
    const char *p = c->match && c->match->route ? c->match->route->pattern : "";
    const struct env_settings *env = settings_env();
    *mfa = false;
    if (ends_with(p, "/signin/mfa") || ends_with(p, "/login/mfa")) {
        *mfa = true;
        return "password";
    }
    if (ends_with(p, "/signup"))
        return env->trusted_email_header ? "trusted_header" : "signup";
    if (ends_with(p, "/add"))
        return "add";
    if (ends_with(p, "/ldap"))   /* POST /api/v1/auths/ldap, the page's /login/ldap */
        return "ldap";
    if (strncmp(p, "/oauth/", 7) == 0)   /* the OpenID Connect callback (api/oauth.c) */
        return "oauth";
    if (env->trusted_email_header)
        return "trusted_header";
    if (!env->webui_auth)
        return "no_auth";
    return "password";
}

void sessions_record(struct ctx *c, const char *token, long long issued_ms)
{
    struct jwt_claims cl;
    size_t slen;
    const unsigned char *secret = secret_bytes(&slen);
    if (!token || jwt_verify_ignore_exp(token, secret, slen, &cl) != JWT_OK || !cl.jti[0])
        return;
    long long now = (long long)time(NULL);
    bool mfa;
    struct db_session s = {
        .id = cl.jti, .user_id = cl.id,
        .issued_ms = uuid7_time_ms(cl.jti) >= 0 ? uuid7_time_ms(cl.jti)
                     : issued_ms > 0 ? issued_ms : session_now_ms(),
        .created_at = now, .last_seen_at = now, .expires_at = cl.has_exp ? cl.exp : 0,
        .ip = audit_client_addr(c), .user_agent = request_header(c->req, "User-Agent"),
    };
    s.method = method_of(c, &mfa);
    s.mfa = mfa;
    if (s.ip && strlen(s.ip) > 64)
        s.ip = NULL;
    if (db_session_create(c->db, &s) != DB_OK)
        log_error("sessions: the session row of a new token could not be written");
}

static struct json_object *session_json(const struct db_session *s, const char *current_jti)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_string(s->id));
    json_object_object_add(o, "created_at", json_object_new_int64(s->created_at));
    json_object_object_add(o, "last_seen_at", json_object_new_int64(s->last_seen_at));
    json_object_object_add(o, "expires_at", s->expires_at ? json_object_new_int64(s->expires_at)
                                                          : NULL);
    json_object_object_add(o, "ip", json_str_or_null(s->ip));
    json_object_object_add(o, "user_agent", json_str_or_null(s->user_agent));
    json_object_object_add(o, "method", json_object_new_string(s->method));
    json_object_object_add(o, "mfa", json_object_new_boolean(s->mfa));
    json_object_object_add(o, "current", json_object_new_boolean(
                                             current_jti && strcmp(current_jti, s->id) == 0));
    return o;
}

int sessions_live(struct ctx *c, const char *user_id, struct db_session **rows, size_t *n)
{
    if (db_session_list(c->db, c->arena, user_id, (long long)time(NULL), rows, n) == DB_OK)
        return 0;
    api_db_error(c);
    return -1;
}

static void answer_list(struct ctx *c, const char *user_id, const char *current_jti)
{
    struct db_session *rows;
    size_t n;
    if (sessions_live(c, user_id, &rows, &n) != 0)
        return;
    struct json_object *arr = json_object_new_array();
    for (size_t i = 0; i < n; i++)
        json_object_array_add(arr, session_json(&rows[i], current_jti));
    response_json(c->res, 200, arr);
}

static struct json_object *revoked(size_t n)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "revoked", json_object_new_int64((long long)n));
    return o;
}

void sessions_list(struct ctx *c)
{
    if (api_require_session(c) != 0)
        return;
    answer_list(c, c->session->user->id, c->session->claims.jti);
}

int sessions_revoke_one(struct ctx *c, const char *user_id, const char *id)
{
    struct db_session *rows;
    size_t n;
    if (sessions_live(c, user_id, &rows, &n) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(rows[i].id, id) != 0)
            continue;
        if (db_token_revoke(c->db, rows[i].id, user_id, rows[i].expires_at) != DB_OK) {
            api_db_error(c);
            return -1;
        }
        return 0;
    }
    response_detail(c->res, 404, ERR_SESSION_NOT_FOUND);
    return -1;
}

void sessions_revoke(struct ctx *c)
{
    const char *id = ctx_param(c, "id");
    audit_note(c, "auth.session_revoke", "session", id);
    if (api_require_session(c) != 0 || sessions_revoke_one(c, c->session->user->id, id) != 0)
        return;
    response_json(c->res, 200, json_object_new_boolean(1));
}

/* Ends every token of user_id but keep_jti's (NULL: all) and answers {"revoked": N}, N the
 * live sessions listed before, the kept one not counted. */
static void revoke_all(struct ctx *c, const char *user_id, const char *keep_jti)
{
    struct db_session *rows;
    size_t n, count = 0;
    if (sessions_live(c, user_id, &rows, &n) != 0)
        return;
    for (size_t i = 0; i < n; i++)
        count += !keep_jti || strcmp(rows[i].id, keep_jti) != 0;
    if (db_session_mark_user(c->db, user_id, session_now_ms() + 1, keep_jti) != DB_OK) {
        api_db_error(c);
        return;
    }
    audit_detail(c, arena_printf(c->arena, "%zu sessions", count));
    response_json(c->res, 200, revoked(count));
}

void sessions_revoke_others(struct ctx *c)
{
    audit_note(c, "auth.sessions_revoke_others", "user", c->session->user->id);
    if (api_require_session(c) != 0)
        return;
    const char *jti = c->session->claims.jti;
    revoke_all(c, c->session->user->id, jti[0] ? jti : NULL);
}

void sessions_admin_list(struct ctx *c)
{
    answer_list(c, c->target_user->id, c->session->kind == CRED_JWT && c->session->user ==
                                           c->target_user ? c->session->claims.jti : NULL);
}

void sessions_admin_revoke_all(struct ctx *c)
{
    audit_note(c, "user.sessions_revoke", "user", c->target_user->id);
    revoke_all(c, c->target_user->id, NULL);
}
