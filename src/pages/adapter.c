/* What every page shares besides its HTML: the adapter that runs an API handler for a page
 * (one source of truth: the page shows what the API answered), the redirects, and the
 * checks of a form post (see page.h). */
#include "config.h"
#include "usher/page.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "usher/api_common.h"
#include "usher/arena.h"
#include "usher/config.h"
#include "usher/crypto.h"
#include "usher/csrf.h"
#include "usher/fields.h"
#include "usher/log.h"
#include "usher/secret.h"
#include "usher/session.h"
#include "usher/settings.h"

/* ---- what a request's pages hold until pages_finish ---- */

static struct json_object **kept;
static size_t nkept, capkept;
static const char *csrf_cached;

struct json_object *page_keep(struct json_object *o)
{
    if (!o)
        return o;
    if (nkept == capkept) {
        size_t cap = capkept ? capkept * 2 : 16;
        struct json_object **k = realloc(kept, cap * sizeof(*k));
        if (!k) {
            log_error("pages: out of memory");
            abort();
        }
        kept = k;
        capkept = cap;
    }
    kept[nkept++] = o;
    return o;
}

void page_release(void)
{
    for (size_t i = 0; i < nkept; i++)
        json_object_put(kept[i]);
    nkept = 0;
    csrf_cached = NULL;
}

const char *page_json_str(struct json_object *o, const char *name)
{
    struct json_object *v;
    if (o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, name, &v) &&
        json_object_is_type(v, json_type_string))
        return json_object_get_string(v);
    return NULL;
}

const char *page_field(const struct ctx *c, const char *name)
{
    return page_json_str(c->req->fields, name);
}

/* ---- the adapter ---- */

/* The API's text for a failed answer: "detail" as a string, or the first item of a 422
 * list as "<field>: <msg>". */
static const char *error_text(struct ctx *c, struct json_object *body, int status)
{
    struct json_object *d;
    if (body && json_object_is_type(body, json_type_object) &&
        json_object_object_get_ex(body, "detail", &d)) {
        if (json_object_is_type(d, json_type_string))
            return json_object_get_string(d);
        if (json_object_is_type(d, json_type_array) && json_object_array_length(d) > 0) {
            struct json_object *item = json_object_array_get_idx(d, 0), *loc;
            const char *msg = page_json_str(item, "msg");
            const char *field = NULL;
            if (json_object_object_get_ex(item, "loc", &loc) &&
                json_object_is_type(loc, json_type_array) && json_object_array_length(loc) > 1) {
                struct json_object *last =
                    json_object_array_get_idx(loc, json_object_array_length(loc) - 1);
                if (json_object_is_type(last, json_type_string))
                    field = json_object_get_string(last);
            }
            if (msg)
                return field ? arena_printf(c->arena, "%s: %s", field, msg) : msg;
        }
    }
    return response_reason(status);
}

int page_api(struct ctx *c, handler_fn handler, const struct form *form,
             struct json_object *fields, struct page_api_result *r)
{
    /* A state-changing call from a page posted by another site changes nothing (the CSRF
     * token has been checked by then for cookie sessions; this also covers a leaked one). */
    if (c->req->method_id == HTTP_POST && !csrf_same_origin(c)) {
        if (fields)
            page_keep(fields);
        r->status = 403;
        r->json = NULL;
        r->error = "CSRF token missing or invalid";
        return -1;
    }
    struct response scratch;
    response_init(&scratch, c->arena);
    struct response *real = c->res;
    struct json_object *saved_fields = c->req->fields;
    const struct field_value *saved_v = c->v;
    if (fields)
        c->req->fields = page_keep(fields);
    c->res = &scratch;
    bool run = true;
    /* The route's own form on the request's own body was parsed once by app.c: its values
     * are c->v, or its 422 is c->form_errors. Another form (or other fields) is parsed here. */
    const struct route *route = c->match ? c->match->route : NULL;
    if (form && !fields && route && route->form == form) {
        if (c->form_errors) {
            response_validation(&scratch, json_object_get(c->form_errors));
            run = false;
        }
    } else if (form) {
        struct field_value *v = arena_calloc(c->arena, form->n ? form->n : 1, sizeof(*v));
        if (api_parse_form(c, form->fields, form->n, form->forbid_extra, v) != 0)
            run = false;
        else
            c->v = v;
    } else {
        c->v = NULL;
    }
    if (run)
        handler(c);
    c->res = real;
    c->req->fields = saved_fields;
    c->v = saved_v;
    for (size_t i = 0; i < scratch.nheaders; i++)
        if (strcasecmp(scratch.headers[i].name, "Set-Cookie") == 0)
            response_header(real, "Set-Cookie", scratch.headers[i].value);
    r->status = scratch.status ? scratch.status : 500;
    r->json = NULL;
    r->error = NULL;
    if (scratch.body && scratch.content_type &&
        strncmp(scratch.content_type, "application/json", 16) == 0)
        r->json = page_keep(json_tokener_parse(scratch.body));
    if (r->status >= 200 && r->status <= 299)
        return 0;
    r->error = error_text(c, r->json, r->status);
    return -1;
}

/* ---- redirects ---- */

const char *page_prefix(const struct ctx *c)
{
    const char *p = c->cfg && c->cfg->pages_prefix ? c->cfg->pages_prefix : "/usher/";
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        n--;
    if (n == 1)   /* "/" itself: the pages own the whole site */
        return "";
    return arena_strndup(c->arena, p, n);
}

const char *page_url(struct ctx *c, const char *rest)
{
    return arena_printf(c->arena, "%s%s", page_prefix(c), rest);
}

const char *page_urlencode(struct ctx *c, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = arena_alloc(c->arena, strlen(s) * 3 + 1), *o = out;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~/", *p)) {
            *o++ = (char)*p;
        } else {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        }
    }
    *o = '\0';
    return out;
}

void page_see_other(struct ctx *c, const char *location)
{
    c->res->body = "";
    c->res->body_len = 0;
    c->res->content_type = NULL;
    response_redirect(c->res, 303, location);
}

const char *page_next(struct ctx *c)
{
    const char *next = page_field(c, "next");
    if (!next)
        next = request_query(c->req, "next");
    const char *prefix = page_prefix(c);
    size_t n = strlen(prefix);
    if (!next || !response_local_path(next) || strncmp(next, prefix, n) != 0 || next[n] != '/')
        return NULL;
    return next;
}

/* ---- checks of a form post ---- */

#define FORM_COOKIE "usher_form"

/* hex(HMAC(secret, "usher-form:" + nonce)) into out; false when there is no secret. */
static bool form_token_for(struct ctx *c, const char *nonce, char out[65])
{
    size_t slen;
    const unsigned char *secret = secret_bytes(&slen);
    const char *data = arena_printf(c->arena, "usher-form:%s", nonce);
    unsigned char mac[32];
    if (!secret || !hmac_sha256(secret, slen, data, strlen(data), mac))
        return false;
    for (size_t i = 0; i < sizeof(mac); i++)
        snprintf(out + 2 * i, 3, "%02x", mac[i]);
    return true;
}

static bool nonce_ok(const char *n)
{
    if (!n || strlen(n) != 32)
        return false;
    for (const char *p = n; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

const char *page_form_token(struct ctx *c)
{
    const char *nonce = request_cookie(c->req, FORM_COOKIE);
    if (!nonce_ok(nonce)) {
        unsigned char raw[16];
        if (RAND_bytes(raw, sizeof(raw)) != 1)
            return NULL;
        char *hex = arena_alloc(c->arena, 33);
        for (size_t i = 0; i < sizeof(raw); i++)
            snprintf(hex + 2 * i, 3, "%02x", raw[i]);
        nonce = hex;
        struct cookie_opts o = { .max_age = -1, .http_only = true,
                                 .secure = session_cookie_secure(c),
                                 .same_site = "Strict", .path = page_url(c, "/") };
        response_set_cookie(c->res, FORM_COOKIE, nonce, &o);
    }
    char *tok = arena_alloc(c->arena, 65);
    return form_token_for(c, nonce, tok) ? tok : NULL;
}

bool page_form_token_ok(struct ctx *c)
{
    const char *nonce = request_cookie(c->req, FORM_COOKIE);
    const char *field = page_field(c, "form_token");
    char want[65];
    return nonce_ok(nonce) && field && strlen(field) == 64 && form_token_for(c, nonce, want) &&
           CRYPTO_memcmp(field, want, 64) == 0;
}

const char *page_csrf(struct ctx *c)
{
    if (!c->session || !c->session->from_cookie)
        return NULL;
    if (!csrf_cached)
        csrf_cached = csrf_issue(c, c->session->token);
    return csrf_cached;
}
