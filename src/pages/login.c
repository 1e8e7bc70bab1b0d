/* The sign-in, sign-up and sign-out pages. The forms are posted before there is a session,
 * so they carry a pre-session token (page_form_token: double submit bound to a cookie by an
 * HMAC) and a post from another site is refused; the rules and texts are the API's
 * (auths_signin, auths_signup). */
#include "config.h"
#include "usher/page.h"

#include <string.h>

#include "usher/api.h"
#include "usher/arena.h"
#include "usher/csrf.h"
#include "usher/db.h"
#include "usher/db_users.h"
#include "usher/directory.h"
#include "usher/errors.h"
#include "usher/oidc.h"
#include "usher/request.h"
#include "usher/session.h"

#define ERR_FORM_SITE "CSRF token missing or invalid"

/* While no account exists, how the first one is made: the first sign-up becomes the admin
 * (when sign-up is open, by its own gate), else the shell's `usherctl create-admin`. Says
 * nothing once an account exists, or when the count cannot be read. */
static void empty_install_notice(struct ctx *c, struct html *h)
{
    long long count = 0;
    if (!c->db || db_user_count(c->db, &count) != DB_OK || count > 0)
        return;
    struct page_api_result r;
    bool open = page_api(c, auths_signup_open, NULL, NULL, &r) == 0;
    html_open(h, "p", "class", "notice", "role", "status", "id", "empty-install", NULL);
    if (open) {
        html_text(h, "No account exists yet: the first account to sign up becomes the admin. ");
        html_elem(h, "a", "Sign up", "href", page_url(c, "/signup"), NULL);
    } else {
        html_text(h, "No account exists yet and sign-up is closed: create the first admin on "
                     "the server with ");
        html_elem(h, "code", "usherctl create-admin", NULL);
        html_text(h, ".");
    }
    html_close(h);
}

/* While LDAP sign-in is on, a second form labelled with LDAP_SERVER_LABEL: user name and
 * password, posted to /login/ldap (the API's handler, texts and limit; the page's one form
 * token, tok: a second page_form_token would set a second cookie). */
static void ldap_form(struct ctx *c, struct html *h, const char *tok)
{
    struct dir_settings ds;
    dir_settings_resolve(c, &ds);
    if (!ds.enable)
        return;
    html_open(h, "section", "id", "ldap", "aria-labelledby", "ldap-title", NULL);
    html_elem(h, "h2", ds.label[0] ? ds.label : "LDAP", "id", "ldap-title", NULL);
    page_form(c, h, "/login/ldap", page_next(c));
    html_void(h, "input", "type", "hidden", "name", "form_token", "value", tok, NULL);
    html_open(h, "p", "class", "field", NULL);
    html_elem(h, "label", "User name", "for", "ldap-user", NULL);
    html_void(h, "input", "type", "text", "name", "user", "id", "ldap-user", "value",
              page_field(c, "user"), "autocomplete", "username", NULL);
    html_close(h);
    html_open(h, "p", "class", "field", NULL);
    html_elem(h, "label", "Password", "for", "ldap-password", NULL);
    html_void(h, "input", "type", "password", "name", "password", "id", "ldap-password",
              "autocomplete", "current-password", NULL);
    html_close(h);
    page_button(h, arena_printf(c->arena, "Sign in with %s", ds.label[0] ? ds.label : "LDAP"),
                "primary");
    html_close(h);
    html_close(h);
}

/* While OpenID Connect sign-in is on: "Continue with <OAUTH_PROVIDER_NAME>", a link to
 * /oauth/oidc/login that ends on next (the account page by default). */
static void oidc_button(struct ctx *c, struct html *h)
{
    struct oidc_settings s;
    oidc_settings_resolve(c, &s);
    if (!oidc_active(&s))
        return;
    const char *next = page_next(c);
    const char *href = arena_printf(c->arena, "/oauth/oidc/login?next=%s",
                                    page_urlencode(c, next ? next : page_url(c, "/account")));
    html_open(h, "section", "id", "oidc", "aria-label", "Single sign-on", NULL);
    html_open(h, "p", NULL);
    html_elem(h, "a", arena_printf(c->arena, "Continue with %s", s.provider_name), "href", href,
              "class", "button", "id", "oidc-login", NULL);
    html_close(h);
    html_close(h);
}

/* The error a failed OpenID Connect login brings back (?error=): shown only when it is one
 * of the callback's own texts, so a link cannot put words on this page. */
static const char *oidc_error(struct ctx *c)
{
    static const char *const known[] = {
        ERR_INVALID_CRED, ERR_ACCESS_PROHIBITED, ERR_EMAIL_TAKEN, ERR_CREATE_USER,
        "The identity provider could not be reached. Please try again later.",
        "[ERROR: Error during OAuth process]",
    };
    const char *e = request_query(c->req, "error");
    for (size_t i = 0; e && i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(e, known[i]) == 0)
            return known[i];
    return NULL;
}

static void login_render(struct ctx *c, const char *error, int status)
{
    struct html h;
    page_begin(c, &h, "Sign in");
    page_alert(&h, error);
    if (request_query(c->req, "signed_out"))
        page_notice(&h, "You have signed out.");
    empty_install_notice(c, &h);
    page_form(c, &h, "/login", page_next(c));
    const char *tok = page_form_token(c);
    html_void(&h, "input", "type", "hidden", "name", "form_token", "value", tok, NULL);
    /* the e-mail typed is kept after a failure; the password never */
    page_input(&h, "Email", "email", "email", page_field(c, "email"), "username");
    page_input(&h, "Password", "password", "password", NULL, "current-password");
    page_button(&h, "Sign in", "primary");
    html_close(&h);
    ldap_form(c, &h, tok);
    oidc_button(c, &h);
    html_open(&h, "p", NULL);
    html_text(&h, "No account yet? ");
    html_elem(&h, "a", "Sign up", "href", page_url(c, "/signup"), NULL);
    html_close(&h);
    page_end(c, &h, status);
}

void page_login_get(struct ctx *c)
{
    if (c->session) {
        const char *next = page_next(c);
        page_see_other(c, next ? next : page_url(c, "/account"));
        return;
    }
    login_render(c, oidc_error(c), 200);
}

/* A pre-session form post from this site with its token; else renders refused. */
static bool presession_ok(struct ctx *c, void (*render)(struct ctx *, const char *, int))
{
    if (csrf_same_origin(c) && page_form_token_ok(c))
        return true;
    render(c, ERR_FORM_SITE, 403);
    return false;
}

/* What a sign-in form (e-mail or LDAP) shows after its API call (rc from page_api): the
 * second step when two-factor sign-in is on (pages/security.c), the form again with the
 * error, or a 303 to next (the account page by default). */
static void signin_answer(struct ctx *c, int rc, const struct page_api_result *r)
{
    if (rc != 0) {
        const char *mfa_token = r->status == 401 ? page_json_str(r->json, "mfa_token") : NULL;
        if (mfa_token)
            page_login_code_form(c, mfa_token, NULL, 200);
        else
            login_render(c, r->error, r->status);
        return;
    }
    const char *next = page_next(c);
    page_see_other(c, next ? next : page_url(c, "/account"));
}

void page_login_post(struct ctx *c)
{
    if (!presession_ok(c, login_render))
        return;
    struct page_api_result r;
    signin_answer(c, page_api(c, auths_signin, &auths_signin_form, NULL, &r), &r);
}

void page_login_mfa(struct ctx *c)
{
    if (presession_ok(c, login_render))
        page_login_mfa_post(c, login_render);
}

void page_login_ldap_post(struct ctx *c)
{
    if (!presession_ok(c, login_render))
        return;
    struct page_api_result r;
    signin_answer(c, page_api(c, auths_ldap_signin, &auths_ldap_form, NULL, &r), &r);
}

static void signup_render(struct ctx *c, const char *error, int status)
{
    struct html h;
    page_begin(c, &h, "Sign up");
    page_alert(&h, error);
    page_form(c, &h, "/signup", NULL);
    html_void(&h, "input", "type", "hidden", "name", "form_token", "value",
              page_form_token(c), NULL);
    page_input(&h, "Name", "text", "name", page_field(c, "name"), "name");
    page_input(&h, "Email", "email", "email", page_field(c, "email"), "username");
    page_input(&h, "Password", "password", "password", NULL, "new-password");
    page_button(&h, "Create account", "primary");
    html_close(&h);
    html_open(&h, "p", NULL);
    html_text(&h, "Have an account? ");
    html_elem(&h, "a", "Sign in", "href", page_url(c, "/login"), NULL);
    html_close(&h);
    page_end(c, &h, status);
}

/* Sign-up's own gate decides (auths_signup_open): refused, the page says so with its
 * status and text and shows no form. */
static bool signup_open(struct ctx *c)
{
    struct page_api_result r;
    if (page_api(c, auths_signup_open, NULL, NULL, &r) == 0)
        return true;
    struct html h;
    page_begin(c, &h, "Sign up");
    page_alert(&h, r.error);
    html_open(&h, "p", NULL);
    html_text(&h, "Sign-up is closed. ");
    html_elem(&h, "a", "Sign in", "href", page_url(c, "/login"), NULL);
    html_close(&h);
    page_end(c, &h, r.status);
    return false;
}

void page_signup_get(struct ctx *c)
{
    if (signup_open(c))
        signup_render(c, NULL, 200);
}

void page_signup_post(struct ctx *c)
{
    if (!presession_ok(c, signup_render))
        return;
    struct page_api_result r;
    if (page_api(c, auths_signup, &auths_signup_form, NULL, &r) != 0) {
        signup_render(c, r.error, r.status);
        return;
    }
    page_see_other(c, page_url(c, "/account"));
}

void page_logout(struct ctx *c)
{
    if (!csrf_same_origin(c)) {
        struct html h;
        page_begin(c, &h, "Sign out");
        page_alert(&h, ERR_FORM_SITE);
        page_end(c, &h, 403);
        return;
    }
    struct page_api_result r;
    if (page_api(c, auths_signout, NULL, NULL, &r) != 0) {
        struct html h;
        page_begin(c, &h, "Sign out");
        page_alert(&h, r.error);
        page_end(c, &h, r.status);
        return;
    }
    response_delete_cookie(c->res, "csrf_token");
    page_see_other(c, page_url(c, "/login?signed_out=1"));
}
