/* Open WebUI's database, the pure half: the columns, the shape, the per-row checks and the
 * legacy conversions (see owui.h). No I/O. */
#include "config.h"
#include "usher/owui.h"

#include <ctype.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "usher/arena.h"
#include "usher/validate.h"

const struct owui_column owui_user_columns[OU__COUNT] = {
    [OU_ID] = { "id", OWUI_TEXT, 64 },
    [OU_EMAIL] = { "email", OWUI_TEXT, 255 },
    [OU_USERNAME] = { "username", OWUI_TEXT, 50 },
    [OU_ROLE] = { "role", OWUI_TEXT, 16 },
    [OU_NAME] = { "name", OWUI_TEXT, 255 },
    [OU_PROFILE_IMAGE_URL] = { "profile_image_url", OWUI_TEXT, 0 },
    [OU_PROFILE_BANNER_IMAGE_URL] = { "profile_banner_image_url", OWUI_TEXT, 0 },
    [OU_BIO] = { "bio", OWUI_TEXT, 0 },
    [OU_GENDER] = { "gender", OWUI_TEXT, 0 },
    [OU_DATE_OF_BIRTH] = { "date_of_birth", OWUI_DATE, 10 },
    [OU_TIMEZONE] = { "timezone", OWUI_TEXT, 64 },
    [OU_PRESENCE_STATE] = { "presence_state", OWUI_TEXT, 32 },
    [OU_STATUS_EMOJI] = { "status_emoji", OWUI_TEXT, 64 },
    [OU_STATUS_MESSAGE] = { "status_message", OWUI_TEXT, 0 },
    [OU_STATUS_EXPIRES_AT] = { "status_expires_at", OWUI_INT, 0 },
    [OU_INFO] = { "info", OWUI_JSON, 0 },
    [OU_SETTINGS] = { "settings", OWUI_JSON, 0 },
    [OU_VARIABLES] = { "variables", OWUI_JSON, 0 },
    [OU_OAUTH] = { "oauth", OWUI_JSON, 0 },
    [OU_SCIM] = { "scim", OWUI_JSON, 0 },
    [OU_LAST_ACTIVE_AT] = { "last_active_at", OWUI_INT, 0 },
    [OU_UPDATED_AT] = { "updated_at", OWUI_INT, 0 },
    [OU_CREATED_AT] = { "created_at", OWUI_INT, 0 },
    [OU_PASSWORD] = { "password", OWUI_TEXT, 0 },
    [OU_ACTIVE] = { "active", OWUI_BOOL, 0 },
};

/* ---- the shape ------------------------------------------------------------------------ */

static int missing(char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "not an Open WebUI database usher knows: %s", what);
    return -1;
}

int owui_shape_detect(owui_has_fn has, void *ctx, const char *revision, struct owui_shape *out,
                      char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (!has(ctx, "alembic_version", NULL))
        return missing(err, errlen, "no table alembic_version (not made by Open WebUI 0.4 or "
                                    "later)");
    if (!revision)
        return missing(err, errlen, "alembic_version has no revision");
    static const char *const user_cols[] = { "id", "email", "name", "role", "created_at" };
    if (!has(ctx, "user", NULL))
        return missing(err, errlen, "no table user");
    for (size_t i = 0; i < sizeof user_cols / sizeof user_cols[0]; i++)
        if (!has(ctx, "user", user_cols[i])) {
            char what[96];
            snprintf(what, sizeof what, "table user has no column %s", user_cols[i]);
            return missing(err, errlen, what);
        }
    if (!has(ctx, "auth", NULL))
        return missing(err, errlen, "no table auth");
    if (!has(ctx, "auth", "id") || !has(ctx, "auth", "password"))
        return missing(err, errlen, "table auth has no column id or password");
    out->revision = revision;
    out->key_table = has(ctx, "api_key", "user_id") && has(ctx, "api_key", "key");
    out->key_column = has(ctx, "user", "api_key");
    out->groups = has(ctx, "group", "id") && has(ctx, "group", "name");
    out->member_table = has(ctx, "group_member", "group_id") && has(ctx, "group_member", "user_id");
    if (out->groups && !out->member_table && !has(ctx, "group", "user_ids"))
        return missing(err, errlen, "table group has neither group_member nor a user_ids column");
    out->config_rows = has(ctx, "config", "key") && has(ctx, "config", "value");
    out->config_blob = !out->config_rows && has(ctx, "config", "data");
    out->grant_table = has(ctx, "access_grant", "resource_id");
    out->oauth_sub = has(ctx, "user", "oauth_sub");
    bool modern = out->key_table && out->member_table && out->config_rows && out->grant_table;
    bool legacy = !out->key_table && !out->member_table && !out->config_rows && !out->grant_table;
    out->name = modern ? "v0.11.0" : legacy ? "0.6-0.8" : "mixed (between 0.8 and v0.11.0)";
    return 0;
}

/* ---- checks ---------------------------------------------------------------------------- */

bool owui_is_bcrypt(const char *s)
{
    if (!s || strlen(s) != 60 || s[0] != '$' || s[1] != '2' || s[3] != '$' || s[6] != '$')
        return false;
    if (s[2] != 'a' && s[2] != 'b' && s[2] != 'y')
        return false;
    if (!isdigit((unsigned char)s[4]) || !isdigit((unsigned char)s[5]))
        return false;
    for (size_t i = 7; i < 60; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '/')
            return false;
    return true;
}

bool owui_json_valid(const char *s)
{
    if (!s)
        return false;
    /* strict, as MariaDB's JSON_VALID check of the column will be */
    struct json_tokener *tok = json_tokener_new();
    if (!tok)
        return false;
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    size_t len = strlen(s);
    json_object *o = json_tokener_parse_ex(tok, s, (int)(len < INT_MAX ? len : INT_MAX));
    bool ok = o && json_tokener_get_error(tok) == json_tokener_success &&
              json_tokener_get_parse_end(tok) == len;
    json_object_put(o);
    json_tokener_free(tok);
    return ok;
}

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Until the account service's name check (accounts_name_check) is linked in: the name rules
 * of every door (validate_name) and usher's column limit. */
static const char *name_rules(const char *name, size_t len, const void *arg)
{
    const char *why = validate_name(name, len, arg);
    if (why)
        return why;
    size_t chars = 0;
    for (size_t i = 0; i < len; i++)
        chars += ((unsigned char)name[i] & 0xC0) != 0x80;
    return chars > 255 ? "name must have at most 255 characters" : NULL;
}
const char *(*owui_name_check)(const char *name, size_t len, const void *arg) = name_rules;

/* "123", "-5", or SQLite's REAL "1700000000.0" (cut at the point). NULL: not a number. */
static const char *integer_text(struct arena *a, const char *s)
{
    const char *p = s + (*s == '-');
    size_t digits = strspn(p, "0123456789");
    if (digits == 0 || digits > 18)
        return NULL;
    if (p[digits] == '\0')
        return s;
    if (p[digits] == '.' && strspn(p + digits + 1, "0123456789") == strlen(p + digits + 1))
        return arena_strndup(a, s, (size_t)(p - s) + digits);
    return NULL;
}

static bool date_valid(const char *s)
{
    /* YYYY-MM-DD, as SQLAlchemy's Date stores it in SQLite */
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
            return false;
    int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
    return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

static void drop(struct arena *a, const char **row, enum owui_user_col col, const char *why,
                 struct owui_user_check *out)
{
    const char *item = arena_printf(a, "%s (%s)", owui_user_columns[col].name, why);
    out->dropped = out->dropped ? arena_printf(a, "%s, %s", out->dropped, item) : item;
    row[col] = NULL;
}

void owui_user_check(struct arena *a, const char **row, struct owui_user_check *out)
{
    memset(out, 0, sizeof(*out));
    if (!row[OU_ID] || !row[OU_ID][0] || strlen(row[OU_ID]) > 64) {
        out->why = "no id, or one longer than 64 characters";
        return;
    }
    if (!row[OU_EMAIL]) {
        out->why = "the e-mail is NULL";
        return;
    }
    char *email = email_normalize(a, row[OU_EMAIL]);
    if (!validate_email(email) || utf8_chars(email) > 255) {
        out->why = arena_printf(a, "the e-mail '%.100s' is not a valid address", email);
        return;
    }
    row[OU_EMAIL] = email;
    if (!row[OU_ROLE] || !validate_role(row[OU_ROLE])) {
        out->why = arena_printf(a, "the role '%.20s' is not pending, user or admin",
                                row[OU_ROLE] ? row[OU_ROLE] : "NULL");
        return;
    }
    /* a name usher did not get from a person's form: control characters become spaces */
    const char *name = name_blank_controls(arena_strdup(a, row[OU_NAME] ? row[OU_NAME] : ""));
    const char *why_name = owui_name_check(name, strlen(name), NULL);
    if (why_name) {
        out->why = why_name;
        return;
    }
    row[OU_NAME] = name;
    if (!row[OU_PASSWORD]) {
        out->why = "no auth row: the account has no password to sign in with";
        return;
    }
    if (!owui_is_bcrypt(row[OU_PASSWORD])) {
        out->why = "the password hash is not bcrypt ($2a$/$2b$/$2y$)";
        return;
    }
    row[OU_ACTIVE] = !row[OU_ACTIVE] || strcmp(row[OU_ACTIVE], "0") != 0 ? "1" : "0";
    if (!row[OU_CREATED_AT] || !(row[OU_CREATED_AT] = integer_text(a, row[OU_CREATED_AT])))
        row[OU_CREATED_AT] = "0";
    for (int c = 0; c < OU__COUNT; c++) {
        const struct owui_column *col = &owui_user_columns[c];
        if (!row[c] || c == OU_PASSWORD || c == OU_ACTIVE || c == OU_CREATED_AT)
            continue;
        if (col->kind == OWUI_JSON && !owui_json_valid(row[c])) {
            drop(a, row, (enum owui_user_col)c, "not valid JSON", out);
        } else if (col->kind == OWUI_DATE && !date_valid(row[c])) {
            drop(a, row, (enum owui_user_col)c, "not a date", out);
        } else if (col->kind == OWUI_INT) {
            const char *n = integer_text(a, row[c]);
            if (!n)
                drop(a, row, (enum owui_user_col)c, "not a number", out);
            else
                row[c] = n;
        } else if (col->max_chars && utf8_chars(row[c]) > col->max_chars) {
            drop(a, row, (enum owui_user_col)c, "too long", out);
        }
    }
    if (!row[OU_PROFILE_IMAGE_URL])
        row[OU_PROFILE_IMAGE_URL] = "";
    if (!row[OU_UPDATED_AT])
        row[OU_UPDATED_AT] = row[OU_CREATED_AT];
    if (!row[OU_LAST_ACTIVE_AT])
        row[OU_LAST_ACTIVE_AT] = row[OU_CREATED_AT];
}

const char *owui_oauth_from_sub(struct arena *a, const char *sub)
{
    const char *at = strchr(sub, '@');
    json_object *o = json_object_new_object(), *inner = json_object_new_object();
    json_object_object_add(inner, "sub", json_object_new_string(at ? at + 1 : sub));
    char *provider = at ? arena_strndup(a, sub, (size_t)(at - sub)) : arena_strdup(a, "oidc");
    json_object_object_add(o, provider, inner);
    const char *text = arena_strdup(a, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    return text;
}

/* ---- legacy conversions --------------------------------------------------------------- */

int owui_user_ids_each(const char *json, void (*add)(void *ctx, const char *user_id), void *ctx)
{
    json_object *o = json ? json_tokener_parse(json) : NULL;
    if (!o || !json_object_is_type(o, json_type_array)) {
        json_object_put(o);
        return -1;
    }
    for (size_t i = 0; i < json_object_array_length(o); i++) {
        json_object *e = json_object_array_get_idx(o, i);
        if (json_object_is_type(e, json_type_string))
            add(ctx, json_object_get_string(e));
    }
    json_object_put(o);
    return 0;
}

int owui_access_control_each(const char *json,
                             void (*add)(void *ctx, const char *ptype, const char *pid,
                                         const char *perm),
                             void *ctx)
{
    if (!json || strcmp(json, "null") == 0) {
        add(ctx, "user", "*", "read");
        return 0;
    }
    json_object *o = json_tokener_parse(json);
    if (!o) {
        return -1;
    }
    static const char *const perms[] = { "read", "write" };
    static const char *const lists[][2] = { { "group_ids", "group" }, { "user_ids", "user" } };
    for (size_t p = 0; p < 2 && json_object_is_type(o, json_type_object); p++) {
        json_object *perm = NULL;
        if (!json_object_object_get_ex(o, perms[p], &perm))
            continue;
        for (size_t l = 0; l < 2; l++) {
            json_object *ids = NULL;
            if (!json_object_object_get_ex(perm, lists[l][0], &ids) ||
                !json_object_is_type(ids, json_type_array))
                continue;
            for (size_t i = 0; i < json_object_array_length(ids); i++) {
                json_object *e = json_object_array_get_idx(ids, i);
                if (json_object_is_type(e, json_type_string))
                    add(ctx, lists[l][1], json_object_get_string(e), perms[p]);
            }
        }
    }
    json_object_put(o);
    return 0;
}

const char *owui_blob_value(struct arena *a, const char *blob, const char *key)
{
    json_object *root = blob ? json_tokener_parse(blob) : NULL, *o = root;
    const char *text = NULL;
    char *path = arena_strdup(a, key), *save = NULL;
    for (char *part = strtok_r(path, ".", &save); part && o; part = strtok_r(NULL, ".", &save))
        if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, part, &o))
            o = NULL;
    if (o)
        text = arena_strdup(a, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    else if (root) {
        /* a key stored flat in the blob ("auth.admin.show": ...) counts too */
        json_object *flat = NULL;
        if (json_object_is_type(root, json_type_object) &&
            json_object_object_get_ex(root, key, &flat))
            text = arena_strdup(a, json_object_to_json_string_ext(flat, JSON_C_TO_STRING_PLAIN));
    }
    json_object_put(root);
    return text;
}
