/* Named API keys (usher-account-security.md §2): the caller's list, create and delete, and
 * the admin's list and delete. Open WebUI's single-key routes (auths.c) act on the default
 * key among them. Using a key (expiry, endpoints, last use) is auth/session.c's. */
#include "config.h"
#include "usher/api_security.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "usher/api_common.h"
#include "usher/apikey.h"
#include "usher/arena.h"
#include "usher/audit.h"
#include "usher/config.h"
#include "usher/crypto.h"
#include "usher/db.h"
#include "usher/db_apikey_list.h"
#include "usher/errors.h"
#include "usher/errors_security.h"
#include "usher/secret.h"
#include "usher/session.h"
#include "usher/settings.h"
#include "usher/user.h"

#define KEY_PREFIX_LEN 7

static const char *name_ok(const char *value, size_t len, const void *arg)
{
    (void)arg;
    (void)value;
    return len == 0 ? "the name must have 1 to 100 characters" : NULL;
}

enum { KEY_NAME, KEY_EXPIRES_AT, KEY_EXPIRES_IN_DAYS, KEY_ENDPOINTS, KEY__MAX };
static const struct field_spec key_fields[KEY__MAX] = {
    [KEY_NAME] = { "name", FIELD_STR, true, false, 100, name_ok, NULL },
    [KEY_EXPIRES_AT] = { "expires_at", FIELD_INT, false, true, 0, NULL, NULL },
    [KEY_EXPIRES_IN_DAYS] = { "expires_in_days", FIELD_INT, false, true, 0, NULL, NULL },
    [KEY_ENDPOINTS] = { "endpoints", FIELD_ANY, false, true, 0, NULL, NULL },
};
const struct form api_key_create_form = FORM(key_fields);

int api_key_limit_reached(struct ctx *c, const char *user_id, bool for_default)
{
    int max = c->cfg ? c->cfg->api_key_max_per_user : 10;
    long long n = 0;
    bool has_default = false;
    if (db_apikey_count(c->db, user_id, &n, &has_default) != DB_OK) {
        api_db_error(c);
        return -1;
    }
    if (max <= 0 || (for_default && has_default) || n < max)
        return 0;
    response_detail(c->res, 400, ERR_API_KEY_LIMIT);
    return -1;
}

/* The gate of POST /api_key (D7): API keys on and, for non-admins, features.api_keys. */
static int creation_allowed(struct ctx *c)
{
    const struct user *u = c->session->user;
    if (settings_bool(c, "ENABLE_API_KEYS") &&
        (u->role == ROLE_ADMIN || session_has_permission(c, u, "features.api_keys")))
        return 0;
    response_detail(c->res, 403, ERR_API_KEY_CREATION_NOT_ALLOWED);
    return -1;
}

/* The endpoints value as JSON text of an array of paths (NULL for none), or -1 after
 * answering 400 API_KEY_ENDPOINTS_INVALID. A form's single value counts as a list of one. */
static int endpoints_json(struct ctx *c, const struct field_value *v, const char **out)
{
    *out = NULL;
    if (!v->present || v->is_null || !v->json)
        return 0;
    struct json_object *in = v->json, *list = json_object_new_array();
    if (json_object_is_type(in, json_type_string)) {
        json_object_array_add(list, json_object_get(in));
    } else if (json_object_is_type(in, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(in); i++)
            json_object_array_add(list, json_object_get(json_object_array_get_idx(in, i)));
    }
    size_t n = json_object_array_length(list);
    bool good = n > 0 && n <= 50;
    for (size_t i = 0; i < n && good; i++) {
        struct json_object *e = json_object_array_get_idx(list, i);
        const char *p = json_object_is_type(e, json_type_string) ? json_object_get_string(e) : NULL;
        good = p && p[0] == '/' && strlen(p) <= 200 && !strpbrk(p, " \t\r\n?#");
    }
    if (good)
        *out = arena_strdup(c->arena, json_object_to_json_string_ext(
                                          list, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(list);
    if (good && strlen(*out) <= 4000)
        return 0;
    response_detail(c->res, 400, ERR_API_KEY_ENDPOINTS_INVALID);
    return -1;
}

/* The key object (§2). */
static struct json_object *key_json(const struct db_apikey *k, const char *user_id)
{
    char prefix[KEY_PREFIX_LEN + 1] = "sk-";
    if (k->prefix) {
        snprintf(prefix, sizeof prefix, "%.7s", k->prefix);
    } else if (k->sealed) {   /* a key from before the upgrade: its sealed copy tells */
        char key[APIKEY_LEN + 1];
        size_t slen;
        const unsigned char *secret = secret_bytes(&slen);
        if (apikey_open(k->sealed, user_id, secret, slen, key) == 0) {
            memcpy(prefix, key, KEY_PREFIX_LEN);
            prefix[KEY_PREFIX_LEN] = '\0';
        }
        OPENSSL_cleanse(key, sizeof key);
    }
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_string(k->id));
    json_object_object_add(o, "name", json_object_new_string(
                                          k->name ? k->name : k->is_default ? "default" : ""));
    json_object_object_add(o, "prefix", json_object_new_string(prefix));
    json_object_object_add(o, "created_at", json_object_new_int64(k->created_at));
    json_object_object_add(o, "expires_at", k->expires_at ? json_object_new_int64(k->expires_at)
                                                          : NULL);
    json_object_object_add(o, "last_used_at", k->last_used_at
                                                  ? json_object_new_int64(k->last_used_at) : NULL);
    json_object_object_add(o, "endpoints", k->endpoints ? json_tokener_parse(k->endpoints) : NULL);
    json_object_object_add(o, "default", json_object_new_boolean(k->is_default));
    return o;
}

static void answer_list(struct ctx *c, const char *user_id)
{
    struct db_apikey *rows;
    size_t n;
    if (db_apikey_list(c->db, c->arena, user_id, &rows, &n) != DB_OK) {
        api_db_error(c);
        return;
    }
    struct json_object *arr = json_object_new_array();
    for (size_t i = 0; i < n; i++)
        json_object_array_add(arr, key_json(&rows[i], user_id));
    response_json(c->res, 200, arr);
}

void api_keys_list(struct ctx *c)
{
    if (api_require_session(c) == 0)
        answer_list(c, c->session->user->id);
}

void api_keys_create(struct ctx *c)
{
    const struct user *me = c->session->user;
    const struct field_value *v = c->v;
    audit_note(c, "auth.api_key_create", "user", me->id);
    if (api_require_session(c) != 0 || creation_allowed(c) != 0)
        return;
    long long now_ms = clock_now_ms(), now = now_ms / 1000, expires_at = 0;
    bool at = v[KEY_EXPIRES_AT].present && !v[KEY_EXPIRES_AT].is_null;
    bool days = v[KEY_EXPIRES_IN_DAYS].present && !v[KEY_EXPIRES_IN_DAYS].is_null;
    if ((at && days) || (at && v[KEY_EXPIRES_AT].i <= now) ||
        (days && (v[KEY_EXPIRES_IN_DAYS].i < 1 || v[KEY_EXPIRES_IN_DAYS].i > 3650))) {
        response_detail(c->res, 400, ERR_API_KEY_EXPIRY_INVALID);
        return;
    }
    expires_at = at ? v[KEY_EXPIRES_AT].i : days ? now + v[KEY_EXPIRES_IN_DAYS].i * 86400 : 0;
    const char *endpoints;
    if (endpoints_json(c, &v[KEY_ENDPOINTS], &endpoints) != 0 ||
        api_key_limit_reached(c, me->id, false) != 0)
        return;
    char key[APIKEY_LEN + 1], digest[APIKEY_DIGEST_HEX + 1], id[37], prefix[KEY_PREFIX_LEN + 1];
    if (apikey_generate(key) != 0 || uuid4(id) != 0) {
        response_detail(c->res, 500, ERR_CREATE_API_KEY);
        return;
    }
    apikey_digest(key, digest);
    memcpy(prefix, key, KEY_PREFIX_LEN);
    prefix[KEY_PREFIX_LEN] = '\0';
    struct db_apikey k = {
        .id = arena_strdup(c->arena, id), .name = v[KEY_NAME].s, .prefix = prefix,
        .created_at = now, .created_ms = now_ms, .expires_at = expires_at,
        .endpoints = endpoints,
    };
    if (db_apikey_create(c->db, me->id, digest, &k) != DB_OK) {
        OPENSSL_cleanse(key, sizeof key);
        response_detail(c->res, 500, ERR_CREATE_API_KEY);
        return;
    }
    audit_detail(c, arena_printf(c->arena, "key %s", k.id));
    struct json_object *o = key_json(&k, me->id);
    json_object_object_add(o, "api_key", json_object_new_string(key));
    OPENSSL_cleanse(key, sizeof key);
    response_json(c->res, 200, o);
}

static void delete_key(struct ctx *c, const char *user_id)
{
    const char *id = ctx_param(c, "id");
    audit_detail(c, arena_printf(c->arena, "key %.64s", id));
    int rc = db_apikey_delete_id(c->db, user_id, id);
    if (rc == DB_NOT_FOUND) {
        response_detail(c->res, 404, ERR_API_KEY_NOT_FOUND);
        return;
    }
    if (rc != DB_OK) {
        api_db_error(c);
        return;
    }
    response_json(c->res, 200, json_object_new_boolean(1));
}

void api_keys_delete(struct ctx *c)
{
    audit_note(c, "auth.api_key_delete", "user", c->session->user->id);
    if (api_require_session(c) == 0)
        delete_key(c, c->session->user->id);
}

void api_keys_admin_list(struct ctx *c)
{
    answer_list(c, c->target_user->id);
}

void api_keys_admin_delete(struct ctx *c)
{
    audit_note(c, "user.api_key_delete", "user", c->target_user->id);
    delete_key(c, c->target_user->id);
}
