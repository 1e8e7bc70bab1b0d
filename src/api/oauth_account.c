/* The account an OpenID Connect callback signs in (openwebui-oauth.md §4 steps 3-8, §5-§7):
 * found by the provider's sub, merged by e-mail, or made; every write through the account
 * service with DOOR_OIDC. */
#include "config.h"
#include "usher/api_oauth.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usher/accounts.h"
#include "usher/arena.h"
#include "usher/audit.h"
#include "usher/crypto.h"
#include "usher/ctx.h"
#include "usher/db.h"
#include "usher/db_groups.h"
#include "usher/db_oauth.h"
#include "usher/db_users.h"
#include "usher/errors.h"
#include "usher/group.h"
#include "usher/log.h"
#include "usher/oidc.h"
#include "usher/settings.h"
#include "usher/user.h"
#include "usher/validate.h"

#define MAX_NAMES 256

/* A claim as text: a string as it is, a number written out; NULL otherwise (arena). */
static const char *claim_text(struct ctx *c, struct json_object *claims, const char *path)
{
    struct json_object *v = oidc_claim(claims, path);
    if (!v && path && strchr(path, '.'))
        json_object_object_get_ex(claims, path, &v);   /* the flat name, as the reference */
    if (!v)
        return NULL;
    if (json_object_is_type(v, json_type_string))
        return json_object_get_string(v);
    if (json_object_is_type(v, json_type_int))
        return arena_printf(c->arena, "%lld", (long long)json_object_get_int64(v));
    return NULL;
}

/* The names of a list claim (list, or a string split on sep; a number for roles): up to
 * MAX_NAMES arena strings. */
static size_t claim_list(struct ctx *c, struct json_object *claims, const char *path,
                         const char *sep, bool numbers, const char ***out)
{
    struct json_object *v = oidc_claim(claims, path);
    if (!v && path && strchr(path, '.'))
        json_object_object_get_ex(claims, path, &v);
    const char **names = arena_calloc(c->arena, MAX_NAMES, sizeof(*names));
    size_t n = 0;
    *out = names;
    if (!v)
        return 0;
    if (json_object_is_type(v, json_type_array)) {
        size_t len = json_object_array_length(v);
        for (size_t i = 0; i < len && n < MAX_NAMES; i++) {
            struct json_object *x = json_object_array_get_idx(v, i);
            if (json_object_is_type(x, json_type_string))
                names[n++] = json_object_get_string(x);
            else if (json_object_is_type(x, json_type_int))
                names[n++] = arena_printf(c->arena, "%lld", (long long)json_object_get_int64(x));
        }
    } else if (json_object_is_type(v, json_type_string)) {
        char *s = arena_strdup(c->arena, json_object_get_string(v));
        size_t sl = sep && sep[0] ? strlen(sep) : 0;
        while (s && n < MAX_NAMES) {
            char *hit = sl ? strstr(s, sep) : NULL;
            if (hit)
                *hit = '\0';
            names[n++] = s;
            s = hit ? hit + sl : NULL;
        }
    } else if (numbers && json_object_is_type(v, json_type_int)) {
        names[n++] = arena_printf(c->arena, "%lld", (long long)json_object_get_int64(v));
    }
    return n;
}

/* Whether the comma list holds name (each item without its surrounding spaces). */
static bool in_comma_list(const char *list, const char *name)
{
    size_t nl = strlen(name);
    for (const char *p = list; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        const char *q = p;
        while (len && *q == ' ') {
            q++;
            len--;
        }
        while (len && q[len - 1] == ' ')
            len--;
        if (len == nl && strncmp(q, name, nl) == 0)
            return true;
        p = comma ? comma + 1 : NULL;
    }
    return false;
}

/* The role of §5 for u (NULL: a new account): 0 with *role, or -1 (ACCESS_PROHIBITED). */
static int derive_role(struct ctx *c, const struct oidc_settings *s, const struct user *u,
                       struct json_object *claims, const char **role)
{
    const char *def = settings_str(c, "DEFAULT_USER_ROLE");
    if (!validate_role(def))
        def = "pending";
    long long count = 0;
    if (db_user_count(c->db, &count) != DB_OK)
        count = -1;
    if (u && count == 1) {
        *role = "admin";
        return 0;
    }
    if (!u && count == 0) {
        *role = def;
        return 0;
    }
    if (!s->role_management) {
        *role = u ? u->role_name : def;
        return 0;
    }
    *role = def;
    if (!s->roles_claim[0] || !s->allowed_roles[0] || !s->admin_roles[0])
        return 0;
    const char **roles;
    size_t n = claim_list(c, claims, s->roles_claim, s->roles_separator, true, &roles);
    if (n == 0)
        return 0;
    bool matched = false;
    if (in_comma_list(s->allowed_roles, "*")) {
        *role = "user";
        matched = true;
    }
    for (size_t i = 0; i < n && !matched; i++) {
        if (in_comma_list(s->allowed_roles, roles[i])) {
            *role = "user";
            matched = true;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (in_comma_list(s->admin_roles, roles[i])) {
            *role = "admin";
            matched = true;
            break;
        }
    }
    if (!matched) {
        log_warning("oauth: the account's roles match neither the allowed nor the admin roles");
        return -1;
    }
    return 0;
}

/* A known account: the role (§5) and the update-on-login fields (§4 step 7). */
static int refresh_known(struct ctx *c, const struct oidc_settings *s, struct user **u,
                         struct json_object *claims, const char *access_token,
                         long long deadline_ms, const char **error)
{
    const char *role;
    if (derive_role(c, s, *u, claims, &role) != 0) {
        *error = ERR_ACCESS_PROHIBITED;
        return -1;
    }
    struct account_result r;
    if (strcmp(role, (*u)->role_name) != 0) {
        if (accounts_set_role(c, DOOR_OIDC, *u, role, &r) == 0) {
            (*u)->role_name = role;
            (*u)->role = user_role_parse(role);
        } else {
            log_warning("oauth: user %s keeps role %s: %s", (*u)->id, (*u)->role_name,
                        r.reason ? r.reason : "refused");
        }
    }
    struct account_provider_update up = { 0 };
    if (s->update_name)
        up.name = claim_text(c, claims, s->username_claim);
    if (s->update_email)
        up.email = claim_text(c, claims, s->email_claim);
    if (s->update_picture && s->picture_claim[0])
        up.profile_image_url = oidc_picture(c, s, claim_text(c, claims, s->picture_claim),
                                            access_token, deadline_ms);
    if (up.name || up.email || up.profile_image_url) {
        struct user *nu = NULL;
        if (accounts_provider_update(c, DOOR_OIDC, *u, &up, &nu, &r) == 0)
            *u = nu;
        else
            log_warning("oauth: user %s not refreshed: %s", (*u)->id, r.reason ? r.reason : "refused");
    }
    return 0;
}

void oauth_account_from_claims(struct ctx *c, const struct oidc_settings *s,
                               struct json_object *claims, const char *access_token,
                               long long deadline_ms, struct user **out, const char **error)
{
    *out = NULL;
    *error = ERR_INVALID_CRED;
    const char *sub = claim_text(c, claims, s->sub_claim[0] ? s->sub_claim : "sub");
    if (!sub || !sub[0] || strlen(sub) > 255) {
        log_warning("oauth: the claims name no usable sub");
        return;
    }
    const char *email = claim_text(c, claims, s->email_claim);
    if (!email || !email[0]) {
        if (!s->email_fallback) {
            log_warning("oauth: the claims name no e-mail");
            return;
        }
        email = arena_printf(c->arena, "oidc@%s.local", sub);
    }
    char *lower = arena_strdup(c->arena, email);
    for (char *p = lower; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    email = lower;
    const char *at = strrchr(email, '@');
    if (!in_comma_list(s->allowed_domains, "*") &&
        !in_comma_list(s->allowed_domains, at ? at + 1 : email)) {
        log_warning("oauth: the e-mail's domain is not among OAUTH_ALLOWED_DOMAINS");
        return;
    }
    struct user *u = NULL;
    int rc = db_user_get_by_oidc_sub(c->db, c->arena, sub, &u);
    if (rc == DB_ERROR) {
        *error = "[ERROR: Error during OAuth process]";
        return;
    }
    if (rc == DB_NOT_FOUND && s->merge_by_email &&
        db_user_get_by_email(c->db, c->arena, email_normalize(c->arena, email), &u) == DB_OK) {
        struct account_provider_update up = { .oauth = oidc_link_json(c->arena, u->oauth, sub) };
        struct account_result r;
        struct user *linked = NULL;
        if (accounts_provider_update(c, DOOR_OIDC, u, &up, &linked, &r) != 0) {
            *error = "[ERROR: Error during OAuth process]";
            return;
        }
        log_notice("oauth: user %s linked to the provider by e-mail", u->id);
        u = linked;
        rc = DB_OK;
    }
    if (rc == DB_OK) {
        /* A deactivated account (SCIM, auth.active 0) signs in by no door. */
        struct user *cred;
        const char *hash;
        bool active = false;
        if (db_user_get_credentials(c->db, c->arena, u->email, &cred, &hash, &active) != DB_OK ||
            !active) {
            log_warning("oauth: user %s is not active; sign-in refused", u->id);
            *error = ERR_ACCESS_PROHIBITED;
            return;
        }
        if (refresh_known(c, s, &u, claims, access_token, deadline_ms, error) == 0) {
            audit_detail(c, "sign-in via oidc");
            *out = u;
        }
        return;
    }
    /* A new account (§4 step 8). */
    if (!s->signup || accounts_bootstrap_pending()) {
        *error = ERR_ACCESS_PROHIBITED;
        return;
    }
    struct user *other = NULL;
    if (db_user_get_by_email(c->db, c->arena, email_normalize(c->arena, email), &other) == DB_OK) {
        *error = ERR_EMAIL_TAKEN;
        return;
    }
    const char *role;
    if (derive_role(c, s, NULL, claims, &role) != 0) {
        *error = ERR_ACCESS_PROHIBITED;
        return;
    }
    const char *picture = "/user.png";
    if (s->picture_claim[0])
        picture = oidc_picture(c, s, claim_text(c, claims, s->picture_claim), access_token, deadline_ms);
    const char *name = claim_text(c, claims, s->username_claim);
    if (!name || !name[0] || accounts_name_check(name, strlen(name), NULL))
        name = email;
    char random_pw[37];
    if (uuid4(random_pw) != 0) {
        *error = ERR_CREATE_USER;
        return;
    }
    struct account_new na = {
        .email = email, .name = name, .password = random_pw, .profile_image_url = picture,
        .role = role, .first_becomes_admin = true, .keep_signup_open = true,
        .gate = CREATE_ALWAYS, .oauth = oidc_link_json(c->arena, NULL, sub),
    };
    struct account_result r;
    if (accounts_create(c, DOOR_OIDC, &na, &u, &r) != 0) {
        log_warning("oauth: the account could not be created: %s", r.reason ? r.reason : "refused");
        *error = r.refusal == ACCOUNT_EMAIL_TAKEN ? ERR_EMAIL_TAKEN
               : r.refusal == ACCOUNT_BAD_EMAIL ? ERR_INVALID_CRED : ERR_CREATE_USER;
        return;
    }
    audit_detail(c, arena_printf(c->arena, "account created via oidc, role %s", u->role_name));
    *out = u;
}

/* ---- groups (§6) ----------------------------------------------------------------------------- */

void oauth_sync_groups(struct ctx *c, const struct oidc_settings *s, const struct user *u,
                       struct json_object *claims)
{
    const char **names;
    size_t n = claim_list(c, claims, s->group_claim, s->groups_separator, false, &names);
    if (n == 0)
        return;   /* an empty claim removes nothing, and there is nothing to join */
    if (s->group_creation) {
        struct user *primary = NULL;
        const char *creator = db_user_get_primary(c->db, c->arena, &primary) == DB_OK &&
                              primary->role == ROLE_ADMIN ? primary->id : u->id;
        struct json_object *share = strcmp(s->group_default_share, "members") == 0
            ? json_object_new_string("members")
            : json_object_new_boolean(strcmp(s->group_default_share, "true") == 0);
        struct json_object *data = group_new_data(NULL, share);
        struct json_object *perms = settings_permission_defaults(c);
        struct group_write w = {
            .permissions = perms ? json_object_to_json_string_ext(perms, JSON_C_TO_STRING_PLAIN) : NULL,
            .data = json_object_to_json_string_ext(data, JSON_C_TO_STRING_PLAIN),
        };
        for (size_t i = 0; i < n; i++) {
            if (!names[i][0])
                continue;
            struct group *g;
            w.name = names[i];
            w.description = arena_printf(c->arena, "Group '%s' created automatically via OAuth.", names[i]);
            int grc = db_group_create(c->db, c->arena, creator, &w, &g);
            if (grc == DB_OK)
                log_notice("oauth: group %s created", g->id);
            else if (grc != DB_DUPLICATE)
                log_warning("oauth: a group of the claim could not be created");
        }
        json_object_put(data);
        json_object_put(share);
    }
    /* The memberships become: the claim's names that are not blocked, and the user's
     * current groups that are blocked (never touched). */
    struct group *cur = NULL;
    size_t ncur = 0;
    if (db_group_list_of_user(c->db, c->arena, u->id, &cur, &ncur) != DB_OK) {
        log_warning("oauth: the groups of user %s could not be read; not synced", u->id);
        return;
    }
    const char **want = arena_calloc(c->arena, n + ncur + 1, sizeof(*want));
    size_t nw = 0;
    for (size_t i = 0; i < n; i++)
        if (!oidc_group_blocked(s->blocked_groups, names[i]))
            want[nw++] = names[i];
    for (size_t i = 0; i < ncur; i++)
        if (oidc_group_blocked(s->blocked_groups, cur[i].name))
            want[nw++] = cur[i].name;
    if (db_group_sync_user_by_names(c->db, u->id, want, nw) != DB_OK)
        log_warning("oauth: the group sync of user %s failed", u->id);
}
