#ifndef USHER_SETTINGS_H
#define USHER_SETTINGS_H
/* usher's settings, in two kinds.
 * - Environment settings, read once per worker: switches the reference also takes from the
 *   environment only (WEBUI_AUTH, ENABLE_LOGIN_FORM, trusted headers, cookie flags, the
 *   password policy, ...).
 * - Admin settings (the AdminConfig fields of /api/v1/auths/admin/config and the default
 *   permission tree), kept in the `config` table (key -> JSON) under v0.11.0's keys. The
 *   environment variable of the same name gives the value until an admin stores one (as
 *   the reference's persistent config). They are read from the database once per request
 *   that needs them, so a change made on one worker or host is seen by all at once. */
#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>
#include "usher/user_doc.h"
#include "usher/validate.h"

struct ctx;

struct env_settings {
    bool webui_auth;                  /* WEBUI_AUTH (default true) */
    bool enable_login_form;           /* ENABLE_LOGIN_FORM (true) */
    bool enable_password_auth;        /* ENABLE_PASSWORD_AUTH (true) */
    bool enable_initial_admin_signup; /* ENABLE_INITIAL_ADMIN_SIGNUP (false) */
    struct password_policy password_policy;
    struct image_policy image_policy;
    bool image_forwarding;            /* ENABLE_PROFILE_IMAGE_URL_FORWARDING (true) */
    const char *trusted_email_header; /* WEBUI_AUTH_TRUSTED_EMAIL_HEADER, NULL = off */
    const char *trusted_name_header;
    const char *trusted_groups_header;
    const char *trusted_role_header;
    const char *cookie_same_site;     /* lax|strict|none */
    bool cookie_secure;
    const char *api_key_header;       /* CUSTOM_API_KEY_HEADER (x-api-key) */
    const char *signout_redirect_url; /* WEBUI_AUTH_SIGNOUT_REDIRECT_URL */
    /* usher's own, from usher.conf (active_interval, signin.rate_limit, bcrypt.cost,
     * api_key.retrieval) and so also USHER_* variables: */
    long active_interval;             /* seconds between last_active_at writes (60) */
    bool api_key_retrievable;         /* true; false = an API key is shown once */
    int signin_rate_limit;            /* 15 attempts ... */
    int bcrypt_cost;                  /* 12 */
    struct user_doc_limits user_doc;  /* user_data.max_size, user_data.max_keys */
    int ldap_timeout;                 /* ldap.timeout: seconds per LDAP sign-in (5) */
};

struct usher_config;
/* Reads the environment and usher's own keys of cfg (NULL: their defaults). The first call
 * wins; settings_env() makes it with NULL when nobody did. */
void settings_env_init(const struct usher_config *cfg);
const struct env_settings *settings_env(void);

/* Admin settings, by AdminConfig field name ("ENABLE_SIGNUP", "JWT_EXPIRES_IN", ...) or by
 * the internal names "USER_PERMISSIONS" (the default permission tree). The first call in a
 * request loads the config table; on a database failure the environment defaults are used
 * and the failure is logged. Returned objects are borrowed (valid for the request). */
struct json_object *settings_get(struct ctx *c, const char *field);
bool settings_bool(struct ctx *c, const char *field);
/* "" for null. */
const char *settings_str(struct ctx *c, const char *field);
/* Stores value (takes the reference) for field and gives the table a new version; what
 * this request had read is forgotten, so the next settings_get reads the table again.
 * Returns 0 or -1 (logged). */
int settings_put(struct ctx *c, const char *field, struct json_object *value);
struct field_spec;
struct field_value;
/* The POST /auths/admin/config form, made from the settings table: *n specs in the
 * contract's order (static, never freed). */
const struct field_spec *settings_admin_form(size_t *n);
/* Stores the parsed form (values in settings_admin_form's order) in one transaction: every
 * field is written, an omitted optional one with its default, except values its row
 * silently refuses (an unknown DEFAULT_USER_ROLE, a JWT_EXPIRES_IN that is no duration, a
 * CHANNEL_MODEL_RESPONSE_MODE other than thread/channel), which keep what was stored.
 * Returns 0 or -1 (logged). */
int settings_admin_config_store(struct ctx *c, const struct field_value *v);
/* The 28 AdminConfig fields as a new object, in the contract's order. */
struct json_object *settings_admin_config(struct ctx *c);
/* The stored default permission tree (or the compiled defaults), borrowed. */
struct json_object *settings_permission_defaults(struct ctx *c);
/* Tells the request which version the config table has (read with the caller's row, see
 * settings_store.h): this worker's copy is used when it has that version, otherwise the
 * table is read again. NULL means the table has no version row (it is empty). */
void settings_use_version(struct ctx *c, const char *version);
/* Forgets the request's loaded settings. */
void settings_release(struct ctx *c);

/* The config keys of the account settings an import may bring over: the 28 of AdminConfig
 * (deltas §1.4) and "user.permissions" (the default permissions). *n gets how many. */
const char *const *settings_account_keys(size_t *n);

#endif
