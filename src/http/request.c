/* One request from the FastCGI params and body: the only place that reads CGI variables. */
#include "config.h"

#include "usher/request.h"
#include "usher/arena.h"
#include "usher/encoding.h"
#include "usher/utf8.h"
#include "usher/form.h"
#include "usher/multipart.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Levels of objects/arrays a JSON body may nest: one under MariaDB's limit for a JSON
 * column (32, which its JSON_VALID check refuses), so a body stored as it came (settings,
 * info) never reaches the database deeper than it takes. */
#define JSON_MAX_DEPTH 31
#define MULTIPART_MAX_PART (1024 * 1024)

static const char *env_get(char *const *envp, const char *name)
{
    if (!envp || !name)
        return NULL;
    size_t n = strlen(name);
    for (char *const *e = envp; *e; e++)
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
            return *e + n + 1;
    return NULL;
}

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* ---- path ---------------------------------------------------------------------------- */

/* A decoded path must be a C string of UTF-8 that starts with '/' and has no ".." segment
 * (a handler or a log reader must never see a path that climbs). */
static bool path_acceptable(const char *path, size_t len)
{
    if (len == 0 || path[0] != '/' || memchr(path, '\0', len) || !utf8_valid(path, len))
        return false;
    for (size_t i = 0; i < len; i++) {
        if (path[i] != '/')
            continue;
        size_t seg = i + 1, segend = seg;
        while (segend < len && path[segend] != '/')
            segend++;
        if (segend - seg == 2 && path[seg] == '.' && path[seg + 1] == '.')
            return false;
    }
    return true;
}

static int init_path(struct request *r, struct http_error *err)
{
    const char *uri = env_get(r->envp, "REQUEST_URI");
    if (uri && *uri) {
        /* An absolute-form target ("http://host/p", RFC 7230 5.3.2) keeps only its path. */
        if (strncasecmp(uri, "http://", 7) == 0 || strncasecmp(uri, "https://", 8) == 0) {
            const char *slash = strchr(strstr(uri, "//") + 2, '/');
            uri = slash ? slash : "/";
        }
        size_t len = strcspn(uri, "?#");
        char *path = arena_alloc(r->arena, len + 1);
        long n = percent_decode(uri, len, path, false);
        if (n < 0 || !path_acceptable(path, (size_t)n)) {
            http_error_set(err, 400, "", "Invalid path");
            return -1;
        }
        r->path = path;
        return 0;
    }
    /* Without REQUEST_URI the server's own variables are used; these are already decoded
     * (nginx's $document_uri; CGI's SCRIPT_NAME/PATH_INFO, RFC 3875), so they are not
     * decoded a second time. */
    const char *path = env_get(r->envp, "DOCUMENT_URI");
    if (!path || !*path) {
        const char *script = env_get(r->envp, "SCRIPT_NAME");
        const char *info = env_get(r->envp, "PATH_INFO");
        path = arena_printf(r->arena, "%s%s", script ? script : "", info ? info : "");
    }
    if (!path_acceptable(path, strlen(path))) {
        http_error_set(err, 400, "", "Invalid path");
        return -1;
    }
    r->path = path;
    return 0;
}

/* ---- query ----------------------------------------------------------------------------- */

static int init_query(struct request *r, struct http_error *err)
{
    const char *qs = env_get(r->envp, "QUERY_STRING");
    r->query_string = qs ? qs : "";
    size_t len = strlen(r->query_string);
    if (len == 0)
        return 0;

    size_t max = 1;
    for (const char *p = r->query_string; *p; p++)
        max += *p == '&';
    r->query = arena_calloc(r->arena, max, sizeof(*r->query));

    const char *p = r->query_string, *end = p + len;
    while (p < end) {
        const char *pair_end = p + strcspn(p, "&");
        if (pair_end > p) {
            const char *eq = memchr(p, '=', (size_t)(pair_end - p));
            const char *name_end = eq ? eq : pair_end;
            const char *vstart = eq ? eq + 1 : pair_end;
            size_t nraw = (size_t)(name_end - p), vraw = (size_t)(pair_end - vstart);
            char *name = arena_alloc(r->arena, nraw + 1);
            char *value = arena_alloc(r->arena, vraw + 1);
            long nlen = percent_decode(p, nraw, name, true);
            long vlen = percent_decode(vstart, vraw, value, true);
            if (nlen < 0 || vlen < 0
                || memchr(name, '\0', (size_t)nlen) || memchr(value, '\0', (size_t)vlen)
                || !utf8_valid(name, (size_t)nlen) || !utf8_valid(value, (size_t)vlen)) {
                http_error_set(err, 400, "", "Invalid query string");
                return -1;
            }
            struct param *q = &r->query[r->nquery++];
            q->name = name;
            q->value = value;
            q->value_len = (size_t)vlen;
        }
        p = *pair_end ? pair_end + 1 : end;
    }
    return 0;
}

/* ---- cookies --------------------------------------------------------------------------- */

/* "a=b; c=\"d\"" as RFC 6265 section 5.2 reads it: pairs split on ';', name and value
 * trimmed, one pair of surrounding quotes removed, no percent-decoding. Pairs without '=',
 * with an empty name, or that are not UTF-8 are skipped. */
static void init_cookies(struct request *r)
{
    const char *h = env_get(r->envp, "HTTP_COOKIE");
    if (!h || !*h)
        return;
    size_t max = 1;
    for (const char *p = h; *p; p++)
        max += *p == ';';
    r->cookies = arena_calloc(r->arena, max, sizeof(*r->cookies));

    const char *p = h;
    while (*p) {
        const char *pair_end = p + strcspn(p, ";");
        const char *eq = memchr(p, '=', (size_t)(pair_end - p));
        if (eq) {
            const char *n = p, *ne = eq, *v = eq + 1, *ve = pair_end;
            while (n < ne && is_ows(*n))
                n++;
            while (ne > n && is_ows(ne[-1]))
                ne--;
            while (v < ve && is_ows(*v))
                v++;
            while (ve > v && is_ows(ve[-1]))
                ve--;
            if (ve - v >= 2 && *v == '"' && ve[-1] == '"') {
                v++;
                ve--;
            }
            size_t nlen = (size_t)(ne - n), vlen = (size_t)(ve - v);
            if (nlen > 0 && utf8_valid(n, nlen) && utf8_valid(v, vlen)) {
                struct param *c = &r->cookies[r->ncookies++];
                c->name = arena_strndup(r->arena, n, nlen);
                c->value = arena_strndup(r->arena, v, vlen);
                c->value_len = vlen;
            }
        }
        p = *pair_end ? pair_end + 1 : pair_end;
    }
}

/* ---- request_init ---------------------------------------------------------------------- */

/* CONTENT_LENGTH: digits only; empty means absent (nginx passes an empty value). */
static int parse_content_length(const char *s, size_t *out)
{
    *out = 0;
    if (!s || !*s)
        return 0;
    size_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        unsigned d = (unsigned)(*s - '0');
        if (v > (SIZE_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

static const char *const method_names[] = {
    [HTTP_GET] = "GET", [HTTP_HEAD] = "HEAD", [HTTP_POST] = "POST", [HTTP_PUT] = "PUT",
    [HTTP_PATCH] = "PATCH", [HTTP_DELETE] = "DELETE", [HTTP_OPTIONS] = "OPTIONS",
    [HTTP_OTHER] = "OTHER",
};

enum http_method http_method_parse(const char *name)
{
    for (size_t i = 0; i < HTTP_OTHER; i++)
        if (strcmp(name, method_names[i]) == 0)
            return (enum http_method)i;
    return HTTP_OTHER;
}

const char *http_method_name(enum http_method m)
{
    return method_names[m];
}

int request_init(struct request *r, struct arena *a, char *const *envp, struct http_error *err)
{
    memset(r, 0, sizeof(*r));
    r->arena = a;
    r->envp = envp;
    r->body_kind = BODY_NONE;

    const char *method = env_get(envp, "REQUEST_METHOD");
    r->method = method && *method ? method : "GET";   /* CGI: a server always sets it */
    r->method_id = http_method_parse(r->method);
    r->authorization = env_get(envp, "HTTP_AUTHORIZATION");
    r->content_type = env_get(envp, "CONTENT_TYPE");
    r->accept = env_get(envp, "HTTP_ACCEPT");
    r->host = env_get(envp, "HTTP_HOST");
    r->remote_addr = env_get(envp, "REMOTE_ADDR");
    r->https = env_get(envp, "HTTPS");
    if (r->content_type && !*r->content_type)
        r->content_type = NULL;     /* nginx passes CONTENT_TYPE "" when there is none */
    if (r->https && !*r->https)
        r->https = NULL;

    if (parse_content_length(env_get(envp, "CONTENT_LENGTH"), &r->content_length) < 0) {
        http_error_set(err, 400, "", "Invalid Content-Length");
        return -1;
    }
    if (init_path(r, err) < 0 || init_query(r, err) < 0)
        return -1;
    init_cookies(r);
    return 0;
}

/* ---- body ------------------------------------------------------------------------------ */

/* Reads until end of input or until `want` bytes are in, into a malloc'd buffer that grows
 * as data comes. Returns the buffer (the caller frees it) with *got set; *failed is set on a
 * read error. */
static char *read_upto(body_read_fn read_fn, void *ctx, size_t want, size_t *got, bool *failed)
{
    char *buf = NULL;
    size_t cap = 0, len = 0;
    *failed = false;
    while (len < want) {
        if (len == cap) {
            size_t ncap = cap == 0 ? 4096 : cap > want / 2 ? want : cap * 2;
            if (ncap > want)
                ncap = want;
            char *nb = realloc(buf, ncap);
            if (!nb)
                abort();    /* as arena_alloc does: the master replaces the worker */
            buf = nb;
            cap = ncap;
        }
        long n = read_fn(ctx, buf + len, cap - len);
        if (n < 0 || (size_t)n > cap - len) {
            *failed = true;
            break;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    *got = len;
    return buf;
}

int request_read_body(struct request *r, body_read_fn read_fn, void *ctx, size_t max,
                      struct http_error *err)
{
    static const char too_large[] = "Request body too large";
    r->body = NULL;
    r->body_len = 0;
    if (r->content_length > max) {
        http_error_set(err, 413, "", too_large);
        return -1;
    }
    /* With a CONTENT_LENGTH exactly that much is read; without one, up to max+1 bytes so a
     * longer body is noticed. */
    bool known = r->content_length > 0;
    size_t want = known ? r->content_length : (max < SIZE_MAX ? max + 1 : max);
    size_t got = 0;
    bool failed;
    char *buf = read_upto(read_fn, ctx, want, &got, &failed);
    int rc = 0;
    if (failed) {
        http_error_set(err, 400, "", "Error reading request body");
        rc = -1;
    } else if (known && got < want) {
        http_error_set(err, 400, "", "Incomplete request body");
        rc = -1;
    } else if (got > max) {
        http_error_set(err, 413, "", too_large);
        rc = -1;
    } else if (got > 0) {
        request_set_body(r, buf, got);
    }
    free(buf);
    return rc;
}

void request_set_body(struct request *r, const char *body, size_t len)
{
    if (!body || len == 0) {
        r->body = NULL;
        r->body_len = 0;
        return;
    }
    r->body = arena_strndup(r->arena, body, len);
    r->body_len = len;
}

/* Compares Content-Type's media type (before any ';', trimmed) with type, ignoring case. */
static bool media_type_is(const char *ct, const char *type)
{
    if (!ct)
        return false;
    while (is_ows(*ct))
        ct++;
    size_t len = strcspn(ct, ";");
    while (len > 0 && is_ows(ct[len - 1]))
        len--;
    return len == strlen(type) && strncasecmp(ct, type, len) == 0;
}

/* application/json or application/<anything>+json, as FastAPI decides. */
static bool media_type_is_json(const char *ct)
{
    while (is_ows(*ct))
        ct++;
    size_t len = strcspn(ct, ";");
    while (len > 0 && is_ows(ct[len - 1]))
        len--;
    if (len < 12 || strncasecmp(ct, "application/", 12) != 0)
        return false;
    const char *sub = ct + 12;
    size_t slen = len - 12;
    return (slen == 4 && strncasecmp(sub, "json", 4) == 0)
        || (slen > 5 && strncasecmp(sub + slen - 5, "+json", 5) == 0);
}

int request_parse_body(struct request *r, struct http_error *err)
{
    json_object_put(r->fields);
    r->fields = NULL;
    r->body_kind = BODY_NONE;

    bool blank = true;
    for (size_t i = 0; i < r->body_len && blank; i++)
        blank = r->body[i] == ' ' || r->body[i] == '\t' || r->body[i] == '\n' || r->body[i] == '\r';
    if (!r->body || blank)
        return 0;

    const char *ct = r->content_type;
    /* No Content-Type: FastAPI reads the body as JSON, so do we. */
    if (!ct || media_type_is_json(ct)) {
        int is_null = 0;
        r->fields = form_parse_json(r->body, r->body_len, JSON_MAX_DEPTH, &is_null, err);
        if (!r->fields && !is_null)
            return -1;
        r->body_kind = BODY_JSON;
        return 0;
    }
    if (media_type_is(ct, "application/x-www-form-urlencoded"))
        r->fields = form_parse_urlencoded(r->body, r->body_len, err);
    else if (media_type_is(ct, "multipart/form-data"))
        r->fields = form_parse_multipart(ct, r->body, r->body_len, MULTIPART_MAX_PART, err);
    else {
        http_error_set(err, 415, "", "Unsupported Media Type");
        return -1;
    }
    if (!r->fields)
        return -1;
    r->body_kind = BODY_FORM;
    return 0;
}

void request_release(struct request *r)
{
    json_object_put(r->fields);
    r->fields = NULL;
}

/* ---- lookups --------------------------------------------------------------------------- */

const char *request_header(const struct request *r, const char *name)
{
    if (!name)
        return NULL;
    /* CGI passes these two without the HTTP_ prefix. */
    if (strcasecmp(name, "Content-Type") == 0)
        return r->content_type;     /* NULL, not "", when nginx sent an empty one */
    if (strcasecmp(name, "Content-Length") == 0)
        return env_get(r->envp, "CONTENT_LENGTH");
    size_t n = strlen(name);
    if (n == 0 || !r->envp)
        return NULL;
    for (char *const *e = r->envp; *e; e++) {
        const char *v = *e;
        if (strncmp(v, "HTTP_", 5) != 0)
            continue;
        v += 5;
        size_t i = 0;
        for (; i < n; i++) {
            char want = name[i] == '-' ? '_' : (char)toupper((unsigned char)name[i]);
            if (v[i] != want)
                break;
        }
        if (i == n && v[n] == '=')
            return v + n + 1;
    }
    return NULL;
}

static const char *param_find(const struct param *params, size_t n, const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(params[i].name, name) == 0)
            return params[i].value;
    return NULL;
}

const char *request_query(const struct request *r, const char *name)
{
    return param_find(r->query, r->nquery, name);
}

const char *request_cookie(const struct request *r, const char *name)
{
    /* The first of several same-named cookies wins: browsers send the most specific
     * (longest path) first (RFC 6265 5.4). */
    return param_find(r->cookies, r->ncookies, name);
}

const char *request_env(const struct request *r, const char *name)
{
    return env_get(r->envp, name);
}

bool request_is_browser_form(const struct request *r)
{
    if (!r->accept || !strcasestr(r->accept, "text/html"))
        return false;
    return media_type_is(r->content_type, "application/x-www-form-urlencoded")
        || media_type_is(r->content_type, "multipart/form-data");
}

bool request_from_trusted_proxy(const struct request *r, const char *trusted_proxies)
{
    const char *addr = r->remote_addr;
    if (!addr || !*addr)
        return false;
    size_t len = strlen(addr);
    for (const char *p = trusted_proxies; p && *p;) {
        while (*p == ',' || *p == ' ')
            p++;
        size_t n = strcspn(p, ", ");
        if (n == len && n && strncmp(p, addr, n) == 0)
            return true;
        p += n;
    }
    return false;
}

bool request_is_https(const struct request *r, const char *trusted_proxies)
{
    if (r->https)
        return strcasecmp(r->https, "off") != 0;
    const char *proto = request_header(r, "X-Forwarded-Proto");
    if (!proto || !request_from_trusted_proxy(r, trusted_proxies))
        return false;
    const char *last = strrchr(proto, ',');
    last = last ? last + 1 : proto;
    last += strspn(last, " \t");
    size_t n = strcspn(last, " \t");
    const char *rest = last + n + strspn(last + n, " \t");
    return n == 5 && strncasecmp(last, "https", 5) == 0 && *rest == '\0';
}
