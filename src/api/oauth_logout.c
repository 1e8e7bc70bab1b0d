/* Back-channel logout (§11), token exchange (§10) and the OIDC part of sign-out (§9) of
 * openwebui-oauth.md. */
#include "config.h"
#include "usher/api_oauth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "usher/accounts.h"
#include "usher/api_common.h"
#include "usher/api_security.h"
#include "usher/arena.h"
#include "usher/audit.h"
#include "usher/crypto.h"
#include "usher/ctx.h"
#include "usher/db.h"
#include "usher/db_oauth.h"
#include "usher/db_signin.h"
#include "usher/db_users.h"
#include "usher/errors.h"
#include "usher/jws.h"
#include "usher/jwt.h"
#include "usher/log.h"
#include "usher/oidc.h"
#include "usher/request.h"
#include "usher/response.h"
#include "usher/sealed.h"
#include "usher/secret.h"
#include "usher/session.h"
#include "usher/settings.h"
#include "usher/user.h"
#include "usher/validate.h"

#define BCL_EVENT "http://schemas.openid.net/event/backchannel-logout"

/* ---- back-channel logout ------------------------------------------------------------------- */

static void bcl_refuse(struct ctx *c, const char *text)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "error", json_object_new_string("invalid_request"));
    json_object_object_add(o, "error_description", json_object_new_string(text));
    audit_detail(c, text);
    response_json(c->res, 400, o);
}

static const char *field_str(struct ctx *c, const char *name)
{
    struct json_object *f = c->req->fields, *v;
    if (!f || !json_object_is_type(f, json_type_object) || !json_object_object_get_ex(f, name, &v) ||
        !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

void oauth_backchannel_logout(struct ctx *c)
{
    struct oidc_settings s;
    oidc_settings_resolve(c, &s);
    if (!s.backchannel_logout || !oidc_active(&s)) {
        response_detail(c->res, 404, "Not Found");
        return;
    }
    audit_note(c, "auth.oauth_backchannel_logout", NULL, NULL);
    const char *token = field_str(c, "logout_token");
    if (!token || !token[0]) {
        bcl_refuse(c, "Missing logout_token parameter");
        return;
    }
    struct json_object *peek = jws_peek_claims(token), *v;
    if (!peek) {
        bcl_refuse(c, "Malformed logout_token");
        return;
    }
    const char *iss = json_object_object_get_ex(peek, "iss", &v) && json_object_is_type(v, json_type_string)
                          ? arena_strdup(c->arena, json_object_get_string(v)) : NULL;
    json_object_put(peek);
    if (!iss) {
        bcl_refuse(c, "logout_token missing iss claim");
        return;
    }
    long long deadline = clock_now_ms() + s.timeout * 1000;
    struct oidc_meta m;
    enum oidc_status st = oidc_discover(c, &s, deadline, &m);
    if (st != OIDC_OK || strcmp(m.issuer, iss) != 0) {
        bcl_refuse(c, "No configured provider matches token issuer");
        return;
    }
    struct json_object *claims = NULL;
    st = oidc_verify_token(c, &s, &m, token, NULL, true, deadline, &claims);
    if (st != OIDC_OK) {
        bcl_refuse(c, st == OIDC_UNREACHABLE ? "Invalid logout_token: the provider's keys could not be fetched"
                                             : "Invalid logout_token: the token does not verify");
        return;
    }
    struct json_object *events, *ev;
    if (!json_object_object_get_ex(claims, "events", &events)) {
        /* a required claim, as iss, aud and iat (step 5) */
        json_object_put(claims);
        bcl_refuse(c, "Invalid logout_token: the token has no events claim");
        return;
    }
    if (!json_object_is_type(events, json_type_object) ||
        !json_object_object_get_ex(events, BCL_EVENT, &ev)) {
        json_object_put(claims);
        bcl_refuse(c, "Missing backchannel-logout event claim");
        return;
    }
    if (json_object_object_get_ex(claims, "nonce", NULL)) {
        json_object_put(claims);
        bcl_refuse(c, "logout_token must not contain nonce");
        return;
    }
    const char *sub = json_object_object_get_ex(claims, "sub", &v) && json_object_is_type(v, json_type_string)
                          ? arena_strdup(c->arena, json_object_get_string(v)) : NULL;
    bool has_sid = json_object_object_get_ex(claims, "sid", NULL);
    json_object_put(claims);
    if (!sub && !has_sid) {
        bcl_refuse(c, "logout_token must contain sub or sid");
        return;
    }
    struct user *u = NULL;
    if (sub && db_user_get_by_oidc_sub(c->db, c->arena, sub, &u) == DB_OK) {
        struct account_result r;
        if (db_oauth_session_delete_user(c->db, u->id) != DB_OK ||
            accounts_end_sessions(c, DOOR_OIDC, u, &r) != 0) {
            api_db_error(c);
            return;
        }
        audit_actor(c, u->id, NULL);
        audit_detail(c, "sessions ended");
        log_notice("oauth: back-channel logout of user %s", u->id);
    }
    response_json(c->res, 200, json_object_new_object());
}

/* ---- token exchange ------------------------------------------------------------------------ */

static bool domain_allowed(const struct oidc_settings *s, const char *email)
{
    const char *at = strrchr(email, '@');
    const char *dom = at ? at + 1 : email;
    size_t dl = strlen(dom);
    for (const char *p = s->allowed_domains; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        const char *q = p;
        while (len && *q == ' ') {
            q++;
            len--;
        }
        while (len && q[len - 1] == ' ')
            len--;
        if ((len == 1 && q[0] == '*') || (len == dl && strncmp(q, dom, dl) == 0))
            return true;
        p = comma ? comma + 1 : NULL;
    }
    return false;
}

void oauth_token_exchange(struct ctx *c)
{
    struct oidc_settings s;
    oidc_settings_resolve(c, &s);
    if (!s.token_exchange) {
        response_detail(c->res, 403, ERR_TOKEN_EXCHANGE_DISABLED);
        return;
    }
    audit_note(c, "auth.oauth_token_exchange", NULL, NULL);
    const struct env_settings *env = settings_env();
    char *key = arena_printf(c->arena, "token-exchange:%s",
                             c->req->remote_addr ? c->req->remote_addr : "-");
    long long attempts = 0;
    if (db_signin_attempt_hit(c->db, key, (long long)time(NULL), &attempts) != DB_OK) {
        api_db_error(c);
        return;
    }
    if (attempts > env->signin_rate_limit) {
        response_detail(c->res, 429, ERR_RATE_LIMIT);
        return;
    }
    const char *provider = ctx_param(c, "provider");
    if (!provider || strcmp(provider, "oidc") != 0 || !oidc_active(&s)) {
        response_detail(c->res, 404, arena_printf(c->arena, "Provider '%s' is not configured",
                                                  provider ? provider : ""));
        return;
    }
    const char *token = field_str(c, "token");
    long long deadline = clock_now_ms() + s.timeout * 1000;
    struct oidc_meta m;
    struct json_object *claims = NULL;
    enum oidc_status st = token && token[0] && strlen(token) <= 16384
                              ? oidc_discover(c, &s, deadline, &m) : OIDC_INVALID;
    if (st == OIDC_OK)
        st = oidc_userinfo(c, &m, token, deadline, &claims);
    if (st != OIDC_OK) {
        response_detail(c->res, 400, "Invalid token or unable to validate with provider");
        return;
    }
    struct json_object *v = oidc_claim(claims, s.sub_claim[0] ? s.sub_claim : "sub");
    const char *sub = v && json_object_is_type(v, json_type_string)
                          ? arena_strdup(c->arena, json_object_get_string(v)) : NULL;
    v = oidc_claim(claims, s.email_claim);
    const char *email = v && json_object_is_type(v, json_type_string)
                            ? email_normalize(c->arena, json_object_get_string(v)) : NULL;
    json_object_put(claims);
    if (!sub || !sub[0] || strlen(sub) > 255) {
        response_detail(c->res, 400, "Token missing required 'sub' claim");
        return;
    }
    if (!email || !email[0]) {
        response_detail(c->res, 400, "Token missing required email claim");
        return;
    }
    if (!domain_allowed(&s, email)) {
        response_detail(c->res, 403, ERR_ACCESS_PROHIBITED);
        return;
    }
    struct user *u = NULL;
    int rc = db_user_get_by_oidc_sub(c->db, c->arena, sub, &u);
    if (rc == DB_NOT_FOUND && s.merge_by_email &&
        db_user_get_by_email(c->db, c->arena, email, &u) == DB_OK) {
        struct account_provider_update up = { .oauth = oidc_link_json(c->arena, u->oauth, sub) };
        struct account_result r;
        struct user *linked = NULL;
        if (accounts_provider_update(c, DOOR_OIDC, u, &up, &linked, &r) != 0) {
            api_account_refused(c, &r);
            return;
        }
        u = linked;
        rc = DB_OK;
    }
    if (rc == DB_ERROR) {
        api_db_error(c);
        return;
    }
    if (rc != DB_OK) {
        response_detail(c->res, 403, "User not found. Please sign in via the web interface first.");
        return;
    }
    long long expires_at = 0;
    const char *jwt = session_issue_token(c, u->id, &expires_at);
    if (!jwt) {
        response_detail(c->res, 500, ERR_DEFAULT);
        return;
    }
    sessions_record(c, jwt, 0);
    audit_actor(c, u->id, NULL);
    struct user shown = *u;
    shown.profile_image_url = "";
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "token", json_object_new_string(jwt));
    json_object_object_add(o, "token_type", json_object_new_string("Bearer"));
    json_object_object_add(o, "expires_at", expires_at ? json_object_new_int64(expires_at) : NULL);
    struct json_object *fields = user_json(c->arena, &shown, VIEW_SIGNIN);
    json_object_object_foreach(fields, k, val)
        json_object_object_add(o, k, json_object_get(val));
    json_object_put(fields);
    json_object_object_add(o, "permissions", session_effective_permissions(c, u));
    response_json(c->res, 200, o);
}

/* ---- sign-out ---------------------------------------------------------------------------- */

/* Whether the request's session token (the token cookie or a Bearer header; signed by this
 * server, expired or not) belongs to user_id: only then does sign-out hand out that user's
 * ID token. */
static bool signing_out_user(struct ctx *c, const char *user_id)
{
    size_t slen;
    const unsigned char *secret = secret_bytes(&slen);
    const char *auth = c->req->authorization;
    const char *tokens[2] = { request_cookie(c->req, "token"),
                              auth && strncasecmp(auth, "Bearer ", 7) == 0 ? auth + 7 : NULL };
    for (size_t i = 0; i < 2; i++) {
        struct jwt_claims cl;
        if (tokens[i] && jwt_verify_ignore_exp(tokens[i], secret, slen, &cl) == JWT_OK &&
            strcmp(cl.id, user_id) == 0)
            return true;
    }
    return false;
}

const char *oauth_signout_redirect(struct ctx *c, bool *failed)
{
    *failed = false;
    const char *sid = request_cookie(c->req, "oauth_session_id");
    if (!sid || strlen(sid) > 64)
        return NULL;
    struct oidc_settings s;
    oidc_settings_resolve(c, &s);
    if (s.end_session_endpoint[0])
        return s.end_session_endpoint;
    if (!s.configured)
        return NULL;
    const char *user_id, *provider, *sealed;
    if (db_oauth_session_sealed(c->db, c->arena, sid, &user_id, &provider, &sealed) != DB_OK)
        return NULL;
    if (!signing_out_user(c, user_id)) {
        log_warning("oauth: sign-out names an oauth session of another user; no redirect_url");
        return NULL;
    }
    long plen = sealed_plain_len(sealed);
    size_t klen;
    const unsigned char *key = oauth_seal_key(&klen);
    char *plain = plen > 0 ? arena_alloc(c->arena, (size_t)plen + 1) : NULL;
    if (!plain || sealed_open(OAUTH_SEAL_INFO, sealed, (size_t)plen, sid, key, klen, plain) != 0) {
        log_warning("oauth: the stored session %s does not open (another key?)", sid);
        return NULL;
    }
    struct json_object *answer = json_tokener_parse(plain), *v;
    const char *id_token = answer && json_object_object_get_ex(answer, "id_token", &v) &&
                           json_object_is_type(v, json_type_string)
                               ? arena_strdup(c->arena, json_object_get_string(v)) : NULL;
    json_object_put(answer);
    memset(plain, 0, (size_t)plen);
    struct oidc_meta m;
    if (oidc_discover(c, &s, clock_now_ms() + s.timeout * 1000, &m) != OIDC_OK) {
        *failed = true;
        return NULL;
    }
    if (!m.end_session_endpoint[0] || !id_token)
        return NULL;
    char *url = arena_printf(c->arena, "%s%cid_token_hint=%s", m.end_session_endpoint,
                             strchr(m.end_session_endpoint, '?') ? '&' : '?', id_token);
    const char *post = settings_env()->signout_redirect_url;
    if (post && post[0]) {
        static const char hex[] = "0123456789ABCDEF";
        char *enc = arena_alloc(c->arena, strlen(post) * 3 + 1), *o = enc;
        for (const unsigned char *p = (const unsigned char *)post; *p; p++) {
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
        url = arena_printf(c->arena, "%s&post_logout_redirect_uri=%s", url, enc);
    }
    return url;
}
