/* The layout every page shares (head, header with navigation and sign-out, main), the form
 * fields, the permission checkboxes, and what app.c calls around a page request. */
#include "config.h"
#include "usher/pages.h"
#include "usher/page.h"

#include <string.h>

#include "usher/arena.h"
#include "usher/config.h"
#include "usher/response.h"
#include "usher/session.h"
#include "usher/user.h"

/* ---- the prefix ---- */

const char *pages_prefix(const struct ctx *c)
{
    return page_prefix(c);
}

bool pages_match(struct ctx *c, const char *path, const char **rest)
{
    if (!c->cfg || !c->cfg->pages || !path)
        return false;
    const char *prefix = page_prefix(c);
    size_t n = strlen(prefix);
    if (strncmp(path, prefix, n) != 0 || (path[n] != '/' && path[n] != '\0'))
        return false;
    *rest = path[n] ? path + n : "/";
    return true;
}

/* ---- the page frame ---- */

static void nav_link(struct ctx *c, struct html *h, const char *rest, const char *text)
{
    html_open(h, "li", NULL);
    const char *here = c->req->path;
    const char *url = page_url(c, rest);
    html_elem(h, "a", text, "href", url, "aria-current",
              here && strcmp(here, url) == 0 ? "page" : NULL, NULL);
    html_close(h);
}

void page_begin(struct ctx *c, struct html *h, const char *title)
{
    html_init(h, c->arena);
    html_doctype(h);
    html_open(h, "html", "lang", "en", NULL);
    html_open(h, "head", NULL);
    html_void(h, "meta", "charset", "utf-8", NULL);
    html_void(h, "meta", "name", "viewport", "content", "width=device-width, initial-scale=1",
              NULL);
    html_elem(h, "title", arena_printf(c->arena, "%s · usher", title), NULL);
    html_void(h, "link", "rel", "stylesheet", "href", page_url(c, "/style.css"), NULL);
    html_close(h);
    html_open(h, "body", NULL);
    html_open(h, "header", NULL);
    html_elem(h, "a", "usher", "class", "brand", "href", page_url(c, "/"), NULL);
    const struct user *me = c->session ? c->session->user : NULL;
    if (me) {
        html_open(h, "nav", "aria-label", "Main", NULL);
        html_open(h, "ul", NULL);
        nav_link(c, h, "/account", "Account");
        if (me->role == ROLE_ADMIN) {
            nav_link(c, h, "/admin/users", "Users");
            nav_link(c, h, "/admin/groups", "Groups");
            nav_link(c, h, "/admin/settings", "Settings");
        }
        html_close(h);
        html_close(h);
        page_form(c, h, "/logout", NULL);
        html_void(h, "input", "type", "submit", "value", "Sign out", "class", "link", NULL);
        html_close(h);
    }
    html_close(h);
    html_open(h, "main", NULL);
    html_elem(h, "h1", title, NULL);
}

void page_end(struct ctx *c, struct html *h, int status)
{
    size_t len;
    const char *body = html_finish(h, &len);
    response_bytes(c->res, status, "text/html", body, len);
}

void page_alert(struct html *h, const char *text)
{
    if (text)
        html_elem(h, "p", text, "class", "alert", "role", "alert", NULL);
}

void page_notice(struct html *h, const char *text)
{
    if (text)
        html_elem(h, "p", text, "class", "notice", "role", "status", NULL);
}

/* ---- forms ---- */

void page_form(struct ctx *c, struct html *h, const char *rest, const char *next)
{
    html_open(h, "form", "method", "post", "action", page_url(c, rest), NULL);
    const char *tok = page_csrf(c);
    if (tok)
        html_void(h, "input", "type", "hidden", "name", "csrf_token", "value", tok, NULL);
    if (next)
        html_void(h, "input", "type", "hidden", "name", "next", "value", next, NULL);
}

/* An id for a field: "f-" + its name (names are the page code's literals). */
static const char *field_id(struct arena *a, const char *name)
{
    char *id = arena_printf(a, "f-%s", name);
    for (char *p = id; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
        else if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
            *p = '-';
    return id;
}

void page_input(struct html *h, const char *label, const char *type, const char *name,
                const char *value, const char *autocomplete)
{
    const char *id = field_id(h->arena, name);
    html_open(h, "p", "class", "field", NULL);
    html_elem(h, "label", label, "for", id, NULL);
    html_void(h, "input", "type", type, "name", name, "id", id, "value", value,
              "autocomplete", autocomplete, NULL);
    html_close(h);
}

void page_textarea(struct html *h, const char *label, const char *name, const char *value)
{
    const char *id = field_id(h->arena, name);
    html_open(h, "p", "class", "field", NULL);
    html_elem(h, "label", label, "for", id, NULL);
    html_elem(h, "textarea", value ? value : "", "name", name, "id", id, "rows", "4", NULL);
    html_close(h);
}

void page_checkbox(struct html *h, const char *label, const char *name, bool checked)
{
    const char *id = field_id(h->arena, name);
    html_open(h, "p", "class", "check", NULL);
    html_void(h, "input", "type", "checkbox", "name", name, "id", id, "value", "true",
              "checked", checked ? "" : NULL, NULL);
    html_elem(h, "label", label, "for", id, NULL);
    html_close(h);
}

void page_select(struct html *h, const char *label, const char *name,
                 const char *const (*options)[2], size_t n, const char *selected)
{
    const char *id = field_id(h->arena, name);
    html_open(h, "p", "class", "field", NULL);
    html_elem(h, "label", label, "for", id, NULL);
    html_open(h, "select", "name", name, "id", id, NULL);
    for (size_t i = 0; i < n; i++)
        html_elem(h, "option", options[i][1], "value", options[i][0], "selected",
                  selected && strcmp(selected, options[i][0]) == 0 ? "" : NULL, NULL);
    html_close(h);
    html_close(h);
}

void page_button(struct html *h, const char *text, const char *cls)
{
    html_elem(h, "button", text, "type", "submit", "class", cls, NULL);
}

const char *page_value(const struct ctx *c, const char *failed_form, const char *form,
                       const char *name, const char *fallback)
{
    if (failed_form && form && strcmp(failed_form, form) == 0) {
        const char *typed = page_field(c, name);
        return typed ? typed : "";
    }
    return fallback;
}

/* ---- permissions ---- */

void page_permissions(struct ctx *c, struct html *h, struct json_object *keys,
                      struct json_object *tree, bool disabled)
{
    if (!keys || !json_object_is_type(keys, json_type_object))
        return;
    json_object_object_foreach(keys, section, sk) {
        if (!json_object_is_type(sk, json_type_object))
            continue;
        struct json_object *st = NULL;
        if (tree && json_object_is_type(tree, json_type_object))
            json_object_object_get_ex(tree, section, &st);
        html_open(h, "fieldset", "class", "perms", NULL);
        html_elem(h, "legend", section, NULL);
        json_object_object_foreach(sk, key, kv) {
            if (!json_object_is_type(kv, json_type_boolean))
                continue;
            struct json_object *tv = NULL;
            bool on = st && json_object_is_type(st, json_type_object) &&
                      json_object_object_get_ex(st, key, &tv) && json_object_get_boolean(tv);
            const char *name = arena_printf(c->arena, "perm.%s.%s", section, key);
            const char *id = field_id(c->arena, name);
            html_open(h, "p", "class", "check", NULL);
            html_void(h, "input", "type", "checkbox", "name", name, "id", id, "value", "true",
                      "checked", on ? "" : NULL, "disabled", disabled ? "" : NULL, NULL);
            html_elem(h, "label", key, "for", id, NULL);
            html_close(h);
        }
        html_close(h);
    }
}

struct json_object *page_permissions_posted(struct ctx *c, struct json_object *keys)
{
    struct json_object *tree = json_object_new_object();
    if (!keys || !json_object_is_type(keys, json_type_object))
        return tree;
    json_object_object_foreach(keys, section, sk) {
        if (!json_object_is_type(sk, json_type_object))
            continue;
        struct json_object *out = json_object_new_object();
        json_object_object_foreach(sk, key, kv) {
            if (!json_object_is_type(kv, json_type_boolean)) {
                json_object_object_add(out, key, json_object_get(kv));
                continue;
            }
            const char *name = arena_printf(c->arena, "perm.%s.%s", section, key);
            json_object_object_add(out, key, json_object_new_boolean(page_field(c, name) != NULL));
        }
        json_object_object_add(tree, section, out);
    }
    return tree;
}

/* ---- around every page request ---- */

void page_home(struct ctx *c)
{
    page_see_other(c, page_url(c, c->session ? "/account" : "/login"));
}

void page_style(struct ctx *c)
{
    response_bytes(c->res, 200, "text/css", page_stylesheet,
                   strlen(page_stylesheet));
    c->res->no_store = false;
    response_header(c->res, "Cache-Control", "max-age=3600");
}

static bool is_json(const struct response *res)
{
    return res->content_type && strncmp(res->content_type, "application/json", 16) == 0;
}

/* Empties the response for an HTML answer, keeping the cookies and Retry-After the
 * pipeline set. */
static void reset_keeping_cookies(struct ctx *c)
{
    struct response *res = c->res;
    struct header cookies[RESPONSE_MAX_HEADERS];
    size_t n = 0;
    for (size_t i = 0; i < res->nheaders; i++)
        if (strcmp(res->headers[i].name, "Set-Cookie") == 0 ||
            strcmp(res->headers[i].name, "Retry-After") == 0)
            cookies[n++] = res->headers[i];
    response_init(res, c->arena);
    res->no_store = true;
    for (size_t i = 0; i < n; i++)
        response_header(res, cookies[i].name, cookies[i].value);
}

void pages_finish(struct ctx *c)
{
    if (c->form_errors) {
        json_object_put(c->form_errors);
        c->form_errors = NULL;
    }
    struct response *res = c->res;
    if (is_json(res)) {
        struct json_object *body = res->body ? json_tokener_parse(res->body) : NULL;
        page_keep(body);
        struct json_object *d;
        const char *text = body && json_object_object_get_ex(body, "detail", &d) &&
                                   json_object_is_type(d, json_type_string)
                               ? json_object_get_string(d)
                               : response_reason(res->status);
        int status = res->status;
        bool wants_page = c->req->method_id == HTTP_GET || c->req->method_id == HTTP_HEAD;
        if (status == 401 && !c->session && wants_page) {
            /* not signed in: to the sign-in page, back here afterwards */
            const char *here = c->req->query_string && c->req->query_string[0]
                                   ? arena_printf(c->arena, "%s?%s", c->req->path,
                                                  c->req->query_string)
                                   : c->req->path;
            reset_keeping_cookies(c);
            page_see_other(c, arena_printf(c->arena, "%s?next=%s", page_url(c, "/login"),
                                           page_urlencode(c, here)));
        } else {
            reset_keeping_cookies(c);
            struct html h;
            page_begin(c, &h, status == 404 ? "Not found" : "Refused");
            page_alert(&h, text);
            html_open(&h, "p", NULL);
            html_elem(&h, "a", "Back to the start", "href", page_url(c, "/"), NULL);
            html_close(&h);
            page_end(c, &h, status);
        }
    }
    response_header(res, "Content-Security-Policy", "default-src 'self'");
    response_header(res, "X-Frame-Options", "DENY");
    response_header(res, "Referrer-Policy", "same-origin");
    response_header(res, "X-Content-Type-Options", "nosniff");
    page_release();
}
