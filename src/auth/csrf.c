/* CSRF tokens bound to the session (see csrf.h). */
#include "config.h"
#include "usher/csrf.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "usher/arena.h"
#include "usher/config.h"
#include "usher/crypto.h"
#include "usher/ctx.h"
#include "usher/errors.h"
#include "usher/request.h"
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
    if (!csrf_same_origin(c)) {
        response_detail(c->res, 403, "CSRF token missing or invalid");
        return -1;
    }
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

/* The last comma-separated value of a header a trusted proxy appended to (NULL when absent),
 * copied into buf without surrounding blanks. */
static const char *last_value(const char *v, char *buf, size_t len)
{
    if (!v)
        return NULL;
    const char *comma = strrchr(v, ',');
    const char *p = comma ? comma + 1 : v;
    while (*p == ' ' || *p == '\t')
        p++;
    size_t n = strcspn(p, " \t");
    if (n == 0 || n >= len)
        return NULL;
    memcpy(buf, p, n);
    buf[n] = '\0';
    return buf;
}

/* Origin's host[:port] against the request's Host and port. Debian's fastcgi_params
 * passes HTTP_HOST as nginx's $host, without the port: then the port is the one the
 * client connected to: SERVER_PORT, or behind a trusted TLS-terminating proxy its
 * X-Forwarded-Port (else the scheme's default), since SERVER_PORT is then the web
 * server's own plain port. */
static bool origin_is_here(const struct ctx *c, const char *hostport, bool https,
                           bool forwarded)
{
    const struct request *r = c->req;
    const char *host = r->host;
    if (!host)
        return false;
    if (strchr(host, ':') && host[0] != '[')
        return strcasecmp(hostport, host) == 0;
    const char *colon = strrchr(hostport, ':');
    if (colon && strchr(colon, ']'))
        colon = NULL;   /* an IPv6 literal without a port */
    size_t hn = colon ? (size_t)(colon - hostport) : strlen(hostport);
    if (hn != strlen(host) || strncasecmp(hostport, host, hn) != 0)
        return false;
    const char *port = colon ? colon + 1 : https ? "443" : "80";
    char fwd[16];
    const char *server_port = forwarded
        ? last_value(request_header(r, "X-Forwarded-Port"), fwd, sizeof fwd)
        : request_env(r, "SERVER_PORT");
    if (forwarded && !server_port)
        server_port = https ? "443" : "80";
    return !server_port || strcmp(port, server_port) == 0;
}

bool csrf_same_origin(const struct ctx *c)
{
    const struct request *r = c->req;
    const char *site = request_header(r, "Sec-Fetch-Site");
    if (site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)
        return false;
    const char *origin = request_header(r, "Origin");
    if (!origin)
        return true;
    const char *trusted = c->cfg ? c->cfg->trusted_proxies : NULL;
    bool https = request_is_https(r, trusted);
    /* HTTPS seen only through a trusted proxy's X-Forwarded-Proto: the client's port is
     * the proxy's, not this server's. */
    bool forwarded = https && !(r->https && strcasecmp(r->https, "off") != 0);
    const char *scheme = https ? "https://" : "http://";
    size_t sl = strlen(scheme);
    return strncasecmp(origin, scheme, sl) == 0 && origin_is_here(c, origin + sl, https, forwarded);
}

int csrf_check_login(struct ctx *c)
{
    const struct request *r = c->req;
    if (json_content_type(r->content_type))
        return 0;
    if (csrf_same_origin(c))
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
