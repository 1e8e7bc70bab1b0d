#ifndef USHER_PAGE_H
#define USHER_PAGE_H
/* The toolkit the page files (src/pages/<page>.c) share: the layout, form fields, the
 * adapter that runs an API handler for a page, and the redirects and checks of a form
 * post. Page handlers are route handlers (router.h); they answer HTML through c->res. */
#include <stdbool.h>
#include <json-c/json.h>
#include "usher/ctx.h"
#include "usher/html.h"
#include "usher/router.h"
#include "usher/user.h"

struct form;

/* ---- the API adapter (pages/adapter.c) ---- */

/* What an API handler answered. json: its body parsed (NULL when not JSON), released by
 * pages_finish; error: for a status outside 2xx, the API's own text: its "detail" string,
 * or for a 422 list "<field>: <msg>" of the first item. */
struct page_api_result {
    int status;
    struct json_object *json;
    const char *error;
};

/* Runs handler as the API would for this request, into a scratch response: when fields is
 * non-NULL it stands in for the request's body fields during the call (page_api takes the
 * reference); when form is non-NULL, the form is parsed first (its 422 is the result):
 * the route's own form (router.h) on the request's body was parsed once by app.c, and its
 * values (or its 422) are used as they are. The cookies the handler set are copied to
 * c->res. Returns 0 when the status is 2xx, else -1; r is filled either way. */
int page_api(struct ctx *c, handler_fn handler, const struct form *form,
             struct json_object *fields, struct page_api_result *r);
/* Keeps o (a json-c reference the page took) until pages_finish releases it; returns o. */
struct json_object *page_keep(struct json_object *o);
/* Releases what page_keep kept and forgets the request's CSRF token (pages_finish). */
void page_release(void);
/* The string member name of a JSON object, or NULL. */
const char *page_json_str(struct json_object *o, const char *name);
/* The string value of a field of this request's body (a form post), or NULL. */
const char *page_field(const struct ctx *c, const char *name);

/* ---- redirects and checks of form posts (pages/adapter.c) ---- */

/* The prefix without its final slash ("/usher"; "" when it is "/"), from c->cfg (arena). */
const char *page_prefix(const struct ctx *c);
/* The path of a page: the prefix + rest (rest starts with '/'), arena. */
const char *page_url(struct ctx *c, const char *rest);
/* s percent-encoded for a query value (unreserved characters and '/' kept), arena. */
const char *page_urlencode(struct ctx *c, const char *s);
/* Answers 303 See Other to location (a path on this site). */
void page_see_other(struct ctx *c, const char *location);
/* The "next" of the body or the query when it is a local path under the prefix, else
 * NULL. */
const char *page_next(struct ctx *c);
/* The pre-session token of the sign-in and sign-up forms (double submit, bound to a random
 * cookie by an HMAC): sets the cookie when the request has none and returns the token
 * the form carries (arena). */
const char *page_form_token(struct ctx *c);
/* True when the request's form_token field matches its cookie. */
bool page_form_token_ok(struct ctx *c);
/* The session's CSRF token for the forms of a signed-in page (sets the csrf_token cookie,
 * as GET /api/v1/auths/ does), or NULL without a cookie session. */
const char *page_csrf(struct ctx *c);

/* ---- layout and fields (pages/layout.c) ---- */

/* Starts a page: doctype, head (title, the stylesheet), the header with the navigation and,
 * for a signed-in caller, the sign-out button; leaves <main> open. */
void page_begin(struct ctx *c, struct html *h, const char *title);
/* Ends the page and answers it with status (text/html; charset=utf-8). */
void page_end(struct ctx *c, struct html *h, int status);
/* An error box (role=alert) with the API's text; nothing for NULL. */
void page_alert(struct html *h, const char *text);
/* A notice box (role=status); nothing for NULL. */
void page_notice(struct html *h, const char *text);
/* Opens <form method=post action=page_url(rest)> with the CSRF field (page_csrf) and,
 * when next is non-NULL, a hidden next. Close it with html_close. */
void page_form(struct ctx *c, struct html *h, const char *rest, const char *next);
/* <p class=field><label for=id>label</label><input type name id value autocomplete></p>;
 * a NULL value or autocomplete writes none. */
void page_input(struct html *h, const char *label, const char *type, const char *name,
                const char *value, const char *autocomplete);
/* A textarea with a label. */
void page_textarea(struct html *h, const char *label, const char *name, const char *value);
/* A checkbox with its label after it (value "true"). */
void page_checkbox(struct html *h, const char *label, const char *name, bool checked);
/* A select of n options {value, text}; selected by value. */
void page_select(struct html *h, const char *label, const char *name,
                 const char *const (*options)[2], size_t n, const char *selected);
/* A submit button. */
void page_button(struct html *h, const char *text, const char *cls);
/* The value to show in field name of form `form`: what was typed when that form's post
 * failed (failed_form equal to form), else fallback. Never used for passwords. */
const char *page_value(const struct ctx *c, const char *failed_form, const char *form,
                       const char *name, const char *fallback);
struct user;
/* The inputs of form's columns (the rows of the user field table with a page label), in
 * table order, showing u's values (or what was typed when failed_form equals which); own:
 * the caller's own record (the rows' autocomplete tokens; else "off"). */
void page_user_inputs(struct ctx *c, struct html *h, enum user_form form, const struct user *u,
                      const char *failed_form, const char *which, bool own);
/* Renders a permission tree's boolean keys as checkboxes "perm.<section>.<key>" grouped
 * in a fieldset per section, checked from tree (keys from the router view of the defaults);
 * disabled: read-only display. */
void page_permissions(struct ctx *c, struct html *h, struct json_object *keys,
                      struct json_object *tree, bool disabled);
/* The tree a permissions form posted: every boolean key of keys, true when its
 * "perm.<section>.<key>" checkbox was sent. A new object. */
struct json_object *page_permissions_posted(struct ctx *c, struct json_object *keys);
/* The stylesheet (pages/style.c). */
extern const char page_stylesheet[];

/* ---- the pages (one file each) ---- */
void page_home(struct ctx *c);
void page_style(struct ctx *c);
void page_login_get(struct ctx *c);
void page_login_post(struct ctx *c);
void page_login_mfa(struct ctx *c);
/* pages/security.c: the account security page and the second step of /login. */
void page_security_get(struct ctx *c);
void page_security_enroll(struct ctx *c);
void page_security_confirm(struct ctx *c);
void page_security_regenerate(struct ctx *c);
void page_security_disable(struct ctx *c);
void page_security_revoke(struct ctx *c);
void page_security_revoke_others(struct ctx *c);
void page_security_key_create(struct ctx *c);
void page_security_key_delete(struct ctx *c);
/* The admin's user page: the user's two-factor state, lock and sessions, with "Reset
 * two-factor", "Unlock" and "Sign out everywhere" forms (c->target_user). */
void page_user_security(struct ctx *c, struct html *h);
void page_user_mfa_reset(struct ctx *c);
void page_user_unlock(struct ctx *c);
void page_user_sessions_revoke(struct ctx *c);
/* The form asking for the second factor (a code field, the mfa_token and the pre-session
 * form token), answered with status. */
void page_login_code_form(struct ctx *c, const char *mfa_token, const char *error, int status);
/* The post of that form: 303 to next (or the account page) once signed in; a wrong code
 * shows the form again, an expired mfa_token the sign-in form (login_render). */
void page_login_mfa_post(struct ctx *c, void (*login_render)(struct ctx *, const char *, int));
void page_signup_get(struct ctx *c);
void page_signup_post(struct ctx *c);
void page_logout(struct ctx *c);
void page_account_get(struct ctx *c);
void page_account_profile(struct ctx *c);
void page_account_timezone(struct ctx *c);
void page_account_password(struct ctx *c);
void page_apikey_get(struct ctx *c);
void page_apikey_create(struct ctx *c);
void page_apikey_delete(struct ctx *c);
void page_users_get(struct ctx *c);
void page_users_add(struct ctx *c);
void page_user_get(struct ctx *c);
void page_user_update(struct ctx *c);
void page_user_delete_get(struct ctx *c);
void page_user_delete(struct ctx *c);
void page_groups_get(struct ctx *c);
void page_groups_create(struct ctx *c);
void page_group_get(struct ctx *c);
void page_group_update(struct ctx *c);
void page_group_members(struct ctx *c);
void page_group_delete_get(struct ctx *c);
void page_group_delete(struct ctx *c);
void page_settings_get(struct ctx *c);
void page_settings_post(struct ctx *c);
void page_settings_permissions(struct ctx *c);

#endif
