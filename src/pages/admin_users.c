/* The admin's user pages: the listing (search, sort and paging as GET /api/v1/users/ does
 * them), adding a user (POST /auths/add), one user's edit form (POST /users/{id}/update)
 * and deletion with a confirmation step (DELETE /users/{id}). The primary-admin rules and
 * every other refusal show as the API's texts. */
#include "config.h"
#include "usher/page.h"

#include <stdlib.h>
#include <string.h>

#include "usher/accounts.h"
#include "usher/api.h"
#include "usher/arena.h"
#include "usher/session.h"
#include "usher/user.h"

static const char *const role_options[][2] = {
    { "pending", "pending" }, { "user", "user" }, { "admin", "admin" },
};
#define NROLES (sizeof(role_options) / sizeof(role_options[0]))

static const char *const order_options[][2] = {
    { "", "default" }, { "name", "name" }, { "email", "email" }, { "role", "role" },
    { "created_at", "created" }, { "last_active_at", "last active" },
    { "updated_at", "updated" },
};

static const char *user_url(struct ctx *c, const char *id, const char *tail)
{
    return page_url(c, arena_printf(c->arena, "/admin/users/%s%s", page_urlencode(c, id), tail));
}

static const char *saved_notice(struct ctx *c)
{
    const char *k = request_query(c->req, "saved");
    if (!k)
        return NULL;
    if (strcmp(k, "added") == 0)
        return "User added.";
    if (strcmp(k, "deleted") == 0)
        return "User deleted.";
    if (strcmp(k, "updated") == 0)
        return "User saved.";
    return NULL;
}

/* The listing URL of page n with the request's query, order and direction. */
static const char *list_url(struct ctx *c, long long n)
{
    const char *q = request_query(c->req, "query");
    const char *o = request_query(c->req, "order_by");
    const char *d = request_query(c->req, "direction");
    return page_url(c, arena_printf(c->arena, "/admin/users?query=%s&order_by=%s&direction=%s&page=%lld",
                                    page_urlencode(c, q ? q : ""), page_urlencode(c, o ? o : ""),
                                    page_urlencode(c, d ? d : ""), n));
}

static void paging(struct ctx *c, struct html *h, long long total)
{
    long long pages = (total + USERS_PAGE_SIZE - 1) / USERS_PAGE_SIZE;
    if (pages <= 1)
        return;
    const char *ps = request_query(c->req, "page");
    long long cur = ps ? atoll(ps) : 1;
    if (cur < 1)
        cur = 1;
    html_open(h, "nav", "aria-label", "Pages", "class", "paging", NULL);
    html_open(h, "ul", NULL);
    /* first, a window around the current one, last */
    long long lo = cur - 3 > 1 ? cur - 3 : 1, hi = cur + 3 < pages ? cur + 3 : pages;
    for (long long n = 1; n <= pages; n++) {
        if (n != 1 && n != pages && (n < lo || n > hi))
            continue;
        html_open(h, "li", NULL);
        html_elem(h, "a", arena_printf(c->arena, "%lld", n), "href", list_url(c, n),
                  "aria-current", n == cur ? "page" : NULL, NULL);
        html_close(h);
    }
    html_close(h);
    html_close(h);
}

static void users_render(struct ctx *c, const char *error, int status)
{
    struct html h;
    page_begin(c, &h, "Users");
    page_notice(&h, saved_notice(c));

    html_open(&h, "form", "method", "get", "action", page_url(c, "/admin/users"), "class",
              "search", "role", "search", NULL);
    page_input(&h, "Search name or email", "search", "query", request_query(c->req, "query"),
               "off");
    page_select(&h, "Sort by", "order_by", order_options,
                sizeof(order_options) / sizeof(order_options[0]),
                request_query(c->req, "order_by"));
    static const char *const dirs[][2] = { { "desc", "descending" }, { "asc", "ascending" } };
    page_select(&h, "Direction", "direction", dirs, 2, request_query(c->req, "direction"));
    page_button(&h, "Search", NULL);
    html_close(&h);

    struct page_api_result r;
    if (page_api(c, users_list_brief, NULL, NULL, &r) != 0) {
        page_alert(&h, r.error);
    } else {
        struct json_object *users = NULL, *total = NULL;
        json_object_object_get_ex(r.json, "users", &users);
        json_object_object_get_ex(r.json, "total", &total);
        long long t = total ? json_object_get_int64(total) : 0;
        html_elem(&h, "p", arena_printf(c->arena, "%lld user%s", t, t == 1 ? "" : "s"), NULL);
        html_open(&h, "div", "class", "table", NULL);
        html_open(&h, "table", "class", "users", NULL);
        html_open(&h, "thead", NULL);
        html_open(&h, "tr", NULL);
        html_elem(&h, "th", "Name", "scope", "col", NULL);
        html_elem(&h, "th", "Email", "scope", "col", NULL);
        html_elem(&h, "th", "Role", "scope", "col", NULL);
        html_close(&h);
        html_close(&h);
        html_open(&h, "tbody", NULL);
        size_t n = users ? json_object_array_length(users) : 0;
        for (size_t i = 0; i < n; i++) {
            struct json_object *u = json_object_array_get_idx(users, i);
            html_open(&h, "tr", NULL);
            html_open(&h, "td", "class", "name", NULL);
            const char *name = page_json_str(u, "name");
            html_elem(&h, "a", name && *name ? name : "(no name)", "href",
                      user_url(c, page_json_str(u, "id"), ""), NULL);
            html_close(&h);
            html_elem(&h, "td", page_json_str(u, "email"), "class", "email", NULL);
            html_elem(&h, "td", page_json_str(u, "role"), "class", "role", NULL);
            html_close(&h);
        }
        html_close(&h);
        html_close(&h);
        html_close(&h);
        paging(c, &h, t);
    }

    html_open(&h, "section", "aria-labelledby", "add-h", NULL);
    html_elem(&h, "h2", "Add a user", "id", "add-h", NULL);
    page_alert(&h, error);
    page_form(c, &h, "/admin/users", NULL);
    page_input(&h, "Name", "text", "name", page_field(c, "name"), "off");
    page_input(&h, "Email", "email", "email", page_field(c, "email"), "off");
    page_input(&h, "Password", "password", "password", NULL, "new-password");
    const char *role = page_field(c, "role");
    page_select(&h, "Role", "role", role_options, NROLES, role ? role : "user");
    page_button(&h, "Add user", "primary");
    html_close(&h);
    html_close(&h);
    page_end(c, &h, status);
}

void page_users_get(struct ctx *c)
{
    users_render(c, NULL, 200);
}

void page_users_add(struct ctx *c)
{
    struct page_api_result r;
    if (page_api(c, auths_add_user, &auths_add_form, NULL, &r) != 0) {
        users_render(c, r.error, r.status);
        return;
    }
    page_see_other(c, page_url(c, "/admin/users?saved=added"));
}

/* ---- one user ---- */

static void user_render(struct ctx *c, const char *error, int status)
{
    const struct user *u = c->target_user;
    const char *f = error ? "edit" : NULL;
    struct html h;
    page_begin(c, &h, u->name && *u->name ? u->name : "User");
    page_notice(&h, saved_notice(c));
    page_alert(&h, error);
    page_form(c, &h, arena_printf(c->arena, "/admin/users/%s", page_urlencode(c, u->id)), NULL);
    page_user_inputs(c, &h, USER_FORM_ADMIN, u, f, "edit", false);
    page_input(&h, "New password (empty: unchanged)", "password", "password", NULL,
               "new-password");
    page_button(&h, "Save user", "primary");
    html_close(&h);

    struct page_api_result r;
    html_elem(&h, "h2", "Groups", NULL);
    if (page_api(c, users_groups_by_id, NULL, NULL, &r) == 0 &&
        json_object_is_type(r.json, json_type_array)) {
        size_t n = json_object_array_length(r.json);
        if (!n)
            html_elem(&h, "p", "In no group.", NULL);
        else
            html_open(&h, "ul", NULL);
        for (size_t i = 0; i < n; i++)
            html_elem(&h, "li", page_json_str(json_object_array_get_idx(r.json, i), "name"),
                      NULL);
        if (n)
            html_close(&h);
    }
    page_user_security(c, &h);
    html_open(&h, "p", NULL);
    html_elem(&h, "a", "Delete this user…", "href", user_url(c, u->id, "/delete"), "class",
              "danger", NULL);
    html_close(&h);
    page_end(c, &h, status);
}

void page_user_get(struct ctx *c)
{
    user_render(c, NULL, 200);
}

void page_user_update(struct ctx *c)
{
    struct page_api_result r;
    if (page_api(c, users_update_by_id, &accounts_admin_form, NULL, &r) != 0) {
        user_render(c, r.error, r.status);
        return;
    }
    page_see_other(c, user_url(c, c->target_user->id, "?saved=updated"));
}

static void delete_render(struct ctx *c, const char *error, int status)
{
    const struct user *u = c->target_user;
    struct html h;
    page_begin(c, &h, "Delete user");
    page_alert(&h, error);
    html_elem(&h, "p", arena_printf(c->arena, "Delete %s (%s)? This cannot be undone.",
                                    u->name ? u->name : "", u->email ? u->email : ""),
              NULL);
    page_form(c, &h, arena_printf(c->arena, "/admin/users/%s/delete", page_urlencode(c, u->id)),
              NULL);
    page_button(&h, "Delete", "danger");
    html_elem(&h, "a", "Cancel", "href", user_url(c, u->id, ""), "class", "cancel", NULL);
    html_close(&h);
    page_end(c, &h, status);
}

void page_user_delete_get(struct ctx *c)
{
    delete_render(c, NULL, 200);
}

void page_user_delete(struct ctx *c)
{
    struct page_api_result r;
    if (page_api(c, users_delete_by_id, NULL, NULL, &r) != 0) {
        delete_render(c, r.error, r.status);
        return;
    }
    page_see_other(c, page_url(c, "/admin/users?saved=deleted"));
}
