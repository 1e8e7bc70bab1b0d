/* Settings: environment switches read once per worker, and the admin settings of the
 * config table with their environment defaults (see settings.h). */
#include "config.h"
#include "usher/settings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "usher/config.h"
#include "usher/ctx.h"
#include "usher/db.h"
#include "usher/fields.h"
#include "usher/duration.h"
#include "usher/log.h"
#include "usher/permissions.h"
#include "usher/settings_store.h"
#include "usher/validate.h"

enum setting_type { S_BOOL, S_STR, S_STR_NULL, S_INT_OR_STR, S_JSON };

/* The admin settings: one row drives the config key, the environment default, the POST
 * /auths/admin/config form (type, length, optional) and what a value must be to be stored
 * (a value refused by accept keeps what was stored, as the reference silently does). */
struct setting {
    const char *field;        /* AdminConfig name, also the environment variable */
    const char *key;          /* config table key (v0.11.0's) */
    enum setting_type type;
    const char *def;          /* default when neither the table nor the environment has it;
                               * for an optional S_STR also what an omitted one stores */
    size_t max_len;           /* longest string the form takes (characters) */
    bool optional;            /* may be omitted from the POST body */
    bool (*accept)(const char *value);
};

static bool accept_role(const char *v) { return validate_role(v); }
static bool accept_expiry(const char *v) { return jwt_duration_valid_for_config(v); }
static bool accept_response_mode(const char *v)
{
    return strcmp(v, "thread") == 0 || strcmp(v, "channel") == 0;
}

#define BOOL_ROW(field, key, def) { field, key, S_BOOL, def, 0, false, NULL }
#define STR_ROW(field, key, def, max) { field, key, S_STR, def, max, false, NULL }
#define NULLABLE_ROW(field, key, def, max) { field, key, S_STR_NULL, def, max, true, NULL }
#define COUNT_ROW(field, key) { field, key, S_INT_OR_STR, "", 32, true, NULL }
#define JSON_ROW(field, key) { field, key, S_JSON, NULL, 0, true, NULL }

/* The 28 AdminConfig fields in the contract's order (deltas §1.4), then the JSON values. */
static const struct setting settings_table[] = {
    BOOL_ROW("SHOW_ADMIN_DETAILS", "auth.admin.show", "true"),
    NULLABLE_ROW("ADMIN_EMAIL", "auth.admin.email", NULL, 255),
    STR_ROW("WEBUI_URL", "webui.url", "", 2048),
    BOOL_ROW("ENABLE_SIGNUP", CONFIG_KEY_ENABLE_SIGNUP, "true"),
    BOOL_ROW("ENABLE_API_KEYS", "auth.enable_api_keys", "false"),
    BOOL_ROW("ENABLE_API_KEYS_ENDPOINT_RESTRICTIONS", "auth.api_key.endpoint_restrictions", "false"),
    STR_ROW("API_KEYS_ALLOWED_ENDPOINTS", "auth.api_key.allowed_endpoints", "", 8192),
    { "DEFAULT_USER_ROLE", "ui.default_user_role", S_STR, "pending", 64, false, accept_role },
    STR_ROW("DEFAULT_GROUP_ID", "ui.default_group_id", "", 64),
    { "JWT_EXPIRES_IN", "auth.jwt_expiry", S_STR, "4w", 64, false, accept_expiry },
    BOOL_ROW("ENABLE_COMMUNITY_SHARING", "ui.enable_community_sharing", "true"),
    BOOL_ROW("ENABLE_MESSAGE_RATING", "ui.enable_message_rating", "true"),
    BOOL_ROW("ENABLE_FOLDERS", "folders.enable", "true"),
    COUNT_ROW("FOLDER_MAX_FILE_COUNT", "folders.max_file_count"),
    COUNT_ROW("AUTOMATION_MAX_COUNT", "automations.max_count"),
    COUNT_ROW("AUTOMATION_MIN_INTERVAL", "automations.min_interval"),
    BOOL_ROW("ENABLE_AUTOMATIONS", "automations.enable", "true"),
    BOOL_ROW("ENABLE_CHANNELS", "channels.enable", "false"),
    /* Omitted: reset to "thread" (deltas §1.4). */
    { "CHANNEL_MODEL_RESPONSE_MODE", "channels.model_response_mode", S_STR, "thread", 16, true,
      accept_response_mode },
    BOOL_ROW("ENABLE_CALENDAR", "calendar.enable", "true"),
    BOOL_ROW("ENABLE_MEMORIES", "memories.enable", "true"),
    BOOL_ROW("ENABLE_MEMORY_SYSTEM_CONTEXT", "memories.system_context.enable", "true"),
    BOOL_ROW("ENABLE_NOTES", "notes.enable", "true"),
    BOOL_ROW("ENABLE_USER_WEBHOOKS", "ui.enable_user_webhooks", "false"),
    BOOL_ROW("ENABLE_USER_STATUS", "users.enable_status", "true"),
    NULLABLE_ROW("PENDING_USER_OVERLAY_TITLE", "ui.pending_user_overlay_title", "", 1024),
    NULLABLE_ROW("PENDING_USER_OVERLAY_CONTENT", "ui.pending_user_overlay_content", "", 65536),
    NULLABLE_ROW("RESPONSE_WATERMARK", "ui.watermark", "", 4096),
    JSON_ROW("USER_PERMISSIONS", "user.permissions"),
    JSON_ROW("LDAP_CONFIG", "ldap.config"),
    JSON_ROW("LDAP_SERVER", "ldap.server"),
    JSON_ROW("OAUTH_CONFIG", "oauth.config"),
};
#define ADMIN_CONFIG_FIELDS 28
#define NSETTINGS (sizeof(settings_table) / sizeof(settings_table[0]))

struct settings {
    struct json_object *stored;   /* the config table as loaded for this request */
    struct json_object *cache;    /* resolved values by field */
};

static struct env_settings env;
static bool env_ready;

static bool env_bool(const char *name, bool def)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return def;
    return strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0 || strcasecmp(v, "yes") == 0 ||
           strcasecmp(v, "on") == 0;
}

static const char *env_str(const char *name, const char *def)
{
    const char *v = getenv(name);
    return v && *v ? v : def;
}

static long env_long(const char *name, long def)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return def;
    char *end;
    long n = strtol(v, &end, 10);
    return *end ? def : n;
}

void settings_env_init(const struct usher_config *cfg)
{
    if (env_ready)
        return;
    env.webui_auth = env_bool("WEBUI_AUTH", true);
    env.enable_login_form = env_bool("ENABLE_LOGIN_FORM", true);
    env.enable_password_auth = env_bool("ENABLE_PASSWORD_AUTH", true);
    env.enable_initial_admin_signup = env_bool("ENABLE_INITIAL_ADMIN_SIGNUP", false);
    env.password_policy.enabled = env_bool("ENABLE_PASSWORD_VALIDATION", false);
    env.password_policy.pattern = env_str("PASSWORD_VALIDATION_REGEX_PATTERN", PASSWORD_DEFAULT_PATTERN);
    env.password_policy.hint = env_str("PASSWORD_VALIDATION_HINT", "");
    env.image_policy.allowed_mime = env_str("PROFILE_IMAGE_ALLOWED_MIME_TYPES", NULL);
    env.image_forwarding = env_bool("ENABLE_PROFILE_IMAGE_URL_FORWARDING", true);
    env.image_policy.max_data_uri = (size_t)env_long("PROFILE_IMAGE_MAX_DATA_URI_SIZE", 0);
    env.trusted_email_header = env_str("WEBUI_AUTH_TRUSTED_EMAIL_HEADER", NULL);
    env.trusted_name_header = env_str("WEBUI_AUTH_TRUSTED_NAME_HEADER", NULL);
    env.trusted_groups_header = env_str("WEBUI_AUTH_TRUSTED_GROUPS_HEADER", NULL);
    env.trusted_role_header = env_str("WEBUI_AUTH_TRUSTED_ROLE_HEADER", NULL);
    env.cookie_same_site = env_str("WEBUI_AUTH_COOKIE_SAME_SITE",
                                   env_str("WEBUI_SESSION_COOKIE_SAME_SITE", "lax"));
    env.cookie_secure = getenv("WEBUI_AUTH_COOKIE_SECURE")
                            ? env_bool("WEBUI_AUTH_COOKIE_SECURE", false)
                            : env_bool("WEBUI_SESSION_COOKIE_SECURE", false);
    env.api_key_header = env_str("CUSTOM_API_KEY_HEADER", "x-api-key");
    env.signout_redirect_url = env_str("WEBUI_AUTH_SIGNOUT_REDIRECT_URL", NULL);
    env.active_interval = cfg ? cfg->active_interval : 60;
    env.api_key_retrievable = cfg ? cfg->api_key_retrievable : true;
    env.signin_rate_limit = cfg ? cfg->signin_rate_limit : 15;
    env.bcrypt_cost = cfg ? cfg->bcrypt_cost : 12;
    env.user_doc.max_size = cfg ? cfg->user_data_max_size : USER_DOC_MAX_SIZE_DEFAULT;
    env.user_doc.max_keys = cfg ? (size_t)cfg->user_data_max_keys : USER_DOC_MAX_KEYS_DEFAULT;
    env.ldap_timeout = cfg ? cfg->ldap_timeout : 5;
    env_ready = true;
}

const struct env_settings *settings_env(void)
{
    settings_env_init(NULL);
    return &env;
}

static const struct setting *find_setting(const char *field)
{
    for (size_t i = 0; i < NSETTINGS; i++)
        if (strcmp(settings_table[i].field, field) == 0)
            return &settings_table[i];
    return NULL;
}

/* A JWT_EXPIRES_IN from the environment that is no duration (a typo) must not mean tokens
 * that never expire, which is what an unparsable expiry amounts to when tokens are issued:
 * the built-in default (4w) applies instead, and the operator is told once. */
static bool expiry_parses(const char *v)
{
    static bool told;
    if (jwt_duration_usable(v))
        return true;
    if (!told)
        log_error("JWT_EXPIRES_IN=\"%.40s\" is not a usable duration (not one, negative or "
                  "under a second: every token would be born expired); using the default 4w", v);
    told = true;
    return false;
}

/* The value an unset key has: the environment variable of the field's name, else the
 * built-in default. */
static struct json_object *env_default(const struct setting *s)
{
    const char *v = getenv(s->field);
    switch (s->type) {
    case S_BOOL:
        if (strcmp(s->field, "ENABLE_SIGNUP") == 0 && !settings_env()->webui_auth && !v)
            return json_object_new_boolean(0);
        return json_object_new_boolean(v ? strcasecmp(v, "true") == 0 : strcmp(s->def, "true") == 0);
    case S_STR:
    case S_STR_NULL:
        if (v && strcmp(s->field, "JWT_EXPIRES_IN") == 0 && !expiry_parses(v))
            v = NULL;
        if (v)
            return json_object_new_string(v);
        return s->def ? json_object_new_string(s->def) : NULL;
    case S_INT_OR_STR:
        if (v && *v) {
            char *end;
            long long n = strtoll(v, &end, 10);
            if (!*end && n)
                return json_object_new_int64(n);
        }
        return json_object_new_string("");
    case S_JSON:
        if (strcmp(s->field, "USER_PERMISSIONS") == 0)
            return permissions_compiled_defaults();
        return json_object_new_object();
    }
    return NULL;
}

/* The config table as this worker read it last, and the version it had then (see
 * settings_store.h). Shared read-only by the requests that find the version unchanged. */
static struct json_object *worker_stored;
static char worker_version[32];

static const char *version_of(struct json_object *stored)
{
    struct json_object *v;
    if (!json_object_object_get_ex(stored, SETTINGS_VERSION_KEY, &v))
        return "0";
    return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
}

static struct settings *settings_new(struct ctx *c, struct json_object *stored)
{
    struct settings *st = calloc(1, sizeof(*st));
    if (!st)
        abort();
    st->cache = json_object_new_object();
    st->stored = stored;
    c->settings = st;
    return st;
}

static struct settings *load(struct ctx *c)
{
    if (c->settings)
        return c->settings;
    struct json_object *stored = NULL;
    if (!c->db || settings_store_load(c->db, &stored) != DB_OK) {
        log_error("settings: the config table could not be read; using defaults");
        return settings_new(c, json_object_new_object());
    }
    json_object_put(worker_stored);
    worker_stored = json_object_get(stored);
    snprintf(worker_version, sizeof(worker_version), "%s", version_of(stored));
    return settings_new(c, stored);
}

void settings_use_version(struct ctx *c, const char *version)
{
    if (c->settings)
        return;
    if (!version)
        version = "0";
    if (worker_stored && strcmp(version, worker_version) == 0)
        settings_new(c, json_object_get(worker_stored));
    else
        load(c);
}

struct json_object *settings_get(struct ctx *c, const char *field)
{
    const struct setting *s = find_setting(field);
    if (!s)
        return NULL;
    struct settings *st = load(c);
    struct json_object *v;
    if (json_object_object_get_ex(st->cache, field, &v))
        return v;
    if (!json_object_object_get_ex(st->stored, s->key, &v) ||
        (s->type == S_BOOL && !json_object_is_type(v, json_type_boolean)))
        v = env_default(s);
    else
        v = json_object_get(v);
    json_object_object_add(st->cache, field, v);
    return v;
}

bool settings_bool(struct ctx *c, const char *field)
{
    return json_object_get_boolean(settings_get(c, field));
}

const char *settings_str(struct ctx *c, const char *field)
{
    struct json_object *v = settings_get(c, field);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
}

int settings_put(struct ctx *c, const char *field, struct json_object *value)
{
    const struct setting *s = find_setting(field);
    if (!s) {
        json_object_put(value);
        return -1;
    }
    int rc = settings_store_put(c->db, s->key, value);
    json_object_put(value);
    /* What this request and this worker hold is now old: the next read fetches the table
     * (inside the caller's transaction, when there is one, so it sees this write). */
    settings_release(c);
    json_object_put(worker_stored);
    worker_stored = NULL;
    return rc == DB_OK ? 0 : -1;
}

struct json_object *settings_admin_config(struct ctx *c)
{
    struct json_object *o = json_object_new_object();
    for (size_t i = 0; i < ADMIN_CONFIG_FIELDS; i++) {
        struct json_object *v = settings_get(c, settings_table[i].field);
        json_object_object_add(o, settings_table[i].field, json_object_get(v));
    }
    return o;
}

struct json_object *settings_permission_defaults(struct ctx *c)
{
    return settings_get(c, "USER_PERMISSIONS");
}

void settings_release(struct ctx *c)
{
    if (!c->settings)
        return;
    json_object_put(c->settings->stored);
    json_object_put(c->settings->cache);
    free(c->settings);
    c->settings = NULL;
}

/* A count field (int | str) must read as an integer when it is a non-empty string. */
static const char *count_field_check(const char *s, size_t len, const void *arg)
{
    (void)arg;
    if (len == 0)
        return NULL;
    char *end;
    strtoll(s, &end, 10);
    return *end ? "must be an integer" : NULL;
}

const struct field_spec *settings_admin_form(size_t *n)
{
    static struct field_spec form[ADMIN_CONFIG_FIELDS];
    if (!form[0].name) {
        for (size_t i = 0; i < ADMIN_CONFIG_FIELDS; i++) {
            const struct setting *st = &settings_table[i];
            struct field_spec *f = &form[i];
            f->name = st->field;
            f->required = !st->optional;
            f->nullable = st->optional;
            f->max_len = st->max_len;
            f->type = st->type == S_BOOL ? FIELD_BOOL
                      : st->type == S_INT_OR_STR ? FIELD_INT_OR_STR : FIELD_STR;
            if (st->type == S_INT_OR_STR)
                f->validate = count_field_check;
        }
    }
    *n = ADMIN_CONFIG_FIELDS;
    return form;
}

/* The value the form's field i stores, or NULL when the row refuses it (kept as stored). */
static struct json_object *admin_value(const struct setting *st, const struct field_value *x,
                                       bool *skip)
{
    bool given = x->present && !x->is_null;
    *skip = false;
    switch (st->type) {
    case S_BOOL:
        return json_object_new_boolean(x->b);
    case S_INT_OR_STR: {
        long long n = given ? (x->is_int ? x->i : strtoll(x->s, NULL, 10)) : 0;
        return n ? json_object_new_int64(n) : json_object_new_string("");
    }
    default: {
        /* Omitted: null for the nullable strings, else the default. */
        const char *v = given ? x->s : st->type == S_STR_NULL ? NULL : st->def;
        if (v && st->accept && !st->accept(v)) {
            *skip = true;
            return NULL;
        }
        return v ? json_object_new_string(v) : NULL;
    }
    }
}

int settings_admin_config_store(struct ctx *c, const struct field_value *v)
{
    const char *keys[ADMIN_CONFIG_FIELDS];
    struct json_object *vals[ADMIN_CONFIG_FIELDS];
    size_t n = 0;
    for (size_t i = 0; i < ADMIN_CONFIG_FIELDS; i++) {
        bool skip;
        struct json_object *val = admin_value(&settings_table[i], &v[i], &skip);
        if (skip)
            continue;
        keys[n] = settings_table[i].key;
        vals[n++] = val;
    }
    int rc = settings_store_put_many(c->db, keys, vals, n);
    for (size_t i = 0; i < n; i++)
        json_object_put(vals[i]);
    settings_release(c);   /* the next read (the answer) fetches the table again */
    json_object_put(worker_stored);
    worker_stored = NULL;
    return rc == DB_OK ? 0 : -1;
}

const char *const *settings_account_keys(size_t *n)
{
    static const char *keys[ADMIN_CONFIG_FIELDS + 1];
    if (!keys[0]) {
        for (size_t i = 0; i < ADMIN_CONFIG_FIELDS; i++)
            keys[i] = settings_table[i].key;
        keys[ADMIN_CONFIG_FIELDS] = "user.permissions";
    }
    *n = ADMIN_CONFIG_FIELDS + 1;
    return keys;
}
