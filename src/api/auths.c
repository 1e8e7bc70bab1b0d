/* /api/v1/auths: sign-up, sign-in, sessions, profile and password, admin settings and API
 * keys (contract §1b, deltas §1). LDAP, OAuth and token exchange answer as the reference
 * does when they are not configured. */
#include "config.h"
#include "usher/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "usher/api_common.h"
#include "usher/apikey.h"
#include "usher/arena.h"
#include "usher/csrf.h"
#include "usher/db.h"
#include "usher/encoding.h"
#include "usher/jwt.h"
#include "usher/log.h"
#include "usher/password.h"
#include "usher/permissions.h"
#include "usher/secret.h"
#include "usher/session.h"
#include "usher/settings.h"
#include "usher/users.h"
#include "usher/validate.h"

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- answers ----------------------------------------------------------------------- */

static struct json_object *effective_permissions(struct ctx *c, const struct user *u)
{
    return session_effective_permissions(c, u);
}

/* SessionUser (sign-in, sign-up): the token and who it belongs to. */
static struct json_object *session_user_json(struct ctx *c, const struct user *u,
                                             const char *token, long long expires_at)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "token", json_object_new_string(token));
    json_object_object_add(o, "token_type", json_object_new_string("Bearer"));
    json_object_object_add(o, "expires_at", expires_at ? json_object_new_int64(expires_at) : NULL);
    json_object_object_add(o, "id", json_object_new_string(u->id));
    json_object_object_add(o, "email", json_object_new_string(u->email ? u->email : ""));
    json_object_object_add(o, "name", json_object_new_string(u->name ? u->name : ""));
    json_object_object_add(o, "role", json_object_new_string(u->role));
    json_object_object_add(o, "profile_image_url",
                           json_object_new_string(api_image_path(c->arena, u->id)));
    json_object_object_add(o, "permissions", effective_permissions(c, u));
    return o;
}

/* Answers a successful sign-in or sign-up: SessionUser, the token cookie and a CSRF cookie
 * for browser forms. */
static void answer_session(struct ctx *c, const struct user *u)
{
    long long expires_at = 0;
    const char *token = session_issue_token(c, u->id, &expires_at);
    if (!token) {
        response_detail(c->res, 500, ERR_DEFAULT);
        return;
    }
    struct json_object *o = session_user_json(c, u, token, expires_at);
    session_set_cookie(c, token, expires_at);
    csrf_issue(c, token);
    response_json(c->res, 200, o);
}

void auths_session_user(struct ctx *c)
{
    const struct session *s = c->session;
    const struct user *u = s->user;
    long long expires_at = s->kind == CRED_JWT && s->claims.has_exp ? s->claims.exp : 0;
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "token", json_object_new_string(s->token));
    json_object_object_add(o, "token_type", json_object_new_string("Bearer"));
    json_object_object_add(o, "expires_at", expires_at ? json_object_new_int64(expires_at) : NULL);
    json_object_object_add(o, "id", json_object_new_string(u->id));
    json_object_object_add(o, "email", json_object_new_string(u->email ? u->email : ""));
    json_object_object_add(o, "name", json_object_new_string(u->name ? u->name : ""));
    json_object_object_add(o, "role", json_object_new_string(u->role));
    const char *img = u->profile_image_url && u->profile_image_url[0]
                          ? u->profile_image_url : api_image_path(c->arena, u->id);
    json_object_object_add(o, "profile_image_url", json_object_new_string(img));
    json_object_object_add(o, "bio", json_str_or_null(u->bio));
    json_object_object_add(o, "gender", json_str_or_null(u->gender));
    json_object_object_add(o, "date_of_birth", json_str_or_null(u->date_of_birth));
    json_object_object_add(o, "status_emoji", json_str_or_null(u->status_emoji));
    json_object_object_add(o, "status_message", json_str_or_null(u->status_message));
    json_object_object_add(o, "status_expires_at", json_int_or_null(u->status_expires_at));
    json_object_object_add(o, "permissions", effective_permissions(c, u));
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

/* Profile image URLs (§7.7) under the image policy of the environment. */
static const char *image_url_ok(const char *url, size_t len, const void *arg)
{
    (void)arg;
    return validate_profile_image_url(url, len, &settings_env()->image_policy);
}

/* The password policy, answered as a 400 with its text. */
static int check_password_policy(struct ctx *c, const char *password)
{
    const char *why = password_policy_check(password, &settings_env()->password_policy);
    if (!why)
        return 0;
    response_detail(c->res, 400, why);
    return -1;
}

/* Creates an account after the checks every creation path shares. Returns the new user (or
 * NULL with the response filled). internal_error is the 500 text of the calling route.
 * apply_policy: the password policy is for passwords people choose (signup, /add); the
 * machine-made ones of the no-auth and trusted-header accounts skip it, as in the
 * reference, whose policy check sits in those routes and not in signup_handler. */
static struct user *create_account(struct ctx *c, const char *email_in, const char *name,
                                   const char *password, bool apply_policy, const char *image,
                                   const char *role, bool first_becomes_admin, int gate,
                                   const char *internal_error)
{
    char *email = text_lower(c->arena, email_in);
    if (!validate_email(email)) {
        response_detail(c->res, 400, ERR_INVALID_EMAIL_FORMAT);
        return NULL;
    }
    struct user *existing = NULL;
    int rc = users_get_by_email(c->db, c->arena, email, &existing);
    if (rc == DB_OK) {
        response_detail(c->res, 400, ERR_EMAIL_TAKEN);
        return NULL;
    }
    if (rc != DB_NOT_FOUND) {
        response_detail(c->res, 500, internal_error);
        return NULL;
    }
    if (apply_policy && check_password_policy(c, password) != 0)
        return NULL;
    char hash[128];
    if (password_hash(password, settings_env()->bcrypt_cost, hash, sizeof(hash)) != 0) {
        response_detail(c->res, 500, ERR_CREATE_USER);
        return NULL;
    }
    struct new_user nu = {
        .email = email, .name = name, .password_hash = hash, .profile_image_url = image,
        .role = role, .default_group_id = settings_str(c, "DEFAULT_GROUP_ID"),
        .first_becomes_admin = first_becomes_admin, .closes_signup = first_becomes_admin,
        .gate = gate, .open_default = settings_bool(c, "ENABLE_SIGNUP"),
    };
    rc = users_create(c->db, c->arena, &nu);
    if (rc == DB_DUPLICATE) {
        response_detail(c->res, 400, ERR_EMAIL_TAKEN);
        return NULL;
    }
    if (rc == DB_REFUSED) {   /* sign-up closed while this one waited for the lock */
        response_detail(c->res, 403, ERR_ACCESS_PROHIBITED);
        return NULL;
    }
    struct user *u = NULL;
    if (rc != DB_OK || users_get(c->db, c->arena, nu.id, &u) != DB_OK) {
        response_detail(c->res, 500, internal_error);
        return NULL;
    }
    log_notice("user %s created with role %s", u->id, u->role);
    return u;
}

/* Sign-up's gate (contract §7.2 with v0.11.0's D13). Answers 403 (or 500) and returns -1
 * when sign-up is closed now; otherwise gives the gate users_create applies again under
 * its lock, where a sign-up that raced the first one is refused once that closed sign-up. */
static int signup_gate(struct ctx *c, int *gate)
{
    const struct env_settings *env = settings_env();
    long long count = 0;
    if (users_count(c->db, &count) != DB_OK) {
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

static const struct field_spec signup_form[] = {
    { "name", FIELD_STR, true, false, 255, NULL, NULL },
    { "email", FIELD_STR, true, false, 255, NULL, NULL },
    { "password", FIELD_STR, true, false, 0, NULL, NULL },
    { "profile_image_url", FIELD_STR, false, false, 0, image_url_ok, NULL },
};

void auths_signup(struct ctx *c)
{
    struct field_value v[NFIELDS(signup_form)];
    if (api_parse_form(c, signup_form, NFIELDS(signup_form), false, v) != 0)
        return;
    int gate;
    if (signup_gate(c, &gate) != 0)
        return;
    const char *role = settings_str(c, "DEFAULT_USER_ROLE");
    if (!validate_role(role))
        role = "pending";
    const char *image = api_value_str(&v[3]) ? v[3].s : "/user.png";
    struct user *u = create_account(c, v[1].s, v[0].s, v[2].s, true, image, role, true, gate,
                                    ERR_SIGNUP_INTERNAL);
    if (u)
        answer_session(c, u);
}

static const struct field_spec add_form[] = {
    { "name", FIELD_STR, true, false, 255, NULL, NULL },
    { "email", FIELD_STR, true, false, 255, NULL, NULL },
    { "password", FIELD_STR, true, false, 0, NULL, NULL },
    { "profile_image_url", FIELD_STR, false, false, 0, image_url_ok, NULL },
    { "role", FIELD_STR, false, false, 16, NULL, NULL },
};

void auths_add_user(struct ctx *c)
{
    struct field_value v[NFIELDS(add_form)];
    if (api_parse_form(c, add_form, NFIELDS(add_form), false, v) != 0)
        return;
    const char *image = api_value_str(&v[3]) ? v[3].s : "/user.png";
    const char *role = api_value_str(&v[4]) ? v[4].s : "pending";
    struct user *u = create_account(c, v[1].s, v[0].s, v[2].s, true, image, role, false,
                                    CREATE_ALWAYS, ERR_ADD_INTERNAL);
    if (!u)
        return;
    long long expires_at = 0;
    const char *token = session_issue_token(c, u->id, &expires_at);
    if (!token) {
        response_detail(c->res, 500, ERR_ADD_INTERNAL);
        return;
    }
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "token", json_object_new_string(token));
    json_object_object_add(o, "token_type", json_object_new_string("Bearer"));
    json_object_object_add(o, "id", json_object_new_string(u->id));
    json_object_object_add(o, "email", json_object_new_string(u->email));
    json_object_object_add(o, "name", json_object_new_string(u->name));
    json_object_object_add(o, "role", json_object_new_string(u->role));
    json_object_object_add(o, "profile_image_url",
                           json_object_new_string(api_image_path(c->arena, u->id)));
    response_json(c->res, 200, o);
}

/* ---- signing in ----------------------------------------------------------------------- */

static const struct field_spec signin_form[] = {
    { "email", FIELD_STR, true, false, 0, NULL, NULL },
    { "password", FIELD_STR, true, false, 0, NULL, NULL },
};

/* §7.3: WEBUI_AUTH=false signs everyone in as admin@localhost, created on first use. */
static void signin_no_auth(struct ctx *c)
{
    static const char email[] = "admin@localhost";
    struct user *u = NULL;
    const char *hash = NULL;
    bool active = false;
    int rc = users_get_credentials(c->db, c->arena, email, &u, &hash, &active);
    if (rc == DB_NOT_FOUND) {
        long long count = 0;
        if (users_count(c->db, &count) != DB_OK) {
            api_db_error(c);
            return;
        }
        if (count > 0) {
            response_detail(c->res, 400, ERR_EXISTING_USERS);
            return;
        }
        u = create_account(c, email, "User", "admin", false, "/user.png", "pending", true,
                           CREATE_IF_FIRST, ERR_SIGNUP_INTERNAL);
        if (u)
            answer_session(c, u);
        return;
    }
    if (rc != DB_OK) {
        api_db_error(c);
        return;
    }
    if (!active || !password_verify("admin", hash)) {
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
    char *email = text_lower(c->arena, hv);
    struct user *u = NULL;
    int rc = users_get_by_email(c->db, c->arena, email, &u);
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
                name = dec;
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
        const char *role = settings_str(c, "DEFAULT_USER_ROLE");
        u = create_account(c, email, name, random_pw, false, "/user.png",
                           validate_role(role) ? role : "pending", true, gate,
                           ERR_SIGNUP_INTERNAL);
        if (!u)
            return;
    }
    const char *gh = env->trusted_groups_header ? request_header(c->req, env->trusted_groups_header) : NULL;
    if (gh) {
        /* Only a non-empty list of names syncs: an empty header leaves memberships alone,
         * as in the reference. */
        const char **names;
        size_t n = split_names(c, gh, &names);
        if (n > 0 && users_sync_groups_by_name(c->db, u->id, names, n) != DB_OK) {
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
        if (validate_role(role) && strcmp(role, u->role) != 0) {
            /* A role change ends the user's earlier sessions (usher's difference #1); the
             * token issued just below is newer than the mark. */
            if (users_set_role(c->db, u->id, role, session_now_ms()) != DB_OK) {
                api_db_error(c);
                return;
            }
            u->role = role;
        }
    }
    answer_session(c, u);
}

void auths_signin(struct ctx *c)
{
    const struct env_settings *env = settings_env();
    struct field_value v[NFIELDS(signin_form)];
    if (api_parse_form(c, signin_form, NFIELDS(signin_form), false, v) != 0)
        return;
    if (!env->enable_password_auth) {
        response_detail(c->res, 403, ERR_ACTION_PROHIBITED);
        return;
    }
    if (env->trusted_email_header) {
        signin_trusted_header(c);
        return;
    }
    if (!env->webui_auth) {
        signin_no_auth(c);
        return;
    }
    char *email = text_lower(c->arena, v[0].s);
    long long attempts = 0;
    if (ratelimit_hit(c->db, email, (long long)time(NULL), &attempts) != DB_OK) {
        api_db_error(c);
        return;
    }
    if (attempts > env->signin_rate_limit) {
        response_detail(c->res, 429, ERR_RATE_LIMIT);
        return;
    }
    struct user *u = NULL;
    const char *hash = NULL;
    bool active = false;
    int rc = users_get_credentials(c->db, c->arena, email, &u, &hash, &active);
    if (rc == DB_ERROR) {
        api_db_error(c);
        return;
    }
    /* Unknown and inactive accounts cost a bcrypt check too, so timing tells nothing. */
    bool ok = rc == DB_OK && active ? password_verify(v[1].s, hash)
                                    : password_verify_dummy(v[1].s, settings_env()->bcrypt_cost);
    if (!ok) {
        response_detail(c->res, 400, ERR_INVALID_CRED);
        return;
    }
    answer_session(c, u);
}

static const struct field_spec ldap_form[] = {
    { "user", FIELD_STR, true, false, 0, NULL, NULL },
    { "password", FIELD_STR, true, false, 0, NULL, NULL },
};

void auths_ldap_signin(struct ctx *c)
{
    /* LDAP is out of scope: usher answers as the reference does with LDAP off, after the
     * same body validation (a form without user/password is FastAPI's 422 first). */
    struct field_value v[NFIELDS(ldap_form)];
    if (api_parse_form(c, ldap_form, NFIELDS(ldap_form), false, v) != 0)
        return;
    struct json_object *cfg = settings_get(c, "LDAP_CONFIG");
    struct json_object *en = NULL;
    bool enabled = cfg && json_object_object_get_ex(cfg, "ENABLE_LDAP", &en) &&
                   json_object_get_boolean(en);
    if (enabled && !settings_env()->enable_password_auth) {
        response_detail(c->res, 403, ERR_ACTION_PROHIBITED);
        return;
    }
    response_detail(c->res, 400, ERR_LDAP_NOT_ENABLED);
}

/* ---- signing out ---------------------------------------------------------------------- */

void auths_signout(struct ctx *c)
{
    /* v0.11.0: the Authorization header split on one space (any scheme), else the cookie. */
    const char *token = NULL;
    const char *auth = c->req->authorization;
    if (auth) {
        const char *sp = strchr(auth, ' ');
        if (sp && sp[1] && !strchr(sp + 1, ' '))
            token = sp + 1;
    }
    if (!token)
        token = request_cookie(c->req, "token");
    if (token && strncmp(token, "sk-", 3) != 0) {
        struct jwt_claims cl;
        size_t slen;
        const unsigned char *secret = secret_bytes(&slen);
        if (jwt_verify(token, secret, slen, session_now_ms() / 1000, &cl) == JWT_OK && cl.jti[0] &&
            tokens_revoke(c->db, cl.jti, cl.id, cl.has_exp ? cl.exp : 0) != DB_OK) {
            api_db_error(c);
            return;
        }
    }
    response_delete_cookie(c->res, "token");
    response_delete_cookie(c->res, "oui-session");
    response_delete_cookie(c->res, "oauth_id_token");
    if (request_cookie(c->req, "oauth_session_id"))
        response_delete_cookie(c->res, "oauth_session_id");
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_boolean(1));
    if (settings_env()->signout_redirect_url)
        json_object_object_add(o, "redirect_url",
                               json_object_new_string(settings_env()->signout_redirect_url));
    response_json(c->res, 200, o);
}

/* ---- profile, timezone, password -------------------------------------------------------- */

static const struct field_spec profile_form[] = {
    { "profile_image_url", FIELD_STR, true, false, 0, image_url_ok, NULL },
    { "name", FIELD_STR, true, false, 255, NULL, NULL },
    { "bio", FIELD_STR, false, true, 0, NULL, NULL },
    { "gender", FIELD_STR, false, true, 0, NULL, NULL },
    { "date_of_birth", FIELD_DATE, false, true, 0, NULL, NULL },
};

void auths_update_profile(struct ctx *c)
{
    struct field_value v[NFIELDS(profile_form)];
    if (api_parse_form(c, profile_form, NFIELDS(profile_form), false, v) != 0)
        return;
    const struct user *me = c->session->user;
    /* All five are written: an omitted bio, gender or birth date becomes null (§7.12). */
    if (users_update_profile(c->db, me->id, v[1].s, v[0].s, api_value_str(&v[2]),
                             api_value_str(&v[3]), api_value_str(&v[4])) != DB_OK) {
        response_detail(c->res, 400, ERR_DEFAULT);
        return;
    }
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_string(me->id));
    json_object_object_add(o, "name", json_object_new_string(v[1].s));
    json_object_object_add(o, "role", json_object_new_string(me->role));
    json_object_object_add(o, "email", json_object_new_string(me->email ? me->email : ""));
    json_object_object_add(o, "profile_image_url", json_object_new_string(v[0].s));
    response_json(c->res, 200, o);
}

static const struct field_spec timezone_form[] = {
    { "timezone", FIELD_STR, true, false, 64, NULL, NULL },
};

void auths_update_timezone(struct ctx *c)
{
    struct field_value v[1];
    if (api_parse_form(c, timezone_form, 1, false, v) != 0)
        return;
    if (users_update_timezone(c->db, c->session->user->id, v[0].s) != DB_OK) {
        api_db_error(c);
        return;
    }
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_boolean(1));
    response_json(c->res, 200, o);
}

static const struct field_spec password_form[] = {
    { "password", FIELD_STR, true, false, 0, NULL, NULL },
    { "new_password", FIELD_STR, true, false, 0, NULL, NULL },
};

void auths_update_password(struct ctx *c)
{
    struct field_value v[NFIELDS(password_form)];
    if (api_parse_form(c, password_form, NFIELDS(password_form), false, v) != 0)
        return;
    if (settings_env()->trusted_email_header) {
        response_detail(c->res, 400, ERR_ACTION_PROHIBITED);
        return;
    }
    const struct user *me = c->session->user;
    const char *hash = NULL;
    int rc = users_get_password_hash(c->db, c->arena, me->id, &hash);
    if (rc == DB_ERROR) {
        api_db_error(c);
        return;
    }
    if (rc != DB_OK || !password_verify(v[0].s, hash)) {
        response_detail(c->res, 400, ERR_INCORRECT_PASSWORD);
        return;
    }
    if (check_password_policy(c, v[1].s) != 0)
        return;
    char newhash[128];
    if (password_hash(v[1].s, settings_env()->bcrypt_cost, newhash, sizeof(newhash)) != 0) {
        api_db_error(c);
        return;
    }
    /* Every token issued before now stops working (usher's difference #1). */
    if (users_update_password(c->db, me->id, newhash, session_now_ms() + 1) != DB_OK) {
        api_db_error(c);
        return;
    }
    response_json(c->res, 200, json_object_new_boolean(1));
}

/* ---- admin details and config ----------------------------------------------------------- */

void auths_admin_details(struct ctx *c)
{
    if (!settings_bool(c, "SHOW_ADMIN_DETAILS")) {
        response_detail(c->res, 400, ERR_ACTION_PROHIBITED);
        return;
    }
    const char *email = settings_str(c, "ADMIN_EMAIL");
    const char *name = NULL;
    struct user *u = NULL;
    int rc;
    if (email[0]) {
        char *lower = text_lower(c->arena, email);
        rc = users_get_by_email(c->db, c->arena, lower, &u);
        if (rc == DB_OK)
            name = u->name;
    } else {
        email = NULL;
        rc = users_first(c->db, c->arena, &u);
        if (rc == DB_OK) {
            email = u->email;
            name = u->name;
        }
    }
    if (rc == DB_ERROR) {
        api_db_error(c);
        return;
    }
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_str_or_null(name));
    json_object_object_add(o, "email", json_str_or_null(email));
    response_json(c->res, 200, o);
}

void auths_admin_config_get(struct ctx *c)
{
    response_json(c->res, 200, settings_admin_config(c));
}

static const char *count_field_check(const char *s, size_t len, const void *arg)
{
    (void)arg;
    if (len == 0)
        return NULL;
    char *end;
    strtoll(s, &end, 10);
    return *end ? "must be an integer" : NULL;
}

/* The POST body of deltas §1.4, in the contract's order. */
static const struct field_spec admin_config_form[] = {
    { "SHOW_ADMIN_DETAILS", FIELD_BOOL, true, false, 0, NULL, NULL },
    { "ADMIN_EMAIL", FIELD_STR, false, true, 255, NULL, NULL },
    { "WEBUI_URL", FIELD_STR, true, false, 2048, NULL, NULL },
    { "ENABLE_SIGNUP", FIELD_BOOL, true, false, 0, NULL, NULL },
    { "ENABLE_API_KEYS", FIELD_BOOL, true, false, 0, NULL, NULL },
    { "ENABLE_API_KEYS_ENDPOINT_RESTRICTIONS", FIELD_BOOL, true, false, 0, NULL, NULL },
    { "API_KEYS_ALLOWED_ENDPOINTS", FIELD_STR, true, false, 8192, NULL, NULL },
    { "DEFAULT_USER_ROLE", FIELD_STR, true, false, 64, NULL, NULL },
    { "DEFAULT_GROUP_ID", FIELD_STR, true, false, 64, NULL, NULL },
    { "JWT_EXPIRES_IN", FIELD_STR, true, false, 64, NULL, NULL },
    { "ENABLE_COMMUNITY_SHARING", FIELD_BOOL, true, false, 0, NULL, NULL },
    { "ENABLE_MESSAGE_RATING", FIELD_BOOL, true, false, 0, NULL, NULL },
    { "ENABLE_FOLDERS", FIELD_BOOL, true, false, 0, NULL, NULL },
    { "FOLDER_MAX_FILE_COUNT", FIELD_INT_OR_STR, false, true, 32, count_field_check, NULL },
    { "AUTOMATION_MAX_COUNT", FIELD_INT_OR_STR, false, true, 32, count_field_check, NULL },
    { "AUTOMATION_MIN_INTERVAL", FIELD_INT_OR_STR, false, true, 32, count_field_check, NULL },
    { "ENABLE_AUTOMATIONS", FIELD_BOOL, true, false, 0, NULL, NULL },
    { "ENABLE_CHANNELS", FIELD_BOOL, true, false, 0, NULL, NULL },
    { "CHANNEL_MODEL_RESPONSE_MODE", FIELD_STR, false, true, 16, NULL, NULL },
    { "ENABLE_CALENDAR", FIELD_BOOL, true, false, 0, NULL, NULL },
    { "ENABLE_MEMORIES", FIELD_BOOL, true, false, 0, NULL, NULL },
    { "ENABLE_MEMORY_SYSTEM_CONTEXT", FIELD_BOOL, true, false, 0, NULL, NULL },
    { "ENABLE_NOTES", FIELD_BOOL, true, false, 0, NULL, NULL },
    { "ENABLE_USER_WEBHOOKS", FIELD_BOOL, true, false, 0, NULL, NULL },
    { "ENABLE_USER_STATUS", FIELD_BOOL, true, false, 0, NULL, NULL },
    { "PENDING_USER_OVERLAY_TITLE", FIELD_STR, false, true, 1024, NULL, NULL },
    { "PENDING_USER_OVERLAY_CONTENT", FIELD_STR, false, true, 65536, NULL, NULL },
    { "RESPONSE_WATERMARK", FIELD_STR, false, true, 4096, NULL, NULL },
};

void auths_admin_config_post(struct ctx *c)
{
    enum { N = NFIELDS(admin_config_form) };
    struct field_value v[N];
    /* Extra members are ignored: the frontend posts back the whole object it received. */
    if (api_parse_form(c, admin_config_form, N, false, v) != 0)
        return;
    /* Decide every value first, then write them all in one transaction. */
    struct json_object *vals[N];
    for (size_t i = 0; i < N; i++) {
        const struct field_spec *f = &admin_config_form[i];
        const struct field_value *x = &v[i];
        const char *name = f->name;
        vals[i] = NULL;
        if (f->type == FIELD_BOOL) {
            vals[i] = json_object_new_boolean(x->b);
        } else if (f->type == FIELD_INT_OR_STR) {
            long long n = x->present && !x->is_null ? (x->is_int ? x->i : strtoll(x->s, NULL, 10)) : 0;
            vals[i] = n ? json_object_new_int64(n) : json_object_new_string("");
        } else if (strcmp(name, "DEFAULT_USER_ROLE") == 0) {
            if (validate_role(x->s))
                vals[i] = json_object_new_string(x->s);
        } else if (strcmp(name, "JWT_EXPIRES_IN") == 0) {
            if (jwt_duration_valid_for_config(x->s))
                vals[i] = json_object_new_string(x->s);
        } else if (strcmp(name, "CHANNEL_MODEL_RESPONSE_MODE") == 0) {
            const char *mode = api_value_str(x) ? x->s : "thread";
            if (strcmp(mode, "thread") == 0 || strcmp(mode, "channel") == 0)
                vals[i] = json_object_new_string(mode);
        } else {
            vals[i] = api_value_str(x) ? json_object_new_string(x->s) : NULL;
            if (!vals[i] && f->required)
                vals[i] = json_object_new_string("");
        }
    }
    /* Values silently refused (role, expiry, mode) keep what was stored: skip them. */
    bool skip[N];
    for (size_t i = 0; i < N; i++) {
        const char *name = admin_config_form[i].name;
        skip[i] = !vals[i] && (strcmp(name, "DEFAULT_USER_ROLE") == 0 ||
                               strcmp(name, "JWT_EXPIRES_IN") == 0 ||
                               strcmp(name, "CHANNEL_MODEL_RESPONSE_MODE") == 0);
    }
    int rc = db_begin(c->db);
    for (size_t i = 0; i < N; i++) {
        if (skip[i])
            continue;
        if (rc == DB_OK && settings_put(c, admin_config_form[i].name, vals[i]) != 0)
            rc = DB_ERROR;
        else if (rc != DB_OK)
            json_object_put(vals[i]);
    }
    if (rc != DB_OK || db_commit(c->db) != DB_OK) {
        db_rollback(c->db);
        settings_release(c);
        api_db_error(c);
        return;
    }
    settings_release(c);   /* answer with a fresh read */
    response_json(c->res, 200, settings_admin_config(c));
}

/* ---- LDAP and OAuth settings (stored and returned; usher does not run these flows) ----- */

void auths_ldap_config_get(struct ctx *c)
{
    struct json_object *cfg = settings_get(c, "LDAP_CONFIG");
    struct json_object *en = NULL;
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "ENABLE_LDAP",
                           cfg && json_object_object_get_ex(cfg, "ENABLE_LDAP", &en)
                               ? json_object_get(en) : json_object_new_boolean(0));
    response_json(c->res, 200, o);
}

static const struct field_spec ldap_config_form[] = {
    { "enable_ldap", FIELD_BOOL, false, true, 0, NULL, NULL },
};

void auths_ldap_config_post(struct ctx *c)
{
    struct field_value v[1];
    if (api_parse_form(c, ldap_config_form, 1, false, v) != 0)
        return;
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "ENABLE_LDAP",
                           v[0].present && !v[0].is_null ? json_object_new_boolean(v[0].b) : NULL);
    if (settings_put(c, "LDAP_CONFIG", o) != 0) {
        api_db_error(c);
        return;
    }
    auths_ldap_config_get(c);
}

static const struct field_spec ldap_server_form[] = {
    { "label", FIELD_STR, true, false, 255, NULL, NULL },
    { "host", FIELD_STR, true, false, 255, NULL, NULL },
    { "port", FIELD_INT, false, true, 0, NULL, NULL },
    { "attribute_for_mail", FIELD_STR, false, false, 255, NULL, NULL },
    { "attribute_for_username", FIELD_STR, false, false, 255, NULL, NULL },
    { "app_dn", FIELD_STR, true, false, 1024, NULL, NULL },
    { "app_dn_password", FIELD_STR, true, false, 1024, NULL, NULL },
    { "search_base", FIELD_STR, true, false, 1024, NULL, NULL },
    { "search_filters", FIELD_STR, false, false, 4096, NULL, NULL },
    { "use_tls", FIELD_BOOL, false, false, 0, NULL, NULL },
    { "certificate_path", FIELD_STR, false, true, 1024, NULL, NULL },
    { "validate_cert", FIELD_BOOL, false, false, 0, NULL, NULL },
    { "ciphers", FIELD_STR, false, true, 1024, NULL, NULL },
    { "enable_group_management", FIELD_BOOL, false, false, 0, NULL, NULL },
    { "enable_group_creation", FIELD_BOOL, false, false, 0, NULL, NULL },
    { "attribute_for_groups", FIELD_STR, false, false, 255, NULL, NULL },
};

/* The LDAP server settings with their defaults (deltas §1.6). */
static struct json_object *ldap_server_defaults(void)
{
    struct json_object *o = json_object_new_object();
    const char *strs[][2] = { { "label", "" }, { "host", "" } };
    for (size_t i = 0; i < 2; i++)
        json_object_object_add(o, strs[i][0], json_object_new_string(strs[i][1]));
    json_object_object_add(o, "port", NULL);
    json_object_object_add(o, "attribute_for_mail", json_object_new_string("mail"));
    json_object_object_add(o, "attribute_for_username", json_object_new_string("uid"));
    json_object_object_add(o, "app_dn", json_object_new_string(""));
    json_object_object_add(o, "app_dn_password", json_object_new_string(""));
    json_object_object_add(o, "search_base", json_object_new_string(""));
    json_object_object_add(o, "search_filters", json_object_new_string(""));
    json_object_object_add(o, "use_tls", json_object_new_boolean(1));
    json_object_object_add(o, "certificate_path", NULL);
    json_object_object_add(o, "validate_cert", json_object_new_boolean(1));
    json_object_object_add(o, "ciphers", json_object_new_string("ALL"));
    json_object_object_add(o, "enable_group_management", json_object_new_boolean(0));
    json_object_object_add(o, "enable_group_creation", json_object_new_boolean(0));
    json_object_object_add(o, "attribute_for_groups", json_object_new_string("memberOf"));
    return o;
}

void auths_ldap_server_get(struct ctx *c)
{
    struct json_object *o = ldap_server_defaults();
    struct json_object *stored = settings_get(c, "LDAP_SERVER");
    if (stored && json_object_is_type(stored, json_type_object)) {
        json_object_object_foreach(stored, k, val)
            if (json_object_object_get_ex(o, k, NULL))
                json_object_object_add(o, k, json_object_get(val));
    }
    response_json(c->res, 200, o);
}

void auths_ldap_server_post(struct ctx *c)
{
    enum { N = NFIELDS(ldap_server_form) };
    struct field_value v[N];
    if (api_parse_form(c, ldap_server_form, N, false, v) != 0)
        return;
    struct json_object *o = ldap_server_defaults();
    for (size_t i = 0; i < N; i++) {
        const struct field_spec *f = &ldap_server_form[i];
        if (!v[i].present)
            continue;
        struct json_object *val = v[i].is_null ? NULL
                                  : f->type == FIELD_BOOL ? json_object_new_boolean(v[i].b)
                                  : f->type == FIELD_INT ? json_object_new_int64(v[i].i)
                                                          : json_object_new_string(v[i].s);
        json_object_object_add(o, f->name, val);
    }
    static const char *const required[] = { "label", "host", "attribute_for_mail",
                                            "attribute_for_username", "search_base" };
    for (size_t i = 0; i < NFIELDS(required); i++) {
        struct json_object *val = json_object_object_get(o, required[i]);
        if (!val || !json_object_get_string_len(val)) {
            json_object_put(o);
            response_detail(c->res, 400, arena_printf(c->arena, "Required field %s is empty", required[i]));
            return;
        }
    }
    struct json_object *gm = json_object_object_get(o, "enable_group_management");
    struct json_object *ga = json_object_object_get(o, "attribute_for_groups");
    if (json_object_get_boolean(gm) && (!ga || !json_object_get_string_len(ga))) {
        json_object_put(o);
        response_detail(c->res, 400, "Required field attribute_for_groups is empty");
        return;
    }
    if (settings_put(c, "LDAP_SERVER", o) != 0) {
        api_db_error(c);
        return;
    }
    auths_ldap_server_get(c);
}

void auths_oauth_config_get(struct ctx *c)
{
    struct json_object *stored = settings_get(c, "OAUTH_CONFIG");
    struct json_object *o = stored && json_object_is_type(stored, json_type_object)
                                ? json_object_get(stored) : json_object_new_object();
    if (!json_object_object_get_ex(o, "ENABLE_OAUTH", NULL))
        json_object_object_add(o, "ENABLE_OAUTH", json_object_new_boolean(0));
    response_json(c->res, 200, o);
}

void auths_oauth_config_post(struct ctx *c)
{
    struct json_object *body = c->req->fields;
    if (!body || !json_object_is_type(body, json_type_object)) {
        struct json_object *errs = json_object_new_array();
        json_object_array_add(errs, fields_error("model_attributes_type", NULL,
                                                 "Input should be a valid dictionary or object to extract fields from",
                                                 body));
        response_validation(c->res, errs);
        return;
    }
    /* Only non-null fields are written (deltas §1.5). */
    struct json_object *stored = settings_get(c, "OAUTH_CONFIG");
    struct json_object *o = json_object_new_object();
    if (stored && json_object_is_type(stored, json_type_object)) {
        json_object_object_foreach(stored, k, val)
            json_object_object_add(o, k, json_object_get(val));
    }
    json_object_object_foreach(body, k, val) {
        if (val && strncmp(k, "OAUTH_", 6) != 0 && strncmp(k, "OPENID_", 7) != 0 &&
            strcmp(k, "ENABLE_OAUTH_SIGNUP") != 0 && strcmp(k, "ENABLE_OAUTH") != 0 &&
            strncmp(k, "ENABLE_OAUTH_", 13) != 0)
            continue;
        if (val)
            json_object_object_add(o, k, json_object_get(val));
    }
    if (settings_put(c, "OAUTH_CONFIG", o) != 0) {
        api_db_error(c);
        return;
    }
    auths_oauth_config_get(c);
}

/* ---- API keys --------------------------------------------------------------------------- */

/* D7: all three methods need API keys enabled and, for non-admins, features.api_keys. */
static int api_key_allowed(struct ctx *c)
{
    const struct user *u = c->session->user;
    if (settings_bool(c, "ENABLE_API_KEYS") &&
        (strcmp(u->role, "admin") == 0 || session_has_permission(c, u, "features.api_keys")))
        return 0;
    response_detail(c->res, 403, ERR_API_KEY_CREATION_NOT_ALLOWED);
    return -1;
}

void auths_api_key_create(struct ctx *c)
{
    if (api_key_allowed(c) != 0)
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
        sealed = apikey_seal(key, secret, slen);
        if (!sealed) {
            response_detail(c->res, 500, ERR_CREATE_API_KEY);
            return;
        }
    }
    int rc = apikeys_put(c->db, c->session->user->id, digest, sealed);
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
    if (apikeys_get_sealed(c->db, c->arena, c->session->user->id, &sealed, &exists) != DB_OK) {
        api_db_error(c);
        return;
    }
    char key[APIKEY_LEN + 1];
    size_t slen;
    const unsigned char *secret = secret_bytes(&slen);
    /* No key, a show-once key, or one sealed under another secret: nothing to show. */
    if (!exists || !sealed || apikey_open(sealed, secret, slen, key) != 0) {
        response_detail(c->res, 404, ERR_API_KEY_NOT_FOUND);
        return;
    }
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "api_key", json_object_new_string(key));
    response_json(c->res, 200, o);
}

void auths_api_key_delete(struct ctx *c)
{
    if (api_key_allowed(c) != 0)
        return;
    if (apikeys_delete(c->db, c->session->user->id) != DB_OK) {
        api_db_error(c);
        return;
    }
    response_json(c->res, 200, json_object_new_boolean(1));
}

/* ---- OAuth leftovers ------------------------------------------------------------------- */

void auths_oauth_session_delete(struct ctx *c)
{
    static const char sql[] = "DELETE FROM oauth_session WHERE user_id = ? AND provider = ?";
    unsigned long long n = 0;
    if (db_exec(c->db, sql, DB_PARAMS(db_str(c->session->user->id),
                                      db_str(ctx_param(c, "provider"))), &n) != DB_OK) {
        api_db_error(c);
        return;
    }
    if (n == 0) {
        response_detail(c->res, 404, "No OAuth session found for this provider");
        return;
    }
    response_json(c->res, 200, json_object_new_boolean(1));
}

void auths_token_exchange(struct ctx *c)
{
    response_detail(c->res, 403, "Token exchange is disabled");
}
