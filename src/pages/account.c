/* The account page: profile, timezone and password forms, the caller's groups and
 * effective permissions (read-only), a link to the API key page; a pending user sees the
 * pending page instead. Every post goes through the API handler of the same form
 * (auths_update_profile, _timezone, _password) and shows its text on failure. */
#include "config.h"
#include "usher/page.h"

#include <string.h>

#include "usher/accounts.h"
#include "usher/api.h"
#include "usher/arena.h"
#include "usher/session.h"
#include "usher/settings.h"
#include "usher/user.h"

/* The notices of ?saved=..., by key: never the query's own text. */
static const char *saved_notice(struct ctx *c)
{
    static const char *const notices[][2] = {
        { "profile", "Profile saved." },
        { "timezone", "Timezone saved." },
        { "password", "Password changed." },
    };
    const char *k = request_query(c->req, "saved");
    for (size_t i = 0; k && i < sizeof(notices) / sizeof(notices[0]); i++)
        if (strcmp(k, notices[i][0]) == 0)
            return notices[i][1];
    return NULL;
}

/* The pending page, as Open WebUI's overlay: the admin's title and text (or Open WebUI's
 * defaults) and the admin contact when SHOW_ADMIN_DETAILS allows it. */
static void pending_render(struct ctx *c)
{
    const char *title = settings_str(c, "PENDING_USER_OVERLAY_TITLE");
    const char *content = settings_str(c, "PENDING_USER_OVERLAY_CONTENT");
    struct html h;
    page_begin(c, &h, title[0] ? title : "Account Activation Pending");
    html_elem(&h, "p", content[0] ? content : "Contact the admin for WebUI Access", "class",
              "pending", NULL);
    struct page_api_result r;
    if (page_api(c, auths_admin_details, NULL, NULL, &r) == 0) {
        const char *name = page_json_str(r.json, "name");
        const char *email = page_json_str(r.json, "email");
        if (email) {
            html_open(&h, "p", NULL);
            html_text(&h, "Admin: ");
            html_text(&h, name ? name : "");
            html_text(&h, " (");
            html_elem(&h, "a", email, "href", arena_printf(c->arena, "mailto:%s", email), NULL);
            html_text(&h, ")");
            html_close(&h);
        }
    }
    page_end(c, &h, 200);
}

/* The caller's groups (users_my_groups) and effective permissions (users_permissions). */
static void groups_and_permissions(struct ctx *c, struct html *h)
{
    html_open(h, "section", "aria-labelledby", "groups-h", NULL);
    html_elem(h, "h2", "Groups and permissions", "id", "groups-h", NULL);
    struct page_api_result r;
    if (page_api(c, users_my_groups, NULL, NULL, &r) == 0 &&
        json_object_is_type(r.json, json_type_array)) {
        size_t n = json_object_array_length(r.json);
        if (n == 0)
            html_elem(h, "p", "You are in no group.", NULL);
        else
            html_open(h, "ul", "class", "groups", NULL);
        for (size_t i = 0; i < n; i++)
            html_elem(h, "li", page_json_str(json_object_array_get_idx(r.json, i), "name"),
                      NULL);
        if (n)
            html_close(h);
    } else {
        page_alert(h, r.error);
    }
    if (page_api(c, users_permissions, NULL, NULL, &r) == 0 &&
        json_object_is_type(r.json, json_type_object)) {
        html_open(h, "dl", "class", "perms-list", NULL);
        json_object_object_foreach(r.json, section, keys) {
            if (!json_object_is_type(keys, json_type_object))
                continue;
            html_elem(h, "dt", section, NULL);
            html_open(h, "dd", NULL);
            html_open(h, "ul", NULL);
            bool any = false;
            json_object_object_foreach(keys, key, v) {
                if (json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v)) {
                    html_elem(h, "li", arena_printf(c->arena, "%s.%s", section, key), NULL);
                    any = true;
                }
            }
            if (!any)
                html_elem(h, "li", "none", "class", "none", NULL);
            html_close(h);
            html_close(h);
        }
        html_close(h);
    }
    html_close(h);
}

/* failed: the form whose post failed ("profile", "timezone", "password") or NULL. */
static void account_render(struct ctx *c, const char *failed, const char *error, int status)
{
    const struct user *me = c->session->user;
    struct html h;
    page_begin(c, &h, "Your account");
    page_notice(&h, saved_notice(c));
    html_elem(&h, "p", arena_printf(c->arena, "Signed in as %s (%s).", me->email ? me->email : "",
                                    me->role_name),
              "class", "who", NULL);

    html_open(&h, "section", "aria-labelledby", "profile-h", NULL);
    html_elem(&h, "h2", "Profile", "id", "profile-h", NULL);
    if (failed && strcmp(failed, "profile") == 0)
        page_alert(&h, error);
    page_form(c, &h, "/account", NULL);
    page_user_inputs(c, &h, USER_FORM_PROFILE, me, failed, "profile", true);
    page_button(&h, "Save profile", "primary");
    html_close(&h);
    html_close(&h);

    html_open(&h, "section", "aria-labelledby", "tz-h", NULL);
    html_elem(&h, "h2", "Timezone", "id", "tz-h", NULL);
    if (failed && strcmp(failed, "timezone") == 0)
        page_alert(&h, error);
    page_form(c, &h, "/account/timezone", NULL);
    page_input(&h, "Timezone (e.g. Europe/Paris)", "text", "timezone",
               page_value(c, failed, "timezone", "timezone", me->timezone), "off");
    page_button(&h, "Save timezone", NULL);
    html_close(&h);
    html_close(&h);

    html_open(&h, "section", "aria-labelledby", "pw-h", NULL);
    html_elem(&h, "h2", "Password", "id", "pw-h", NULL);
    if (failed && strcmp(failed, "password") == 0)
        page_alert(&h, error);
    page_form(c, &h, "/account/password", NULL);
    page_input(&h, "Current password", "password", "password", NULL, "current-password");
    page_input(&h, "New password", "password", "new_password", NULL, "new-password");
    page_button(&h, "Change password", NULL);
    html_close(&h);
    html_close(&h);

    html_open(&h, "section", "aria-labelledby", "key-h", NULL);
    html_elem(&h, "h2", "API key", "id", "key-h", NULL);
    html_open(&h, "p", NULL);
    html_elem(&h, "a", "Manage your API key", "href", page_url(c, "/account/api-key"), NULL);
    html_text(&h, " · ");
    html_elem(&h, "a", "Security: two-factor sign-in, sessions, API keys", "href",
              page_url(c, "/account/security"), NULL);
    html_close(&h);
    html_close(&h);

    groups_and_permissions(c, &h);
    page_end(c, &h, status);
}

void page_account_get(struct ctx *c)
{
    if (c->session->user->role == ROLE_PENDING)
        pending_render(c);
    else
        account_render(c, NULL, NULL, 200);
}

/* Runs handler with form on the post; 303 to the account page (or next), or the page
 * again with the API's text next to the form that failed. */
static void account_post(struct ctx *c, handler_fn handler, const struct form *form,
                         const char *which)
{
    struct page_api_result r;
    if (page_api(c, handler, form, NULL, &r) != 0) {
        if (c->session->user->role == ROLE_PENDING) {
            struct html h;
            page_begin(c, &h, "Your account");
            page_alert(&h, r.error);
            page_end(c, &h, r.status);
            return;
        }
        account_render(c, which, r.error, r.status);
        return;
    }
    const char *next = page_next(c);
    page_see_other(c, next ? next
                           : page_url(c, arena_printf(c->arena, "/account?saved=%s", which)));
}

void page_account_profile(struct ctx *c)
{
    account_post(c, auths_update_profile, &accounts_profile_form, "profile");
}

void page_account_timezone(struct ctx *c)
{
    account_post(c, auths_update_timezone, &auths_timezone_form, "timezone");
}

void page_account_password(struct ctx *c)
{
    account_post(c, auths_update_password, &auths_password_form, "password");
}
