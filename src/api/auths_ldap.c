/* POST /api/v1/auths/ldap: the LDAP sign-in's HTTP half (the directory half is
 * directory.c); the account through the account service, the answer as /signin's. */
#include "config.h"
#include "usher/api.h"
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
#include "usher/csrf.h"
#include "usher/db.h"
#include "usher/db_groups.h"
#include "usher/db_signin.h"
#include "usher/db_users.h"
#include "usher/directory.h"
#include "usher/group.h"
#include "usher/log.h"
#include "usher/session.h"
#include "usher/settings.h"
#include "usher/user.h"
#include "usher/validate.h"

static const struct field_spec ldap_fields[] = {
    { "user", FIELD_STR, true, false, 0, NULL, NULL },
    { "password", FIELD_STR, true, false, 0, NULL, NULL },
};
const struct form auths_ldap_form = FORM(ldap_fields);

/* POST /auths/ldap (openwebui-ldap.md §2): the reference's checks in its order, the
 * rate limit before any directory traffic, the directory half (directory.c), then the
 * account by e-mail or a new one through the account service, and the group sync. */
void auths_ldap_signin(struct ctx *c)
{
    const struct env_settings *env = settings_env();
    const struct field_value *v = c->v;
    audit_note(c, "auth.ldap", NULL, NULL);
    /* The typed name (escaped: it may hold anything) is the audit row's typed actor. */
    audit_actor(c, NULL, dir_filter_escape(c->arena, v[0].s, v[0].len));
    struct dir_settings ds;
    dir_settings_resolve(c, &ds);
    if (!ds.enable) {
        response_detail(c->res, 400, ERR_LDAP_NOT_ENABLED);
        return;
    }
    if (!env->enable_password_auth) {
        response_detail(c->res, 403, ERR_ACTION_PROHIBITED);
        return;
    }
    if (csrf_check_login(c) != 0)
        return;
    const char *password = v[1].s;
    size_t plen = v[1].len;
    bool blank = true;
    for (size_t i = 0; i < plen && blank; i++)
        blank = password[i] == ' ' || (password[i] >= '\t' && password[i] <= '\r');
    if (blank || memchr(password, '\0', plen)) {
        response_detail(c->res, 400, ERR_INVALID_CRED);
        return;
    }
    /* signin.rate_limit, per lowercased name, in the sign-in window. */
    char *key = arena_printf(c->arena, "ldap:%s", dir_filter_escape(c->arena, v[0].s, v[0].len));
    ascii_lower(key);
    long long attempts = 0;
    if (db_signin_attempt_hit(c->db, key, (long long)time(NULL), &attempts) != DB_OK) {
        api_db_error(c);
        return;
    }
    if (attempts > env->signin_rate_limit) {
        response_detail(c->res, 429, ERR_RATE_LIMIT);
        return;
    }
    struct dir_identity id;
    enum dir_result dr = dir_signin(&ds, c->arena, v[0].s, v[0].len, password, &id, NULL, NULL);
    if (dr == DIR_TLS_CONFIG) {
        response_detail(c->res, 400, ERR_LDAP_TLS_CONFIG);
        return;
    }
    if (dr != DIR_OK) {
        response_detail(c->res, 400, ERR_LDAP_FAILED);
        return;
    }
    char *email = email_normalize(c->arena, id.mail);
    struct user *u = NULL;
    const char *hash = NULL;
    bool active = false;
    long long read_ms = session_now_ms();
    int rc = db_user_get_credentials(c->db, c->arena, email, &u, &hash, &active);
    if (rc == DB_ERROR) {
        api_db_error(c);
        return;
    }
    if (rc == DB_NOT_FOUND) {
        if (api_admin_bootstrap_owed(c))
            return;
        /* A random password nobody knows: the account signs in through the directory. */
        char random_pw[37];
        if (uuid4(random_pw) != 0) {
            api_db_error(c);
            return;
        }
        struct account_new na = {
            .email = email, .name = id.cn, .password = random_pw,
            .first_becomes_admin = true, .keep_signup_open = true, .gate = CREATE_ALWAYS,
        };
        struct account_result r;
        if (accounts_create(c, DOOR_LDAP, &na, &u, &r) != 0) {
            log_warning("ldap sign-in of %s: the account could not be created: %s", email,
                        r.reason ? r.reason : "refused");
            response_detail(c->res, r.status >= 500 ? r.status : 400,
                            r.status >= 500 ? ERR_DEFAULT : ERR_LDAP_FAILED);
            return;
        }
        audit_detail(c, arena_printf(c->arena, "account created, role %s", u->role_name));
        active = true;
    }
    if (!active) {
        log_warning("ldap sign-in of %s: the account is not active", email);
        response_detail(c->res, 400, ERR_LDAP_FAILED);
        return;
    }
    if (ds.group_management && id.ngroups > 0) {
        /* A failure here is logged and does not change the answer (as the reference). */
        if (ds.group_creation) {
            struct json_object *share = group_share_default(getenv("DEFAULT_GROUP_SHARE_PERMISSION"));
            struct json_object *data = group_new_data(NULL, share);
            struct group_write w = { .description = "", .permissions = NULL,
                                     .data = json_object_to_json_string(data) };
            for (size_t i = 0; i < id.ngroups; i++) {
                struct group *g;
                w.name = id.groups[i];
                int grc = db_group_create(c->db, c->arena, u->id, &w, &g);
                if (grc != DB_OK && grc != DB_DUPLICATE)
                    log_warning("ldap sign-in of %s: group \"%s\" not created", email, w.name);
            }
            json_object_put(data);
            json_object_put(share);
        }
        if (db_group_sync_user_by_names(c->db, u->id, id.groups, id.ngroups) != DB_OK)
            log_warning("ldap sign-in of %s: the group sync failed", email);
    }
    /* The directory checked the password; an account with two-factor sign-in on still
     * owes its second factor, as after a password sign-in (usher's own account security). */
    if (mfa_signin_intercept(c, u, read_ms))
        return;
    auths_answer_session(c, u, read_ms);
}
