/* The admin settings page: the admin config (GET/POST /api/v1/auths/admin/config, every
 * field the API has: booleans as checkboxes, the default role and group as selects, the
 * rest as text) and the default permissions as checkboxes (GET/POST
 * /api/v1/users/default/permissions). The API stores and refuses; the page only turns the
 * browser's form into the API's body (an unchecked box is false). */
#include "config.h"
#include "usher/page.h"

#include <string.h>

#include "usher/api.h"
#include "usher/arena.h"

/* Labels for the fields people look for; others show their API name. */
static const char *const labels[][2] = {
    { "ENABLE_SIGNUP", "Sign-up open" },
    { "DEFAULT_USER_ROLE", "Role of new accounts" },
    { "DEFAULT_GROUP_ID", "Group of new accounts" },
    { "ENABLE_API_KEYS", "API keys enabled" },
    { "ENABLE_API_KEYS_ENDPOINT_RESTRICTIONS", "API keys restricted to some endpoints" },
    { "API_KEYS_ALLOWED_ENDPOINTS", "Endpoints API keys may call (comma-separated)" },
    { "JWT_EXPIRES_IN", "Session lifetime (e.g. 4w, 12h, -1 for none)" },
    { "ENABLE_USER_STATUS", "User status enabled" },
    { "PENDING_USER_OVERLAY_TITLE", "Pending page title" },
    { "PENDING_USER_OVERLAY_CONTENT", "Pending page text" },
    { "SHOW_ADMIN_DETAILS", "Show the admin contact to pending users" },
    { "ADMIN_EMAIL", "Admin contact email" },
};

static const char *label_of(const char *field)
{
    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
        if (strcmp(labels[i][0], field) == 0)
            return labels[i][1];
    return field;
}

static const char *const role_options[][2] = {
    { "pending", "pending" }, { "user", "user" }, { "admin", "admin" },
};

/* The DEFAULT_GROUP_ID select: "none" and every group (GET /groups/). */
static void group_select(struct ctx *c, struct html *h, const char *selected)
{
    struct page_api_result r;
    size_t n = 0;
    if (page_api(c, groups_list, NULL, NULL, &r) == 0 && json_object_is_type(r.json, json_type_array))
        n = json_object_array_length(r.json);
    const char *(*opts)[2] = arena_calloc(c->arena, n + 1, sizeof(*opts));
    opts[0][0] = "";
    opts[0][1] = "(none)";
    for (size_t i = 0; i < n; i++) {
        struct json_object *g = json_object_array_get_idx(r.json, i);
        opts[i + 1][0] = page_json_str(g, "id");
        opts[i + 1][1] = page_json_str(g, "name");
    }
    page_select(h, label_of("DEFAULT_GROUP_ID"), "DEFAULT_GROUP_ID",
                (const char *const(*)[2])opts, n + 1, selected);
}

/* failed: "config" or "permissions" when that form's post failed. */
static void settings_render(struct ctx *c, const char *failed, const char *error, int status)
{
    struct html h;
    page_begin(c, &h, "Settings");
    if (request_query(c->req, "saved"))
        page_notice(&h, "Settings saved.");
    struct page_api_result cfg, perms, keys;
    html_open(&h, "section", "aria-labelledby", "cfg-h", NULL);
    html_elem(&h, "h2", "Accounts", "id", "cfg-h", NULL);
    if (failed && strcmp(failed, "config") == 0)
        page_alert(&h, error);
    if (page_api(c, auths_admin_config_get, NULL, NULL, &cfg) != 0 ||
        !json_object_is_type(cfg.json, json_type_object)) {
        page_alert(&h, cfg.error);
    } else {
        page_form(c, &h, "/admin/settings", NULL);
        bool typed = failed && strcmp(failed, "config") == 0;
        json_object_object_foreach(cfg.json, field, v) {
            if (json_object_is_type(v, json_type_boolean)) {
                bool on = typed ? page_field(c, field) != NULL : json_object_get_boolean(v);
                page_checkbox(&h, label_of(field), field, on);
                continue;
            }
            const char *cur = json_object_is_type(v, json_type_null) ? ""
                              : json_object_is_type(v, json_type_string)
                                  ? json_object_get_string(v)
                                  : json_object_to_json_string(v);
            const char *val = page_value(c, failed, "config", field, cur);
            if (strcmp(field, "DEFAULT_USER_ROLE") == 0)
                page_select(&h, label_of(field), field, role_options, 3, val);
            else if (strcmp(field, "DEFAULT_GROUP_ID") == 0)
                group_select(c, &h, val);
            else if (strcmp(field, "PENDING_USER_OVERLAY_CONTENT") == 0 ||
                     strcmp(field, "API_KEYS_ALLOWED_ENDPOINTS") == 0)
                page_textarea(&h, label_of(field), field, val);
            else
                page_input(&h, label_of(field), "text", field, val, "off");
        }
        page_button(&h, "Save settings", "primary");
        html_close(&h);
    }
    html_close(&h);

    html_open(&h, "section", "aria-labelledby", "perm-h", NULL);
    html_elem(&h, "h2", "Default permissions", "id", "perm-h", NULL);
    if (failed && strcmp(failed, "permissions") == 0)
        page_alert(&h, error);
    page_api(c, users_default_permissions_compiled, NULL, NULL, &keys);
    if (page_api(c, users_default_permissions_get, NULL, NULL, &perms) == 0) {
        page_form(c, &h, "/admin/settings/permissions", NULL);
        page_permissions(c, &h, keys.json, perms.json, false);
        page_button(&h, "Save permissions", "primary");
        html_close(&h);
    } else {
        page_alert(&h, perms.error);
    }
    html_close(&h);
    page_end(c, &h, status);
}

void page_settings_get(struct ctx *c)
{
    settings_render(c, NULL, NULL, 200);
}

void page_settings_post(struct ctx *c)
{
    /* The body the API takes: the posted values, and false for each unchecked box. */
    struct page_api_result cur, r;
    if (page_api(c, auths_admin_config_get, NULL, NULL, &cur) != 0) {
        settings_render(c, "config", cur.error, cur.status);
        return;
    }
    struct json_object *body = json_object_new_object();
    json_object_object_foreach(cur.json, field, v) {
        const char *posted = page_field(c, field);
        if (json_object_is_type(v, json_type_boolean))
            json_object_object_add(body, field, json_object_new_boolean(posted != NULL));
        else if (posted)
            json_object_object_add(body, field, json_object_new_string(posted));
    }
    if (page_api(c, auths_admin_config_post, NULL, body, &r) != 0) {
        settings_render(c, "config", r.error, r.status);
        return;
    }
    page_see_other(c, page_url(c, "/admin/settings?saved=1"));
}

void page_settings_permissions(struct ctx *c)
{
    struct page_api_result keys, r;
    page_api(c, users_default_permissions_compiled, NULL, NULL, &keys);
    struct json_object *tree = page_permissions_posted(c, keys.json);
    if (page_api(c, users_default_permissions_post, NULL, tree, &r) != 0) {
        settings_render(c, "permissions", r.error, r.status);
        return;
    }
    page_see_other(c, page_url(c, "/admin/settings?saved=1"));
}
