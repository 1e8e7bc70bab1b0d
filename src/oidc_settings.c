/* The settings of the OpenID Connect provider (see oidc.h): stored OAUTH_CONFIG member,
 * else the environment, else Open WebUI's default (openwebui-oauth.md §1, deltas §1.5). */
#include "config.h"
#include "usher/oidc.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "usher/arena.h"
#include "usher/ctx.h"
#include "usher/settings.h"

enum kind { K_BOOL, K_STR, K_LIST, K_INT, K_SHARE };

/* One setting: its key (and the environment's other name), kind, default, whether the
 * admin route shows and stores it (§1.5), and its member. */
struct row {
    const char *key, *env_alias;
    enum kind kind;
    const char *def;
    bool admin;
    size_t off;
};

#define S(m) offsetof(struct oidc_settings, m)
static const struct row rows[] = {
    { "ENABLE_OAUTH", NULL, K_BOOL, "true", true, S(enable) },
    { "ENABLE_OAUTH_SIGNUP", NULL, K_BOOL, "false", true, S(signup) },
    { "OAUTH_MERGE_ACCOUNTS_BY_EMAIL", NULL, K_BOOL, "false", true, S(merge_by_email) },
    { "OAUTH_AUTO_REDIRECT", NULL, K_BOOL, "false", true, S(auto_redirect) },
    { "OAUTH_ALLOWED_DOMAINS", NULL, K_LIST, "*", true, S(allowed_domains) },
    { "OAUTH_BLOCKED_GROUPS", NULL, K_STR, "[]", true, S(blocked_groups) },
    { "ENABLE_OAUTH_ROLE_MANAGEMENT", NULL, K_BOOL, "false", true, S(role_management) },
    { "OAUTH_ROLES_CLAIM", NULL, K_STR, "roles", true, S(roles_claim) },
    { "OAUTH_ADMIN_ROLES", NULL, K_LIST, "admin", true, S(admin_roles) },
    { "OAUTH_ALLOWED_ROLES", NULL, K_LIST, "user,admin", true, S(allowed_roles) },
    { "ENABLE_OAUTH_GROUP_MANAGEMENT", NULL, K_BOOL, "false", true, S(group_management) },
    { "ENABLE_OAUTH_GROUP_CREATION", NULL, K_BOOL, "false", true, S(group_creation) },
    { "OAUTH_GROUP_CLAIM", "OAUTH_GROUPS_CLAIM", K_STR, "groups", true, S(group_claim) },
    { "OAUTH_GROUP_DEFAULT_SHARE", NULL, K_SHARE, "true", true, S(group_default_share) },
    { "OAUTH_PROVIDER_NAME", NULL, K_STR, "SSO", true, S(provider_name) },
    { "OPENID_PROVIDER_URL", NULL, K_STR, "", true, S(provider_url) },
    { "OAUTH_CLIENT_ID", NULL, K_STR, "", true, S(client_id) },
    { "OAUTH_CLIENT_SECRET", NULL, K_STR, "", true, S(client_secret) },
    { "OPENID_REDIRECT_URI", NULL, K_STR, "", true, S(redirect_uri) },
    { "OAUTH_SCOPES", NULL, K_STR, "openid email profile", true, S(scopes) },
    { "OAUTH_CODE_CHALLENGE_METHOD", NULL, K_STR, "", true, S(code_challenge_method) },
    { "OAUTH_TOKEN_ENDPOINT_AUTH_METHOD", NULL, K_STR, "", true, S(token_auth_method) },
    { "OPENID_END_SESSION_ENDPOINT", NULL, K_STR, "", true, S(end_session_endpoint) },
    { "OAUTH_TIMEOUT", NULL, K_INT, "10", true, S(timeout) },
    { "OAUTH_EMAIL_CLAIM", NULL, K_STR, "email", true, S(email_claim) },
    { "OAUTH_USERNAME_CLAIM", NULL, K_STR, "name", true, S(username_claim) },
    { "OAUTH_PICTURE_CLAIM", NULL, K_STR, "picture", true, S(picture_claim) },
    { "OAUTH_SUB_CLAIM", NULL, K_STR, "", true, S(sub_claim) },
    { "OAUTH_AUDIENCE", NULL, K_STR, "", true, S(audience) },
    { "OAUTH_UPDATE_EMAIL_ON_LOGIN", NULL, K_BOOL, "false", true, S(update_email) },
    { "OAUTH_UPDATE_NAME_ON_LOGIN", NULL, K_BOOL, "false", true, S(update_name) },
    { "OAUTH_UPDATE_PICTURE_ON_LOGIN", NULL, K_BOOL, "false", true, S(update_picture) },
    /* environment only */
    { "OAUTH_AUTHORIZE_PARAMS", NULL, K_STR, "", false, S(authorize_params) },
    { "OAUTH_ROLES_SEPARATOR", NULL, K_STR, ",", false, S(roles_separator) },
    { "OAUTH_GROUPS_SEPARATOR", NULL, K_STR, ";", false, S(groups_separator) },
    { "OAUTH_MAX_SESSIONS_PER_USER", NULL, K_INT, "10", false, S(max_sessions) },
    { "ENABLE_OAUTH_EMAIL_FALLBACK", NULL, K_BOOL, "false", false, S(email_fallback) },
    { "ENABLE_LOCAL_WEB_FETCH", NULL, K_BOOL, "false", false, S(local_web_fetch) },
    { "ENABLE_OAUTH_TOKEN_EXCHANGE", NULL, K_BOOL, "false", false, S(token_exchange) },
    { "ENABLE_OAUTH_BACKCHANNEL_LOGOUT", NULL, K_BOOL, "false", false, S(backchannel_logout) },
};
#undef S
#define NROWS (sizeof(rows) / sizeof(rows[0]))

/* Fields the admin route stores but usher does not use (shown as stored, else default). */
static const char *const shown_only[] = { "OAUTH_CLIENT_TIMEOUT", "OAUTH_REFRESH_TOKEN_INCLUDE_SCOPE" };

static const char *env_of(const struct row *r)
{
    const char *v = getenv(r->key);
    if (!v && r->env_alias)
        v = getenv(r->env_alias);
    return v;
}

static bool text_bool(const char *v)
{
    return strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0 || strcasecmp(v, "yes") == 0;
}

/* The stored value as text (lists joined with ","), or NULL when not stored. */
static const char *stored_text(struct ctx *c, struct json_object *cfg, const struct row *r)
{
    struct json_object *v;
    if (!r->admin || !cfg || !json_object_is_type(cfg, json_type_object) ||
        !json_object_object_get_ex(cfg, r->key, &v) || !v)
        return NULL;
    if (json_object_is_type(v, json_type_array)) {
        if (r->kind != K_LIST)
            return arena_strdup(c->arena, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
        size_t n = json_object_array_length(v), len = 0;
        for (size_t i = 0; i < n; i++)
            len += strlen(json_object_get_string(json_object_array_get_idx(v, i))) + 1;
        char *out = arena_alloc(c->arena, len + 1);
        out[0] = '\0';
        for (size_t i = 0; i < n; i++) {
            if (i)
                strcat(out, ",");
            strcat(out, json_object_get_string(json_object_array_get_idx(v, i)));
        }
        return out;
    }
    if (json_object_is_type(v, json_type_boolean))
        return json_object_get_boolean(v) ? "true" : "false";
    return arena_strdup(c->arena, json_object_get_string(v));
}

static void set_member(struct oidc_settings *s, const struct row *r, const char *text)
{
    char *base = (char *)s;
    switch (r->kind) {
    case K_BOOL:
        *(bool *)(void *)(base + r->off) = text_bool(text);
        break;
    case K_INT: {
        char *end;
        long n = strtol(text, &end, 10);
        if (end == text || *end || n <= 0)
            n = strtol(r->def, NULL, 10);
        *(long *)(void *)(base + r->off) = n;
        break;
    }
    case K_SHARE:
        *(const char **)(void *)(base + r->off) =
            strcasecmp(text, "members") == 0 ? "members"
            : strcasecmp(text, "false") == 0 ? "false" : "true";
        break;
    default:
        *(const char **)(void *)(base + r->off) = text;
    }
}

void oidc_settings_resolve(struct ctx *c, struct oidc_settings *s)
{
    memset(s, 0, sizeof(*s));
    struct json_object *cfg = c ? settings_get(c, "OAUTH_CONFIG") : NULL;
    for (size_t i = 0; i < NROWS; i++) {
        const char *t = c ? stored_text(c, cfg, &rows[i]) : NULL;
        if (!t)
            t = env_of(&rows[i]);
        if (!t)
            t = rows[i].def;
        set_member(s, &rows[i], t);
    }
    if (s->timeout > 300)
        s->timeout = 300;
    if (s->max_sessions > 1000)
        s->max_sessions = 1000;
    s->configured = s->client_id[0] && s->provider_url[0] &&
                    (s->client_secret[0] || s->code_challenge_method[0]);
}

bool oidc_active(const struct oidc_settings *s)
{
    return s->enable && s->configured;
}

struct json_object *oidc_settings_json(struct ctx *c)
{
    struct oidc_settings s;
    oidc_settings_resolve(c, &s);
    struct json_object *o = json_object_new_object();
    const char *base = (const char *)&s;
    for (size_t i = 0; i < NROWS; i++) {
        const struct row *r = &rows[i];
        if (!r->admin)
            continue;
        const void *m = base + r->off;
        struct json_object *v;
        switch (r->kind) {
        case K_BOOL:
            v = json_object_new_boolean(*(const bool *)m);
            break;
        case K_INT:
            v = json_object_new_int64(*(const long *)m);
            break;
        case K_SHARE: {
            const char *t = *(const char *const *)m;
            v = strcmp(t, "members") == 0 ? json_object_new_string(t)
                                            : json_object_new_boolean(strcmp(t, "true") == 0);
            break;
        }
        default:
            v = json_object_new_string(*(const char *const *)m);
        }
        json_object_object_add(o, r->key, v);
    }
    struct json_object *cfg = settings_get(c, "OAUTH_CONFIG");
    for (size_t i = 0; i < sizeof(shown_only) / sizeof(shown_only[0]); i++) {
        struct json_object *v = NULL;
        if (cfg && json_object_is_type(cfg, json_type_object))
            json_object_object_get_ex(cfg, shown_only[i], &v);
        json_object_object_add(o, shown_only[i], v ? json_object_get(v) : NULL);
    }
    return o;
}

bool oidc_settings_is_field(const char *key)
{
    for (size_t i = 0; i < NROWS; i++)
        if (rows[i].admin && strcmp(rows[i].key, key) == 0)
            return true;
    for (size_t i = 0; i < sizeof(shown_only) / sizeof(shown_only[0]); i++)
        if (strcmp(shown_only[i], key) == 0)
            return true;
    return false;
}

bool oidc_settings_is_list(const char *key)
{
    for (size_t i = 0; i < NROWS; i++)
        if (rows[i].kind == K_LIST && strcmp(rows[i].key, key) == 0)
            return true;
    return false;
}
