/* CSRF tokens bound to the session (see csrf.h). */
#include "config.h"
#include "usher/csrf.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "usher/arena.h"
#include "usher/crypto.h"
#include "usher/ctx.h"
#include "usher/errors.h"
#include "usher/secret.h"
#include "usher/session.h"
#include "usher/settings.h"

#define CSRF_FIELD "csrf_token"
#define CSRF_HEX 64

/* hex(HMAC-SHA256(secret, "usher-csrf:" + session token)) into out. 0 or -1. */
static int csrf_token_for(struct ctx *c, const char *session_token, char out[CSRF_HEX + 1])
{
    size_t slen;
    const unsigned char *secret = secret_bytes(&slen);
    const char *data = arena_printf(c->arena, "usher-csrf:%s", session_token);
    unsigned char mac[32];
    if (!secret || !hmac_sha256(secret, slen, data, strlen(data), mac))
        return -1;
    for (size_t i = 0; i < sizeof(mac); i++)
        snprintf(out + 2 * i, 3, "%02x", mac[i]);
    return 0;
}

/* POST is the one state-changing method another site can make a browser send without a
 * CORS preflight (a form, or fetch in no-cors mode); PUT, PATCH and DELETE need one. */
static bool cross_site_method(enum http_method m)
{
    return m == HTTP_POST;
}

/* application/json or application/<x>+json, whatever the parameters. */
static bool json_content_type(const char *ct)
{
    if (!ct)
        return false;
    size_t n = strcspn(ct, ";");
    while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
        n--;
    if (n == 16 && strncasecmp(ct, "application/json", 16) == 0)
        return true;
    return n > 17 && strncasecmp(ct, "application/", 12) == 0 &&
           strncasecmp(ct + n - 5, "+json", 5) == 0;
}

int csrf_check(struct ctx *c)
{
    const struct request *r = c->req;
    if (!c->session || !c->session->from_cookie || !cross_site_method(r->method_id) ||
        json_content_type(r->content_type))
        return 0;
    struct json_object *v = NULL;
    const char *field = NULL;
    if (r->fields && json_object_is_type(r->fields, json_type_object) &&
        json_object_object_get_ex(r->fields, CSRF_FIELD, &v) &&
        json_object_is_type(v, json_type_string))
        field = json_object_get_string(v);
    char want[CSRF_HEX + 1];
    if (field && strlen(field) == CSRF_HEX && csrf_token_for(c, c->session->token, want) == 0 &&
        CRYPTO_memcmp(field, want, CSRF_HEX) == 0)
        return 0;
    response_detail(c->res, 403, "CSRF token missing or invalid");
    return -1;
}

/* The length of the host name in "host[:port]" or "[v6]:port" (the port dropped). */
static size_t host_len(const char *h, size_t n)
{
    if (n && h[0] == '[') {
        const char *end = memchr(h, ']', n);
        return end ? (size_t)(end - h) + 1 : n;
    }
    const char *colon = memchr(h, ':', n);
    return colon ? (size_t)(colon - h) : n;
}

/* The Origin "scheme://host[:port]" names the host of the Host header. Ports are left out:
 * Debian's fastcgi_params passes nginx's $host, without one (and a site is not a port). */
static bool origin_is_host(const char *origin, const char *host)
{
    const char *p = strstr(origin, "://");
    if (!p || !host)
        return false;
    p += 3;
    size_t n = strcspn(p, "/");
    if (p[n] != '\0')
        return false;
    size_t a = host_len(p, n), b = host_len(host, strlen(host));
    return a && a == b && strncasecmp(p, host, a) == 0;
}

bool csrf_cross_site(const struct request *r)
{
    const char *site = request_header(r, "Sec-Fetch-Site");
    const char *origin = request_header(r, "Origin");
    return (site && strcasecmp(site, "cross-site") == 0) ||
           (origin && !origin_is_host(origin, r->host));
}

int csrf_check_login(struct ctx *c)
{
    const struct request *r = c->req;
    if (json_content_type(r->content_type) || !csrf_cross_site(r))
        return 0;
    response_detail(c->res, 403, "Cross-site form sign-in and sign-up are refused; send JSON "
                                 "from this site");
    return -1;
}

const char *csrf_issue(struct ctx *c, const char *session_token)
{
    char *tok = arena_alloc(c->arena, CSRF_HEX + 1);
    if (csrf_token_for(c, session_token, tok) != 0)
        return NULL;
    struct cookie_opts o = { .expires = 0, .max_age = -1, .http_only = false,
                             .secure = session_cookie_secure(c), .same_site = "Strict" };
    response_set_cookie(c->res, CSRF_FIELD, tok, &o);
    return tok;
}
