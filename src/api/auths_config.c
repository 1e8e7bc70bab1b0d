/* /api/v1/auths admin settings: admin details, the admin config (driven by the settings
 * table of settings.c), and the LDAP settings (resolved by directory_settings.c, used by
 * the LDAP sign-in) and the OAuth settings, stored and returned (deltas §1.4-§1.6). */
#include "config.h"
#include "usher/api.h"

#include <stdlib.h>
#include <string.h>

#include "usher/api_common.h"
#include "usher/oidc.h"
#include "usher/arena.h"
#include "usher/audit.h"
#include "usher/db.h"
#include "usher/db_users.h"
#include "usher/directory.h"
#include "usher/settings.h"
#include "usher/user.h"
#include "usher/validate.h"

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
        char *lower = email_normalize(c->arena, email);
        rc = db_user_get_by_email(c->db, c->arena, lower, &u);
        if (rc == DB_OK)
            name = u->name;
    } else {
        email = NULL;
        rc = db_user_get_primary(c->db, c->arena, &u);
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

void auths_admin_config_post(struct ctx *c)
{
    audit_note(c, "admin.config_update", NULL, NULL);
    /* The form comes from the settings table; extra members are ignored, since the
     * frontend posts back the whole object it received. */
    size_t n;
    const struct field_spec *form = settings_admin_form(&n);
    struct field_value *v = arena_calloc(c->arena, n, sizeof(*v));
    if (api_parse_form(c, form, n, false, v) != 0)
        return;
    if (settings_admin_config_store(c, v) != 0) {
        api_db_error(c);
        return;
    }
    response_json(c->res, 200, settings_admin_config(c));
}

/* ---- LDAP and OAuth settings ------------------------------------------------------------ */

void auths_ldap_config_get(struct ctx *c)
{
    struct dir_settings ds;
    dir_settings_resolve(c, &ds);
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "ENABLE_LDAP", json_object_new_boolean(ds.enable));
    response_json(c->res, 200, o);
}

static const struct field_spec ldap_config_fields[] = {
    { "enable_ldap", FIELD_BOOL, false, true, 0, NULL, NULL },
};
const struct form auths_ldap_config_form = FORM(ldap_config_fields);

void auths_ldap_config_post(struct ctx *c)
{
    audit_note(c, "admin.ldap_config_update", NULL, NULL);
    const struct field_value *v = c->v;
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "ENABLE_LDAP",
                           v[0].present && !v[0].is_null ? json_object_new_boolean(v[0].b) : NULL);
    if (settings_put(c, "LDAP_CONFIG", o) != 0) {
        api_db_error(c);
        return;
    }
    auths_ldap_config_get(c);
}

static const struct field_spec ldap_server_fields[] = {
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
const struct form auths_ldap_server_form = FORM(ldap_server_fields);

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

/* The resolved values (stored, else environment, else Open WebUI's defaults). */
void auths_ldap_server_get(struct ctx *c)
{
    struct dir_settings ds;
    dir_settings_resolve(c, &ds);
    struct json_object *o = json_object_new_object();
    const char *strs[][2] = {
        { "label", ds.label }, { "host", ds.host },
    };
    for (size_t i = 0; i < 2; i++)
        json_object_object_add(o, strs[i][0], json_object_new_string(strs[i][1]));
    json_object_object_add(o, "port", ds.port > 0 ? json_object_new_int(ds.port) : NULL);
    const char *more[][2] = {
        { "attribute_for_mail", ds.attr_mail }, { "attribute_for_username", ds.attr_username },
        { "app_dn", ds.app_dn }, { "app_dn_password", ds.app_password },
        { "search_base", ds.search_base }, { "search_filters", ds.search_filters },
    };
    for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++)
        json_object_object_add(o, more[i][0], json_object_new_string(more[i][1]));
    json_object_object_add(o, "use_tls", json_object_new_boolean(ds.use_tls));
    json_object_object_add(o, "certificate_path", json_object_new_string(ds.ca_file));
    json_object_object_add(o, "validate_cert", json_object_new_boolean(ds.validate_cert));
    json_object_object_add(o, "ciphers", json_object_new_string(ds.ciphers));
    json_object_object_add(o, "enable_group_management", json_object_new_boolean(ds.group_management));
    json_object_object_add(o, "enable_group_creation", json_object_new_boolean(ds.group_creation));
    json_object_object_add(o, "attribute_for_groups", json_object_new_string(ds.attr_groups));
    /* A null the admin stored is answered as null (the sign-in reads it as empty). */
    struct json_object *stored = settings_get(c, "LDAP_SERVER");
    if (stored && json_object_is_type(stored, json_type_object)) {
        json_object_object_foreach(stored, k, val)
            if (!val && json_object_object_get_ex(o, k, NULL))
                json_object_object_add(o, k, NULL);
    }
    response_json(c->res, 200, o);
}

void auths_ldap_server_post(struct ctx *c)
{
    audit_note(c, "admin.ldap_server_update", NULL, NULL);
    const struct field_value *v = c->v;
    struct json_object *o = ldap_server_defaults();
    for (size_t i = 0; i < auths_ldap_server_form.n; i++) {
        const struct field_spec *f = &ldap_server_fields[i];
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
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
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
    /* The effective values: stored, else the environment, else the default (oidc.h). */
    response_json(c->res, 200, oidc_settings_json(c));
}

void auths_oauth_config_post(struct ctx *c)
{
    audit_note(c, "admin.oauth_config_update", NULL, NULL);
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
        if (!val || !oidc_settings_is_field(k))
            continue;
        if (oidc_settings_is_list(k) && json_object_is_type(val, json_type_string)) {
            /* comma strings on the wire, lists in storage (deltas §1.5) */
            struct json_object *list = json_object_new_array();
            char *copy = arena_strdup(c->arena, json_object_get_string(val));
            for (char *save = NULL, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                while (*t == ' ')
                    t++;
                size_t n = strlen(t);
                while (n && t[n - 1] == ' ')
                    t[--n] = '\0';
                if (n)
                    json_object_array_add(list, json_object_new_string(t));
            }
            json_object_object_add(o, k, list);
            continue;
        }
        json_object_object_add(o, k, json_object_get(val));
    }
    if (settings_put(c, "OAUTH_CONFIG", o) != 0) {
        api_db_error(c);
        return;
    }
    auths_oauth_config_get(c);
}

