/* /api/v1/auths: sign-up, sign-in, sessions, profile and password, and API keys (contract
 * §1b, deltas §1); the LDAP sign-in is auths_ldap.c. The
 * admin, LDAP and OAuth settings are in auths_config.c.
 * OAuth and token exchange answer as the reference does when they are not configured. */
#include "config.h"
#include "usher/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "usher/accounts.h"
#include "usher/api_common.h"
#include "usher/api_oauth.h"
#include "usher/api_security.h"
#include "usher/apikey.h"
#include "usher/arena.h"
#include "usher/audit.h"
#include "usher/crypto.h"
#include "usher/csrf.h"
#include "usher/db.h"
#include "usher/db_apikeys.h"
#include "usher/db_groups.h"
#include "usher/db_oauth.h"
#include "usher/db_signin.h"
#include "usher/db_tokens.h"
#include "usher/db_users.h"
#include "usher/encoding.h"
#include "usher/utf8.h"
#include "usher/jwt.h"
#include "usher/lockout.h"
#include "usher/log.h"
#include "usher/password.h"
#include "usher/secret.h"
#include "usher/session.h"
#include "usher/settings.h"
#include "usher/user.h"
#include "usher/validate.h"

/* ---- answers ----------------------------------------------------------------------- */

/* SessionUser (sign-in, sign-up) and SessionUserInfo (GET /auths/, view VIEW_SESSION): the
 * token, who it belongs to and their effective permissions. */
static struct json_object *session_user_json(struct ctx *c, const struct user *u,
                                             const char *token, long long expires_at,
                                             enum user_view view)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "token", json_object_new_string(token));
    json_object_object_add(o, "token_type", json_object_new_string("Bearer"));
    json_object_object_add(o, "expires_at", expires_at ? json_object_new_int64(expires_at) : NULL);
    struct json_object *fields = user_json(c->arena, u, view);
    json_object_object_foreach(fields, k, v)
        json_object_object_add(o, k, json_object_get(v));
    json_object_put(fields);
    json_object_object_add(o, "permissions", session_effective_permissions(c, u));
    return o;
}

/* Answers a successful sign-in or sign-up: SessionUser, the token cookie and a CSRF cookie
 * for browser forms. SessionUser shows the image path, whatever is stored (§7.9). */
void auths_answer_session(struct ctx *c, const struct user *u, long long issued_ms)
{
    long long expires_at = 0;
    const char *token = session_issue_token_at(c, u->id, issued_ms, &expires_at);
    if (!token) {
        response_detail(c->res, 500, ERR_DEFAULT);
        return;
    }
    sessions_record(c, token, issued_ms);
    audit_actor(c, u->id, NULL);
    struct user shown = *u;
    shown.profile_image_url = "";
    struct json_object *o = session_user_json(c, &shown, token, expires_at, VIEW_SIGNIN);
    session_set_cookie(c, token, expires_at);
    csrf_issue(c, token);
    response_json(c->res, 200, o);
}

static void answer_session(struct ctx *c, const struct user *u)
{
    auths_answer_session(c, u, 0);
}

void auths_session_user(struct ctx *c)
{
    const struct session *s = c->session;
    long long expires_at = s->kind == CRED_JWT && s->claims.has_exp ? s->claims.exp : 0;
    struct json_object *o = session_user_json(c, s->user, s->token, expires_at, VIEW_SESSION);
    if (s->kind == CRED_JWT) {
        session_set_cookie(c, s->token, expires_at);
        /* A browser session (cookie) needs its CSRF token for form posts (bound to this
         * session, so re-sent whatever cookie the browser had); Bearer callers never do. */
        if (s->from_cookie)
            csrf_issue(c, s->token);
    }
    response_json(c->res, 200, o);
}

/* ---- creating accounts ---------------------------------------------------------------- */

/* Creates an account through the account service (accounts.h), or answers its refusal and
 * returns NULL. */
static struct user *create_account(struct ctx *c, enum account_door door,
                                   const struct account_new *na)
{
    struct user *u = NULL;
    struct account_result r;
    if (accounts_create(c, door, na, &u, &r) != 0) {
        api_account_refused(c, &r);
        return NULL;
    }
    return u;
}

/* Sign-up's gate (contract §7.2 with v0.11.0's D13). Answers 403 (or 500) and returns -1
 * when sign-up is closed now; otherwise gives the gate db_user_create applies again under
 * its lock, where a sign-up that raced the first one is refused once that closed sign-up. */
static int signup_gate(struct ctx *c, int *gate)
{
    const struct env_settings *env = settings_env();
    if (api_admin_bootstrap_owed(c))
        return -1;
    long long count = 0;
    if (db_user_count(c->db, &count) != DB_OK) {
        response_detail(c->res, 500, ERR_SIGNUP_INTERNAL);
        return -1;
    }
    bool refused;
    if (!env->webui_auth)
        refused = count > 0;
    else if (count > 0)
        refused = !settings_bool(c, "ENABLE_SIGNUP") || !env->enable_login_form;
    else  /* v0.11.0: the first account ignores ENABLE_SIGNUP */
        refused = !env->enable_login_form && !env->enable_initial_admin_signup;
    if (refused) {
        response_detail(c->res, 403, ERR_ACCESS_PROHIBITED);
        return -1;
    }
    *gate = env->webui_auth && env->enable_login_form ? CREATE_IF_FIRST_OR_OPEN : CREATE_IF_FIRST;
    return 0;
}

/* /add's role: one of the three, as every door of the account service refuses others. */
static const char *role_ok(const char *v, size_t len, const void *arg)
{
    (void)len;
    (void)arg;
    return validate_role(v) ? NULL : ACCOUNT_BAD_ROLE_TEXT;
}

/* SignupForm; also the first four fields of AddUserForm (/add). */
enum { ACCOUNT_NAME, ACCOUNT_EMAIL, ACCOUNT_PASSWORD, ACCOUNT_IMAGE, ACCOUNT_ROLE, ACCOUNT__MAX };
static const struct field_spec account_fields[ACCOUNT__MAX] = {
    [ACCOUNT_NAME] = { "name", FIELD_STR, true, false, 255, accounts_name_check, NULL },
    [ACCOUNT_EMAIL] = { "email", FIELD_STR, true, false, 255, NULL, NULL },
    [ACCOUNT_PASSWORD] = { "password", FIELD_STR, true, false, 0, NULL, NULL },
    [ACCOUNT_IMAGE] = { "profile_image_url", FIELD_STR, false, false, 0, api_image_url_ok, NULL },
    [ACCOUNT_ROLE] = { "role", FIELD_STR, false, false, 16, role_ok, NULL },
};
const struct form auths_signup_form = { account_fields, ACCOUNT_ROLE, false };
const struct form auths_add_form = { account_fields, ACCOUNT__MAX, false };

void auths_signup(struct ctx *c)
{
    const struct field_value *v = c->v;
    audit_note(c, "auth.signup", NULL, NULL);
    audit_actor(c, NULL, v[ACCOUNT_EMAIL].s);
    int gate;
    if (csrf_check_login(c) != 0)
        return;
    if (signup_gate(c, &gate) != 0)
        return;
    struct account_new na = {
        .email = v[ACCOUNT_EMAIL].s, .name = v[ACCOUNT_NAME].s,
        .password = v[ACCOUNT_PASSWORD].s, .apply_policy = true,
        .profile_image_url = api_value_str(&v[ACCOUNT_IMAGE]),
        .first_becomes_admin = true, .gate = gate, .failed_text = ERR_SIGNUP_INTERNAL,
    };
    struct user *u = create_account(c, account_http_door(c), &na);
    if (u)
        answer_session(c, u);
}

void auths_signup_open(struct ctx *c)
{
    int gate;
    if (signup_gate(c, &gate) == 0)
        response_json(c->res, 200, json_object_new_boolean(1));
}

void auths_add_user(struct ctx *c)
{
    const struct field_value *v = c->v;
    audit_note(c, "user.add", "user", NULL);
    struct account_new na = {
        .email = v[ACCOUNT_EMAIL].s, .name = v[ACCOUNT_NAME].s,
        .password = v[ACCOUNT_PASSWORD].s, .apply_policy = true,
        .profile_image_url = api_value_str(&v[ACCOUNT_IMAGE]),
        .role = api_value_str(&v[ACCOUNT_ROLE]) ? v[ACCOUNT_ROLE].s : "pending",
        .gate = CREATE_ALWAYS, .failed_text = ERR_ADD_INTERNAL,
    };
    struct user *u = create_account(c, account_http_door(c), &na);
    if (!u)
        return;
    audit_note(c, "user.add", "user", u->id);
    audit_detail(c, arena_printf(c->arena, "role %s", u->role_name));
    long long expires_at = 0;
    const char *token = session_issue_token(c, u->id, &expires_at);
    if (!token) {
        response_detail(c->res, 500, ERR_ADD_INTERNAL);
        return;
    }
    sessions_record(c, token, 0);
    /* SessionUser without expires_at and permissions, and no cookie (§1b). */
    struct user shown = *u;
    shown.profile_image_url = "";
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "token", json_object_new_string(token));
    json_object_object_add(o, "token_type", json_object_new_string("Bearer"));
    struct json_object *fields = user_json(c->arena, &shown, VIEW_SIGNIN);
    json_object_object_foreach(fields, k, val)
        json_object_object_add(o, k, json_object_get(val));
    json_object_put(fields);
    response_json(c->res, 200, o);
}

/* ---- signing in ----------------------------------------------------------------------- */

enum { SIGNIN_EMAIL, SIGNIN_PASSWORD, SIGNIN__MAX };
static const struct field_spec signin_fields[SIGNIN__MAX] = {
    [SIGNIN_EMAIL] = { "email", FIELD_STR, true, false, 0, NULL, NULL },
    [SIGNIN_PASSWORD] = { "password", FIELD_STR, true, false, 0, NULL, NULL },
};
const struct form auths_signin_form = FORM(signin_fields);

/* §7.3: WEBUI_AUTH=false signs everyone in as admin@localhost, created on first use. */
static void signin_no_auth(struct ctx *c)
{
    static const char email[] = "admin@localhost";
    struct user *u = NULL;
    const char *hash = NULL;
    bool active = false;
    int rc = db_user_get_credentials(c->db, c->arena, email, &u, &hash, &active);
    if (rc == DB_NOT_FOUND) {
        long long count = 0;
        if (db_user_count(c->db, &count) != DB_OK) {
            api_db_error(c);
            return;
        }
        if (count > 0) {
            response_detail(c->res, 400, ERR_EXISTING_USERS);
            return;
        }
        if (api_admin_bootstrap_owed(c))
            return;
        struct account_new na = {
            .email = email, .name = "User", .password = "admin", .role = "pending",
            .first_becomes_admin = true, .gate = CREATE_IF_FIRST,
            .failed_text = ERR_SIGNUP_INTERNAL,
        };
        u = create_account(c, DOOR_NO_AUTH, &na);
        if (u)
            answer_session(c, u);
        return;
    }
    if (rc != DB_OK) {
        api_db_error(c);
        return;
    }
    if (api_bcrypt_enter(c) != 0)
        return;
    bool ok = active && password_verify("admin", hash);
    api_bcrypt_leave();
    if (!ok) {
        response_detail(c->res, 400, ERR_INVALID_CRED);
        return;
    }
    answer_session(c, u);
}

/* Splits a comma list of group names from the trusted groups header. */
static size_t split_names(struct ctx *c, const char *s, const char ***out)
{
    size_t cap = 1;
    for (const char *p = s; *p; p++)
        cap += *p == ',';
    const char **names = arena_calloc(c->arena, cap, sizeof(*names));
    size_t n = 0;
    char *copy = arena_strdup(c->arena, s), *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ' || *tok == '\t')
            tok++;
        char *end = tok + strlen(tok);
        while (end > tok && (end[-1] == ' ' || end[-1] == '\t'))
            *--end = '\0';
        if (*tok)
            names[n++] = tok;
    }
    *out = names;
    return n;
}

/* §7.4: an SSO proxy in front vouches for the e-mail (and optionally name, groups, role). */
static void signin_trusted_header(struct ctx *c)
{
    const struct env_settings *env = settings_env();
    const char *hv = request_header(c->req, env->trusted_email_header);
    if (!hv || !*hv) {
        response_detail(c->res, 400, ERR_INVALID_TRUSTED_HEADER);
        return;
    }
    char *email = email_normalize(c->arena, hv);
    if (!validate_email(email)) {   /* before the lookup: no account answers to such a name */
        response_detail(c->res, 400, ERR_INVALID_EMAIL_FORMAT);
        return;
    }
    struct user *u = NULL;
    int rc = db_user_get_by_email(c->db, c->arena, email, &u);
    if (rc == DB_OK) {
        /* a deactivated account (SCIM) signs in by no door */
        struct user *cred;
        const char *hash;
        bool active = false;
        rc = db_user_get_credentials(c->db, c->arena, email, &cred, &hash, &active);
        if (rc == DB_OK && !active) {
            response_detail(c->res, 403, ERR_ACCOUNT_DEACTIVATED);
            return;
        }
    }
    if (rc == DB_ERROR) {
        api_db_error(c);
        return;
    }
    if (rc == DB_NOT_FOUND) {
        const char *name = email;
        const char *nh = env->trusted_name_header ? request_header(c->req, env->trusted_name_header) : NULL;
        if (nh && *nh) {
            char *dec = arena_alloc(c->arena, strlen(nh) + 1);
            long n = percent_decode(nh, strlen(nh), dec, false);
            if (n > 0 && !memchr(dec, 0, (size_t)n) && utf8_valid(dec, (size_t)n))
                name = name_blank_controls(dec);   /* the proxy's name is taken, not refused */
        }
        /* A new account goes through sign-up's gate, as in the reference: closing sign-up
         * also stops the proxy from creating accounts. */
        int gate;
        if (signup_gate(c, &gate) != 0)
            return;
        /* The account gets a random password nobody knows: it signs in through the proxy. */
        char random_pw[37];
        if (uuid4(random_pw) != 0) {
            api_db_error(c);
            return;
        }
        struct account_new na = {
            .email = email, .name = name, .password = random_pw,
            .first_becomes_admin = true, .gate = gate, .failed_text = ERR_SIGNUP_INTERNAL,
        };
        u = create_account(c, DOOR_TRUSTED_HEADER, &na);
        if (!u)
            return;
    }
    const char *gh = env->trusted_groups_header ? request_header(c->req, env->trusted_groups_header) : NULL;
    if (gh) {
        /* Only a non-empty list of names syncs: an empty header leaves memberships alone,
         * as in the reference. */
        const char **names;
        size_t n = split_names(c, gh, &names);
        if (n > 0 && db_group_sync_user_by_names(c->db, u->id, names, n) != DB_OK) {
            api_db_error(c);
            return;
        }
    }
    const char *rh = env->trusted_role_header ? request_header(c->req, env->trusted_role_header) : NULL;
    if (rh) {
        /* The reference lowercases and strips the value before checking it. */
        while (*rh == ' ' || *rh == '\t')
            rh++;
        char *role = arena_strdup(c->arena, rh);
        char *end = role + strlen(role);
        while (end > role && (end[-1] == ' ' || end[-1] == '\t'))
            *--end = '\0';
        ascii_lower(role);
        if (validate_role(role) && strcmp(role, u->role_name) != 0) {
            /* A role change ends the user's earlier sessions (usher's difference #1); the
             * token issued just below is newer than the mark. The primary admin keeps
             * theirs, whatever the proxy says. */
            struct account_result r;
            if (accounts_set_role(c, DOOR_TRUSTED_HEADER, u, role, &r) == 0) {
                u->role_name = role;
                u->role = user_role_parse(role);
            } else if (r.refusal == ACCOUNT_PRIMARY_ADMIN) {
                log_warning("trusted role header: the primary admin %s keeps the admin role",
                            u->id);
            } else {
                api_account_refused(c, &r);
                return;
            }
        }
    }
    answer_session(c, u);
}

void auths_signin(struct ctx *c)
{
    const struct env_settings *env = settings_env();
    const struct field_value *v = c->v;
    audit_note(c, "auth.signin", NULL, NULL);
    audit_actor(c, NULL, v[SIGNIN_EMAIL].s);
    if (!env->enable_password_auth) {
        response_detail(c->res, 403, ERR_ACTION_PROHIBITED);
        return;
    }
    if (csrf_check_login(c) != 0)
        return;
    if (env->trusted_email_header) {
        signin_trusted_header(c);
        return;
    }
    if (!env->webui_auth) {
        signin_no_auth(c);
        return;
    }
    char *email = email_normalize(c->arena, v[SIGNIN_EMAIL].s);
    struct user *u = NULL;
    const char *hash = NULL;
    bool active = false;
    /* The token is stamped with the time before the hash is read: a password change that
     * commits after this read (while bcrypt runs) revokes it (db_user_mark_after_commit). */
    long long read_ms = session_now_ms();
    int rc = db_user_get_credentials(c->db, c->arena, email, &u, &hash, &active);
    if (rc == DB_ERROR) {
        api_db_error(c);
        return;
    }
    /* The lockout (the address, then the account's lock) comes before the rate limit and
     * the password: a locked answer says nothing of the password (lockout.h). */
    const char *subject = lockout_subject(c, rc == DB_OK ? u->id : NULL, email);
    if (lockout_check(c, subject) != 0)
        return;
    long long attempts = 0;
    if (db_signin_attempt_hit(c->db, email, (long long)time(NULL), &attempts) != DB_OK) {
        api_db_error(c);
        return;
    }
    if (attempts > env->signin_rate_limit) {
        response_detail(c->res, 429, ERR_RATE_LIMIT);
        return;
    }
    if (rc == DB_OK) {
        /* The limit holds per account too, whatever spelling of the address found it. */
        if (db_signin_attempt_hit(c->db, arena_printf(c->arena, "user:%s", u->id),
                                  (long long)time(NULL), &attempts) != DB_OK) {
            api_db_error(c);
            return;
        }
        if (attempts > env->signin_rate_limit) {
            response_detail(c->res, 429, ERR_RATE_LIMIT);
            return;
        }
    }
    /* Unknown and inactive accounts cost a bcrypt check too, so timing tells nothing. */
    const char *password = v[SIGNIN_PASSWORD].s;
    if (api_bcrypt_enter(c) != 0)
        return;
    /* An empty password never signs in, whatever hash is stored (none is by usher); an
     * account without a password ("!") costs the dummy too, so timing does not tell it. */
    bool ok = rc == DB_OK && active && password[0] && password_hash_usable(hash)
                  ? password_verify(password, hash)
                                                   : password_verify_dummy(password, env->bcrypt_cost);
    api_bcrypt_leave();
    if (!ok) {
        lockout_fail(c, subject, rc == DB_OK ? u->id : NULL);
        response_detail(c->res, 400, ERR_INVALID_CRED);
        return;
    }
    if (mfa_signin_intercept(c, u, read_ms))
        return;
    lockout_success(c, u->id);
    auths_answer_session(c, u, read_ms);
}

/* ---- signing out ---------------------------------------------------------------------- */

/* Revokes token when it is one of our valid JWTs (API keys and anything else: nothing).
 * The first valid one names the audit actor (*actor_set). */
static int revoke_jwt(struct ctx *c, const char *token, bool *actor_set)
{
    if (!token || !*token || strncmp(token, "sk-", 3) == 0)
        return 0;
    struct jwt_claims cl;
    size_t slen;
    const unsigned char *secret = secret_bytes(&slen);
    if (jwt_verify(token, secret, slen, session_now_ms() / 1000, &cl) != JWT_OK)
        return 0;
    if (!*actor_set) {
        audit_actor(c, arena_strdup(c->arena, cl.id), NULL);
        *actor_set = true;
    }
    if (cl.jti[0] && db_token_revoke(c->db, cl.jti, cl.id, cl.has_exp ? cl.exp : 0) != DB_OK)
        return -1;
    return 0;
}

void auths_signout(struct ctx *c)
{
    audit_note(c, "auth.signout", NULL, NULL);
    /* Every JWT the request carries is revoked, in the session module's order (a Bearer
     * header, the cookie, another scheme's header). v0.11.0 revoked only the header's
     * "scheme value" token, so with "Authorization: Basic ..." in front (a proxy's) the
     * cookie session behind it stayed valid. */
    const char *header_token = NULL;
    const char *auth = c->req->authorization;
    if (auth) {
        const char *sp = strchr(auth, ' ');
        if (sp && sp[1] && !strchr(sp + 1, ' '))
            header_token = sp + 1;
    }
    const char *cookie_token = request_cookie(c->req, "token");
    if (cookie_token && header_token && strcmp(cookie_token, header_token) == 0)
        cookie_token = NULL;
    bool bearer = auth && strncasecmp(auth, "Bearer ", 7) == 0;
    /* A GET another site can make a browser send (a link, an image) signs nobody out: with
     * the cookie as credential and the browser not saying same-origin, nothing is revoked
     * and the cookie stays. POST goes through csrf_check; a Bearer header no other site can
     * add. */
    if (!bearer && cookie_token && c->req->method_id != HTTP_POST && !csrf_same_origin(c)) {
        response_detail(c->res, 403, "Cross-site sign-out is refused; sign out from this site");
        return;
    }
    const char *first = bearer ? header_token : cookie_token;
    const char *second = bearer ? cookie_token : header_token;
    bool actor_set = false;
    if (revoke_jwt(c, first, &actor_set) != 0 || revoke_jwt(c, second, &actor_set) != 0) {
        api_db_error(c);
        return;
    }
    /* The OIDC part (openwebui-oauth.md §9): the provider's end-session URL. */
    bool oidc_failed = false;
    const char *oidc_redirect = request_cookie(c->req, "oauth_session_id")
                                    ? oauth_signout_redirect(c, &oidc_failed) : NULL;
    response_delete_cookie(c->res, "token");
    response_delete_cookie(c->res, "oui-session");
    response_delete_cookie(c->res, "oauth_id_token");
    if (request_cookie(c->req, "oauth_session_id"))
        response_delete_cookie(c->res, "oauth_session_id");
    if (oidc_failed) {
        response_detail(c->res, 500, "Failed to sign out from the OpenID provider.");
        return;
    }
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_boolean(1));
    if (oidc_redirect)
        json_object_object_add(o, "redirect_url", json_object_new_string(oidc_redirect));
    else if (settings_env()->signout_redirect_url)
        json_object_object_add(o, "redirect_url",
                               json_object_new_string(settings_env()->signout_redirect_url));
    response_json(c->res, 200, o);
}

/* ---- profile, timezone, password -------------------------------------------------------- */

/* The profile form comes from the user field table (accounts_profile_form). */
void auths_update_profile(struct ctx *c)
{
    const struct user *me = c->session->user;
    /* Every column of the form is written: an omitted bio, gender or birth date becomes
     * null (§7.12). */
    struct user *u = NULL;
    struct account_result r;
    if (accounts_update(c, account_http_door(c), me, USER_FORM_PROFILE, c->v, &u, &r) != 0) {
        response_detail(c->res, 400, ERR_DEFAULT);
        return;
    }
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_string(me->id));
    json_object_object_add(o, "name", json_object_new_string(u->name));
    json_object_object_add(o, "role", json_object_new_string(me->role_name));
    json_object_object_add(o, "email", json_object_new_string(me->email ? me->email : ""));
    json_object_object_add(o, "profile_image_url", json_object_new_string(u->profile_image_url));
    response_json(c->res, 200, o);
}

static const struct field_spec timezone_fields[] = {
    { "timezone", FIELD_STR, true, false, 64, NULL, NULL },
};
const struct form auths_timezone_form = FORM(timezone_fields);

void auths_update_timezone(struct ctx *c)
{
    if (db_user_set_timezone(c->db, c->session->user->id, c->v[0].s) != DB_OK) {
        api_db_error(c);
        return;
    }
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_boolean(1));
    response_json(c->res, 200, o);
}

enum { PASSWORD_CURRENT, PASSWORD_NEW, PASSWORD__MAX };
static const struct field_spec password_fields[PASSWORD__MAX] = {
    [PASSWORD_CURRENT] = { "password", FIELD_STR, true, false, 0, NULL, NULL },
    [PASSWORD_NEW] = { "new_password", FIELD_STR, true, false, 0, NULL, NULL },
};
const struct form auths_password_form = FORM(password_fields);

void auths_update_password(struct ctx *c)
{
    const struct field_value *v = c->v;
    audit_note(c, "auth.password_change", "user", c->session->user->id);
    if (settings_env()->trusted_email_header) {
        response_detail(c->res, 400, ERR_ACTION_PROHIBITED);
        return;
    }
    const struct user *me = c->session->user;
    const char *hash = NULL;
    int rc = db_user_get_password_hash(c->db, c->arena, me->id, &hash);
    if (rc == DB_ERROR) {
        api_db_error(c);
        return;
    }
    if (api_bcrypt_enter(c) != 0)
        return;
    bool ok = rc == DB_OK && password_verify(v[PASSWORD_CURRENT].s, hash);
    api_bcrypt_leave();
    if (!ok) {
        response_detail(c->res, 400, ERR_INCORRECT_PASSWORD);
        return;
    }
    struct account_result r;
    if (accounts_set_password(c, account_http_door(c), me, v[PASSWORD_NEW].s, true, &r) != 0) {
        api_account_refused(c, &r);
        return;
    }
    response_json(c->res, 200, json_object_new_boolean(1));
}

/* ---- API keys --------------------------------------------------------------------------- */

/* D7: all three methods need API keys enabled and, for non-admins, features.api_keys. */
static int api_key_allowed(struct ctx *c)
{
    const struct user *u = c->session->user;
    if (settings_bool(c, "ENABLE_API_KEYS") &&
        (u->role == ROLE_ADMIN || session_has_permission(c, u, "features.api_keys")))
        return 0;
    response_detail(c->res, 403, ERR_API_KEY_CREATION_NOT_ALLOWED);
    return -1;
}

void auths_api_key_create(struct ctx *c)
{
    audit_note(c, "auth.api_key_create", "user", c->session->user->id);
    if (api_key_allowed(c) != 0 || api_key_limit_reached(c, c->session->user->id, true) != 0)
        return;
    char key[APIKEY_LEN + 1], digest[APIKEY_DIGEST_HEX + 1];
    if (apikey_generate(key) != 0) {
        response_detail(c->res, 500, ERR_CREATE_API_KEY);
        return;
    }
    apikey_digest(key, digest);
    char *sealed = NULL;
    if (settings_env()->api_key_retrievable) {
        size_t slen;
        const unsigned char *secret = secret_bytes(&slen);
        sealed = apikey_seal(key, c->session->user->id, secret, slen);
        if (!sealed) {
            response_detail(c->res, 500, ERR_CREATE_API_KEY);
            return;
        }
    }
    char prefix[8];
    memcpy(prefix, key, 7);
    prefix[7] = '\0';
    int rc = db_apikey_put(c->db, c->session->user->id, digest, sealed, prefix);
    free(sealed);
    if (rc != DB_OK) {
        response_detail(c->res, 500, ERR_CREATE_API_KEY);
        return;
    }
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "api_key", json_object_new_string(key));
    response_json(c->res, 200, o);
}

void auths_api_key_get(struct ctx *c)
{
    if (api_key_allowed(c) != 0)
        return;
    const char *sealed = NULL;
    bool exists = false;
    if (db_apikey_get_sealed(c->db, c->arena, c->session->user->id, &sealed, &exists) != DB_OK) {
        api_db_error(c);
        return;
    }
    char key[APIKEY_LEN + 1];
    size_t slen;
    const unsigned char *secret = secret_bytes(&slen);
    /* No key, a show-once key, one sealed under another secret or for another user (a
     * row moved in the database; or sealed before keys were bound to their owner, see
     * apikey.h): nothing to show. */
    if (!exists || !sealed || apikey_open(sealed, c->session->user->id, secret, slen, key) != 0) {
        response_detail(c->res, 404, ERR_API_KEY_NOT_FOUND);
        return;
    }
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "api_key", json_object_new_string(key));
    response_json(c->res, 200, o);
}

void auths_api_key_delete(struct ctx *c)
{
    audit_note(c, "auth.api_key_delete", "user", c->session->user->id);
    if (api_key_allowed(c) != 0)
        return;
    if (db_apikey_delete(c->db, c->session->user->id) != DB_OK) {
        api_db_error(c);
        return;
    }
    response_json(c->res, 200, json_object_new_boolean(1));
}

/* ---- OAuth leftovers ------------------------------------------------------------------- */

void auths_oauth_session_delete(struct ctx *c)
{
    int rc = db_oauth_session_delete(c->db, c->session->user->id, ctx_param(c, "provider"));
    if (rc == DB_ERROR) {
        api_db_error(c);
        return;
    }
    if (rc == DB_NOT_FOUND) {
        response_detail(c->res, 404, ERR_NO_OAUTH_SESSION);
        return;
    }
    response_json(c->res, 200, json_object_new_boolean(1));
}
