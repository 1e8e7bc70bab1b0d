/* The account security page (usher-account-security.md §7): two-factor sign-in (enrol with
 * the QR code of the otpauth URI, drawn with libqrencode as an inline <svg> of fill
 * attributes, and the secret as text; confirm; the recovery codes once; regenerate;
 * disable), the session list with a revoke form per other session and "sign out everywhere
 * else", and the named API keys (create, shown once; delete). Also the second step of
 * /login. Every post runs the API's handler (page_api), so its rules and texts hold. */
#include "config.h"
#include "usher/page.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <qrencode.h>

#include "usher/api.h"
#include "usher/api_security.h"
#include "usher/arena.h"
#include "usher/session.h"
#include "usher/user.h"

/* ---- pieces ------------------------------------------------------------------------- */

/* The QR code of text as an inline SVG: a white square and one black path of the modules,
 * with a quiet zone of 4 modules; fill attributes only (no stylesheet, no data: URI). */
static void qr_svg(struct ctx *c, struct html *h, const char *text)
{
    QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!qr) {
        page_alert(h, "The QR code could not be drawn; type the secret instead.");
        return;
    }
    int w = qr->width, size = w + 8;
    size_t cap = (size_t)w * (size_t)w * 20 + 1, len = 0;
    char *d = arena_alloc(c->arena, cap);
    d[0] = '\0';
    for (int y = 0; y < w; y++)
        for (int x = 0; x < w; x++)
            if (qr->data[y * w + x] & 1)
                len += (size_t)snprintf(d + len, cap - len, "M%d %dh1v1h-1z", x + 4, y + 4);
    /* 6 px a module, by a scale (attribute names are lower case here, so no viewBox). */
    const char *px = arena_printf(c->arena, "%d", size * 6);
    html_open(h, "svg", "xmlns", "http://www.w3.org/2000/svg", "width", px, "height", px,
              "role", "img", "aria-label", "QR code of the two-factor secret", "class", "qr",
              "shape-rendering", "crispEdges", NULL);
    html_open(h, "g", "transform", "scale(6)", NULL);
    html_open(h, "rect", "width", arena_printf(c->arena, "%d", size),
              "height", arena_printf(c->arena, "%d", size), "fill", "#ffffff", NULL);
    html_close(h);
    html_open(h, "path", "d", d, "fill", "#000000", NULL);
    html_close(h);
    html_close(h);
    html_close(h);
    QRcode_free(qr);
}

static const char *when(struct ctx *c, struct json_object *o, const char *name)
{
    struct json_object *v;
    if (!json_object_object_get_ex(o, name, &v) || !v)
        return "-";
    time_t t = (time_t)json_object_get_int64(v);
    struct tm tm;
    char buf[32];
    strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", gmtime_r(&t, &tm));
    return arena_strdup(c->arena, buf);
}

static bool flag(struct json_object *o, const char *name)
{
    struct json_object *v;
    return json_object_object_get_ex(o, name, &v) && json_object_get_boolean(v);
}

static void codes_list(struct html *h, struct json_object *codes)
{
    html_elem(h, "p", "Your recovery codes: each works once, in place of a code from the app. "
                      "Keep them somewhere safe; they are shown only now.", NULL);
    html_open(h, "ul", "class", "recovery-codes", NULL);
    for (size_t i = 0; codes && i < json_object_array_length(codes); i++)
        html_elem(h, "li", json_object_get_string(json_object_array_get_idx(codes, i)), "class",
                  "code", NULL);
    html_close(h);
}

/* ---- the sections ----------------------------------------------------------------------- */

struct shown {
    const char *error;              /* a post's failure */
    struct json_object *enroll;     /* the enrolment just started: secret + URI */
    struct json_object *codes;      /* recovery codes just made */
    const char *new_key;            /* an API key just made */
    const char *notice;
};

static void mfa_section(struct ctx *c, struct html *h, const struct shown *s)
{
    html_open(h, "section", "aria-labelledby", "mfa-h", NULL);
    html_elem(h, "h2", "Two-factor sign-in", "id", "mfa-h", NULL);
    struct page_api_result r;
    if (page_api(c, mfa_status, NULL, NULL, &r) != 0) {
        page_alert(h, r.error);
        html_close(h);
        return;
    }
    bool enabled = flag(r.json, "enabled"), pending = flag(r.json, "pending");
    if (s->codes)
        codes_list(h, s->codes);
    if (enabled) {
        struct json_object *v;
        long long left = json_object_object_get_ex(r.json, "recovery_codes_remaining", &v)
                             ? json_object_get_int64(v) : 0;
        html_elem(h, "p", arena_printf(c->arena, "Two-factor sign-in is on since %s. "
                                       "%lld recovery codes left.",
                                       when(c, r.json, "enabled_at"), left), NULL);
        page_form(c, h, "/account/security/mfa/regenerate", NULL);
        page_input(h, "Password", "password", "password", NULL, "current-password");
        page_button(h, "New recovery codes", NULL);
        html_close(h);
        page_form(c, h, "/account/security/mfa/disable", NULL);
        page_input(h, "Password", "password", "password", NULL, "current-password");
        page_input(h, "Code from the app or a recovery code", "text", "code", NULL,
                   "one-time-code");
        page_button(h, "Turn two-factor sign-in off", "danger");
        html_close(h);
    } else {
        if (s->enroll) {
            const char *secret = page_json_str(s->enroll, "secret");
            const char *uri = page_json_str(s->enroll, "otpauth_uri");
            html_elem(h, "p", "Scan this code with your authenticator app, or type the "
                              "secret, then enter the six-digit code it shows.", NULL);
            qr_svg(c, h, uri ? uri : "");
            char grouped[64] = "";
            for (size_t i = 0, o = 0; secret && secret[i] && o + 2 < sizeof grouped; i++) {
                if (i && i % 4 == 0)
                    grouped[o++] = ' ';
                grouped[o++] = secret[i];
                grouped[o] = '\0';
            }
            html_open(h, "p", NULL);
            html_text(h, "Secret: ");
            html_elem(h, "code", grouped, "class", "secret", NULL);
            html_close(h);
        }
        if (s->enroll || pending) {
            page_form(c, h, "/account/security/mfa/confirm", NULL);
            page_input(h, "Six-digit code", "text", "code", NULL, "one-time-code");
            page_button(h, "Turn two-factor sign-in on", "primary");
            html_close(h);
        }
        html_elem(h, "p", pending || s->enroll ? "Or start again with a new secret:"
                                               : "Two-factor sign-in is off.", NULL);
        page_form(c, h, "/account/security/mfa/enroll", NULL);
        page_input(h, "Password", "password", "password", NULL, "current-password");
        page_button(h, "Set up two-factor sign-in", pending || s->enroll ? NULL : "primary");
        html_close(h);
    }
    html_close(h);
}

static void sessions_section(struct ctx *c, struct html *h)
{
    html_open(h, "section", "aria-labelledby", "sessions-h", NULL);
    html_elem(h, "h2", "Sessions", "id", "sessions-h", NULL);
    struct page_api_result r;
    if (page_api(c, sessions_list, NULL, NULL, &r) != 0 ||
        !json_object_is_type(r.json, json_type_array)) {
        page_alert(h, r.error);
        html_close(h);
        return;
    }
    html_open(h, "table", "class", "sessions", NULL);
    html_open(h, "tr", NULL);
    static const char *const heads[] = { "Device", "Address", "Method", "Signed in",
                                         "Last seen", "" };
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++)
        html_elem(h, "th", heads[i], NULL);
    html_close(h);
    size_t others = 0;
    for (size_t i = 0; i < json_object_array_length(r.json); i++) {
        struct json_object *s = json_object_array_get_idx(r.json, i);
        const char *ua = page_json_str(s, "user_agent"), *ip = page_json_str(s, "ip");
        const char *id = page_json_str(s, "id");
        bool current = flag(s, "current");
        html_open(h, "tr", current ? "class" : NULL, "current", NULL);
        html_elem(h, "td", ua ? ua : "-", NULL);
        html_elem(h, "td", ip ? ip : "-", NULL);
        html_elem(h, "td", arena_printf(c->arena, "%s%s", page_json_str(s, "method"),
                                        flag(s, "mfa") ? " + two-factor" : ""), NULL);
        html_elem(h, "td", when(c, s, "created_at"), NULL);
        html_elem(h, "td", when(c, s, "last_seen_at"), NULL);
        html_open(h, "td", NULL);
        if (current) {
            html_elem(h, "strong", "This session", NULL);
        } else if (id) {
            others++;
            page_form(c, h, arena_printf(c->arena, "/account/security/sessions/%s/revoke",
                                         page_urlencode(c, id)), NULL);
            page_button(h, "Sign out", NULL);
            html_close(h);
        }
        html_close(h);
        html_close(h);
    }
    html_close(h);
    if (others) {
        page_form(c, h, "/account/security/sessions/revoke_others", NULL);
        page_button(h, "Sign out everywhere else", "danger");
        html_close(h);
    }
    html_close(h);
}

static void keys_section(struct ctx *c, struct html *h, const struct shown *s)
{
    html_open(h, "section", "aria-labelledby", "keys-h", NULL);
    html_elem(h, "h2", "API keys", "id", "keys-h", NULL);
    if (s->new_key) {
        html_open(h, "p", "class", "field", NULL);
        html_elem(h, "label", "Your new API key (copy it now: it is shown only once)", "for",
                  "new-key", NULL);
        html_void(h, "input", "type", "text", "id", "new-key", "readonly", "", "value",
                  s->new_key, "class", "key", NULL);
        html_close(h);
    }
    struct page_api_result r;
    if (page_api(c, api_keys_list, NULL, NULL, &r) == 0 &&
        json_object_is_type(r.json, json_type_array)) {
        size_t n = json_object_array_length(r.json);
        if (n == 0)
            html_elem(h, "p", "You have no API key.", NULL);
        else {
            html_open(h, "table", "class", "api-keys", NULL);
            html_open(h, "tr", NULL);
            static const char *const heads[] = { "Name", "Key", "Created", "Expires",
                                                 "Last used", "Endpoints", "" };
            for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++)
                html_elem(h, "th", heads[i], NULL);
            html_close(h);
        }
        for (size_t i = 0; i < n; i++) {
            struct json_object *k = json_object_array_get_idx(r.json, i), *ep;
            html_open(h, "tr", NULL);
            html_elem(h, "td", page_json_str(k, "name"), NULL);
            html_elem(h, "td", arena_printf(c->arena, "%s…", page_json_str(k, "prefix")), NULL);
            html_elem(h, "td", when(c, k, "created_at"), NULL);
            html_elem(h, "td", strcmp(when(c, k, "expires_at"), "-") ? when(c, k, "expires_at")
                                                                     : "never", NULL);
            html_elem(h, "td", strcmp(when(c, k, "last_used_at"), "-")
                                   ? when(c, k, "last_used_at") : "never", NULL);
            const char *eps = "all";
            if (json_object_object_get_ex(k, "endpoints", &ep) && ep) {
                eps = "";
                for (size_t j = 0; j < json_object_array_length(ep); j++)
                    eps = arena_printf(c->arena, "%s%s%s", eps, j ? ", " : "",
                                       json_object_get_string(json_object_array_get_idx(ep, j)));
            }
            html_elem(h, "td", eps, NULL);
            html_open(h, "td", NULL);
            page_form(c, h, arena_printf(c->arena, "/account/security/api-keys/%s/delete",
                                         page_urlencode(c, page_json_str(k, "id"))), NULL);
            page_button(h, "Delete", "danger");
            html_close(h);
            html_close(h);
            html_close(h);
        }
        if (n)
            html_close(h);
    } else {
        page_alert(h, r.error);
    }
    page_form(c, h, "/account/security/api-keys", NULL);
    page_input(h, "Name", "text", "name", NULL, "off");
    page_input(h, "Expires after (days, optional)", "number", "expires_in_days", NULL, "off");
    page_button(h, "Create API key", "primary");
    html_close(h);
    html_close(h);
}

static void render(struct ctx *c, const struct shown *s, int status)
{
    struct html h;
    page_begin(c, &h, "Account security");
    page_alert(&h, s->error);
    page_notice(&h, s->notice);
    mfa_section(c, &h, s);
    sessions_section(c, &h);
    keys_section(c, &h, s);
    page_end(c, &h, status);
}

/* ---- the routes ------------------------------------------------------------------------- */

void page_security_get(struct ctx *c)
{
    static const char *const notices[][2] = {
        { "mfa_off", "Two-factor sign-in is off." },
        { "revoked", "The session was signed out." },
        { "others", "Every other session was signed out." },
        { "key_deleted", "The API key was deleted." },
    };
    struct shown s = { 0 };
    const char *k = request_query(c->req, "done");
    for (size_t i = 0; k && i < sizeof notices / sizeof notices[0]; i++)
        if (strcmp(k, notices[i][0]) == 0)
            s.notice = notices[i][1];
    render(c, &s, 200);
}

/* Runs handler for a post of the security page: on failure the page with the API's text;
 * on success returns the answer (r), or after a redirect to done when done is non-NULL. */
static int post(struct ctx *c, handler_fn handler, const struct form *form,
                struct page_api_result *r, const char *done)
{
    if (page_api(c, handler, form, NULL, r) != 0) {
        struct shown s = { .error = r->error };
        render(c, &s, r->status);
        return -1;
    }
    if (done)
        page_see_other(c, page_url(c, arena_printf(c->arena, "/account/security?done=%s", done)));
    return 0;
}

void page_security_enroll(struct ctx *c)
{
    struct page_api_result r;
    if (post(c, mfa_enroll, &mfa_password_form, &r, NULL) == 0) {
        struct shown s = { .enroll = r.json };
        render(c, &s, 200);   /* the secret is shown in this answer only */
    }
}

void page_security_confirm(struct ctx *c)
{
    struct page_api_result r;
    if (post(c, mfa_confirm, &mfa_code_form, &r, NULL) != 0)
        return;
    struct json_object *codes = NULL;
    json_object_object_get_ex(r.json, "recovery_codes", &codes);
    struct shown s = { .codes = codes, .notice = "Two-factor sign-in is on." };
    render(c, &s, 200);
}

void page_security_regenerate(struct ctx *c)
{
    struct page_api_result r;
    if (post(c, mfa_regenerate, &mfa_password_form, &r, NULL) != 0)
        return;
    struct json_object *codes = NULL;
    json_object_object_get_ex(r.json, "recovery_codes", &codes);
    struct shown s = { .codes = codes, .notice = "New recovery codes: the old ones no longer work." };
    render(c, &s, 200);
}

void page_security_disable(struct ctx *c)
{
    struct page_api_result r;
    post(c, mfa_disable, &mfa_disable_form, &r, "mfa_off");
}

void page_security_revoke(struct ctx *c)
{
    struct page_api_result r;
    post(c, sessions_revoke, NULL, &r, "revoked");
}

void page_security_revoke_others(struct ctx *c)
{
    struct page_api_result r;
    post(c, sessions_revoke_others, NULL, &r, "others");
}

void page_security_key_create(struct ctx *c)
{
    struct page_api_result r;
    if (post(c, api_keys_create, &api_key_create_form, &r, NULL) == 0) {
        struct shown s = { .new_key = page_json_str(r.json, "api_key") };
        render(c, &s, 200);   /* shown once: no redirect */
    }
}

void page_security_key_delete(struct ctx *c)
{
    struct page_api_result r;
    post(c, api_keys_delete, NULL, &r, "key_deleted");
}

/* ---- the admin's user page ------------------------------------------------------------ */

static const char *user_path(struct ctx *c, const char *rest)
{
    return arena_printf(c->arena, "/admin/users/%s%s", page_urlencode(c, c->target_user->id),
                        rest);
}

void page_user_security(struct ctx *c, struct html *h)
{
    html_elem(h, "h2", "Security", NULL);
    struct page_api_result r;
    bool mfa = page_api(c, mfa_admin_status, NULL, NULL, &r) == 0 && flag(r.json, "enabled");
    size_t live = 0;
    if (page_api(c, sessions_admin_list, NULL, NULL, &r) == 0 &&
        json_object_is_type(r.json, json_type_array))
        live = json_object_array_length(r.json);
    html_elem(h, "p", arena_printf(c->arena, "Two-factor sign-in: %s. Live sessions: %zu.",
                                   mfa ? "on" : "off", live), NULL);
    html_open(h, "div", "class", "actions", NULL);
    if (mfa) {
        page_form(c, h, user_path(c, "/mfa/reset"), NULL);
        page_button(h, "Reset two-factor", "danger");
        html_close(h);
    }
    page_form(c, h, user_path(c, "/unlock"), NULL);
    page_button(h, "Unlock", NULL);
    html_close(h);
    page_form(c, h, user_path(c, "/sessions/revoke"), NULL);
    page_button(h, "Sign out everywhere", "danger");
    html_close(h);
    html_close(h);
}

static void admin_post(struct ctx *c, handler_fn handler, const char *done)
{
    struct page_api_result r;
    if (page_api(c, handler, NULL, NULL, &r) != 0) {
        struct html h;
        page_begin(c, &h, "User");
        page_alert(&h, r.error);
        page_end(c, &h, r.status);
        return;
    }
    page_see_other(c, page_url(c, user_path(c, arena_printf(c->arena, "?saved=%s", done))));
}

void page_user_mfa_reset(struct ctx *c)
{
    admin_post(c, mfa_admin_reset, "updated");
}

void page_user_unlock(struct ctx *c)
{
    admin_post(c, security_admin_unlock, "updated");
}

void page_user_sessions_revoke(struct ctx *c)
{
    admin_post(c, sessions_admin_revoke_all, "updated");
}

/* ---- the second step of /login ---------------------------------------------------------- */

void page_login_code_form(struct ctx *c, const char *mfa_token, const char *error, int status)
{
    struct html h;
    page_begin(c, &h, "Two-factor sign-in");
    page_alert(&h, error);
    html_elem(&h, "p", "Enter the six-digit code from your authenticator app, or one of your "
                       "recovery codes.", NULL);
    page_form(c, &h, "/login/mfa", page_next(c));
    html_void(&h, "input", "type", "hidden", "name", "form_token", "value",
              page_form_token(c), NULL);
    html_void(&h, "input", "type", "hidden", "name", "mfa_token", "value", mfa_token, NULL);
    page_input(&h, "Code", "text", "code", NULL, "one-time-code");
    page_button(&h, "Sign in", "primary");
    html_close(&h);
    page_end(c, &h, status);
}

void page_login_mfa_post(struct ctx *c, void (*login_render)(struct ctx *, const char *, int))
{
    struct page_api_result r;
    if (page_api(c, mfa_signin, &mfa_signin_form, NULL, &r) == 0) {
        const char *next = page_next(c);
        page_see_other(c, next ? next : page_url(c, "/account"));
        return;
    }
    const char *token = page_field(c, "mfa_token");
    if (r.status == 400 && token)   /* a wrong code: the same second step again */
        page_login_code_form(c, token, r.error, 400);
    else
        login_render(c, r.error, r.status);
}
