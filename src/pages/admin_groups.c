/* The admin's group pages: the list and the create form (GET /groups/, POST /create), one
 * group's name, description and permissions (POST /id/{id}/update, the permissions as
 * checkboxes by section), its members (POST /id/{id}/users, .../users/add, .../remove) and
 * deletion with a confirmation step (DELETE /id/{id}/delete). */
#include "config.h"
#include "usher/page.h"

#include <string.h>

#include "usher/api.h"
#include "usher/arena.h"
#include "usher/group.h"

static const char *group_rest(struct ctx *c, const char *id, const char *tail)
{
    return arena_printf(c->arena, "/admin/groups/%s%s", page_urlencode(c, id), tail);
}

static const char *saved_notice(struct ctx *c)
{
    static const char *const notices[][2] = {
        { "created", "Group created." }, { "deleted", "Group deleted." },
        { "updated", "Group saved." }, { "added", "Member added." },
        { "removed", "Member removed." },
    };
    const char *k = request_query(c->req, "saved");
    for (size_t i = 0; k && i < sizeof(notices) / sizeof(notices[0]); i++)
        if (strcmp(k, notices[i][0]) == 0)
            return notices[i][1];
    return NULL;
}

static void groups_render(struct ctx *c, const char *error, int status)
{
    struct html h;
    page_begin(c, &h, "Groups");
    page_notice(&h, saved_notice(c));
    struct page_api_result r;
    if (page_api(c, groups_list, NULL, NULL, &r) != 0 ||
        !json_object_is_type(r.json, json_type_array)) {
        page_alert(&h, r.error);
    } else {
        size_t n = json_object_array_length(r.json);
        if (!n)
            html_elem(&h, "p", "No groups yet.", NULL);
        else
            html_open(&h, "ul", "class", "groups", NULL);
        for (size_t i = 0; i < n; i++) {
            struct json_object *g = json_object_array_get_idx(r.json, i), *mc = NULL;
            json_object_object_get_ex(g, "member_count", &mc);
            html_open(&h, "li", NULL);
            html_elem(&h, "a", page_json_str(g, "name"), "href",
                      page_url(c, group_rest(c, page_json_str(g, "id"), "")), NULL);
            html_textf(&h, " (%lld members)", mc ? (long long)json_object_get_int64(mc) : 0LL);
            html_close(&h);
        }
        if (n)
            html_close(&h);
    }
    html_open(&h, "section", "aria-labelledby", "create-h", NULL);
    html_elem(&h, "h2", "Create a group", "id", "create-h", NULL);
    page_alert(&h, error);
    page_form(c, &h, "/admin/groups", NULL);
    page_input(&h, "Name", "text", "name", page_field(c, "name"), "off");
    page_textarea(&h, "Description", "description", page_field(c, "description"));
    page_button(&h, "Create group", "primary");
    html_close(&h);
    html_close(&h);
    page_end(c, &h, status);
}

void page_groups_get(struct ctx *c)
{
    groups_render(c, NULL, 200);
}

void page_groups_create(struct ctx *c)
{
    struct page_api_result r;
    if (page_api(c, groups_create, &groups_form, NULL, &r) != 0) {
        groups_render(c, r.error, r.status);
        return;
    }
    const char *id = page_json_str(r.json, "id");
    page_see_other(c, id ? page_url(c, group_rest(c, id, "?saved=created"))
                         : page_url(c, "/admin/groups?saved=created"));
}

/* Every permission key, with the router's sections (the compiled defaults' view). */
static struct json_object *permission_keys(struct ctx *c)
{
    struct page_api_result r;
    page_api(c, users_default_permissions_compiled, NULL, NULL, &r);
    return r.json;
}

/* failed: "edit" or "members" when that form's post failed. */
/* A list of users (JSON array of UserInfo, NULL for none), each with a one-button form
 * posting action and the user's id to rest (the members' add and remove). */
static void user_buttons(struct ctx *c, struct html *h, struct json_object *users,
                         const char *rest, const char *action, const char *label,
                         const char *list_class, const char *empty)
{
    size_t n = users ? json_object_array_length(users) : 0;
    if (!n) {
        html_elem(h, "p", empty, NULL);
        return;
    }
    html_open(h, "ul", "class", list_class, NULL);
    for (size_t i = 0; i < n; i++) {
        struct json_object *u = json_object_array_get_idx(users, i);
        const char *name = page_json_str(u, "name"), *email = page_json_str(u, "email");
        html_open(h, "li", NULL);
        html_textf(h, "%s <%s> ", name ? name : "", email ? email : "");
        page_form(c, h, rest, NULL);
        html_void(h, "input", "type", "hidden", "name", "action", "value", action, NULL);
        html_void(h, "input", "type", "hidden", "name", "user_ids", "value",
                  page_json_str(u, "id"), NULL);
        page_button(h, label, "small");
        html_close(h);
        html_close(h);
    }
    html_close(h);
}

static void group_render(struct ctx *c, const char *failed, const char *error, int status)
{
    struct page_api_result g, m, s;
    page_api(c, groups_get, NULL, NULL, &g);
    const struct group *tg = c->target_group;
    struct html h;
    page_begin(c, &h, arena_printf(c->arena, "Group %s", tg->name));
    page_notice(&h, saved_notice(c));

    html_open(&h, "section", "aria-labelledby", "edit-h", NULL);
    html_elem(&h, "h2", "Name, description and permissions", "id", "edit-h", NULL);
    if (failed && strcmp(failed, "edit") == 0)
        page_alert(&h, error);
    page_form(c, &h, group_rest(c, tg->id, ""), NULL);
    page_input(&h, "Name", "text", "name", page_value(c, failed, "edit", "name", tg->name), "off");
    page_textarea(&h, "Description", "description",
                  page_value(c, failed, "edit", "description", tg->description));
    struct json_object *perms = NULL;
    if (g.json)
        json_object_object_get_ex(g.json, "permissions", &perms);
    page_permissions(c, &h, permission_keys(c), perms, false);
    page_button(&h, "Save group", "primary");
    html_close(&h);
    html_close(&h);

    html_open(&h, "section", "aria-labelledby", "members-h", NULL);
    html_elem(&h, "h2", "Members", "id", "members-h", NULL);
    if (failed && strcmp(failed, "members") == 0)
        page_alert(&h, error);
    const char *rest = group_rest(c, tg->id, "/members");
    if (page_api(c, groups_members, NULL, NULL, &m) == 0 &&
        json_object_is_type(m.json, json_type_array)) {
        user_buttons(c, &h, m.json, rest, "remove", "Remove", "members", "No members.");
    } else {
        page_alert(&h, m.error);
    }

    /* adding: find users by the listing's search, then one button each */
    html_open(&h, "form", "method", "get", "action", page_url(c, group_rest(c, tg->id, "")),
              "role", "search", NULL);
    page_input(&h, "Find a user to add (name or email)", "search", "query",
               request_query(c->req, "query"), "off");
    page_button(&h, "Find", NULL);
    html_close(&h);
    if (request_query(c->req, "query") && page_api(c, users_list_brief, NULL, NULL, &s) == 0) {
        struct json_object *users = NULL;
        json_object_object_get_ex(s.json, "users", &users);
        user_buttons(c, &h, users, rest, "add", "Add", "found", "No user found.");
    }
    html_close(&h);

    html_open(&h, "p", NULL);
    html_elem(&h, "a", "Delete this group…", "href", page_url(c, group_rest(c, tg->id, "/delete")),
              "class", "danger", NULL);
    html_close(&h);
    page_end(c, &h, status);
}

void page_group_get(struct ctx *c)
{
    group_render(c, NULL, NULL, 200);
}

void page_group_update(struct ctx *c)
{
    struct json_object *fields = json_object_new_object();
    const char *name = page_field(c, "name"), *desc = page_field(c, "description");
    if (name)
        json_object_object_add(fields, "name", json_object_new_string(name));
    if (desc)
        json_object_object_add(fields, "description", json_object_new_string(desc));
    json_object_object_add(fields, "permissions", page_permissions_posted(c, permission_keys(c)));
    struct page_api_result r;
    if (page_api(c, groups_update, &groups_form, fields, &r) != 0) {
        group_render(c, "edit", r.error, r.status);
        return;
    }
    page_see_other(c, page_url(c, group_rest(c, c->target_group->id, "?saved=updated")));
}

void page_group_members(struct ctx *c)
{
    const char *action = page_field(c, "action");
    bool add = action && strcmp(action, "add") == 0;
    struct page_api_result r;
    if (page_api(c, add ? groups_add_users : groups_remove_users, &groups_user_ids_form, NULL,
                 &r) != 0) {
        group_render(c, "members", r.error, r.status);
        return;
    }
    page_see_other(c, page_url(c, group_rest(c, c->target_group->id,
                                             add ? "?saved=added" : "?saved=removed")));
}

static void delete_render(struct ctx *c, const char *error, int status)
{
    const struct group *g = c->target_group;
    struct html h;
    page_begin(c, &h, "Delete group");
    page_alert(&h, error);
    html_elem(&h, "p", arena_printf(c->arena, "Delete the group %s? Its members stay.", g->name),
              NULL);
    page_form(c, &h, group_rest(c, g->id, "/delete"), NULL);
    page_button(&h, "Delete", "danger");
    html_elem(&h, "a", "Cancel", "href", page_url(c, group_rest(c, g->id, "")), "class",
              "cancel", NULL);
    html_close(&h);
    page_end(c, &h, status);
}

void page_group_delete_get(struct ctx *c)
{
    delete_render(c, NULL, 200);
}

void page_group_delete(struct ctx *c)
{
    struct page_api_result r;
    if (page_api(c, groups_delete, NULL, NULL, &r) != 0) {
        delete_render(c, r.error, r.status);
        return;
    }
    page_see_other(c, page_url(c, "/admin/groups?saved=deleted"));
}
