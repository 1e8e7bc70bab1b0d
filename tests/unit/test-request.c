/* request_init (path, query, cookies, headers), request_read_body and request_parse_body
 * (JSON and urlencoded; multipart has its own test): table-driven. */
#include "config.h"

#include "tap.h"
#include "usher/arena.h"
#include "usher/form.h"
#include "usher/request.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof(*(a)))

static struct arena *A;

/* A NULL-terminated envp in the arena from "NAME=value" strings (up to 8). */
static char **mkenv(const char *const *vars)
{
    char **env = arena_calloc(A, 9, sizeof(*env));
    for (size_t i = 0; i < 8 && vars[i]; i++)
        env[i] = arena_strdup(A, vars[i]);
    return env;
}

static const char *plain(struct json_object *o)
{
    return o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN
                                                 | JSON_C_TO_STRING_NOSLASHESCAPE)
             : NULL;
}

/* Printable ASCII copy of s[0..len) for test names (TAP lines must not break). */
static const char *show(const char *s, size_t len)
{
    char *out = arena_alloc(A, len * 4 + 1), *o = out;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c >= 0x7f || c == '#')
            o += sprintf(o, "\\x%02x", c);
        else
            *o++ = (char)c;
    }
    *o = '\0';
    return out;
}

/* ---- path ---------------------------------------------------------------------------- */

struct path_case {
    const char *vars[4];
    const char *want;           /* NULL: 400 */
};

static const struct path_case path_cases[] = {
    { { "REQUEST_URI=/api/v1/users" }, "/api/v1/users" },
    { { "REQUEST_URI=/api/v1/users?x=1&y" }, "/api/v1/users" },
    { { "REQUEST_URI=/x#frag" }, "/x" },
    { { "REQUEST_URI=/a%20b" }, "/a b" },
    { { "REQUEST_URI=/a+b" }, "/a+b" },                 /* '+' is not a space in a path */
    { { "REQUEST_URI=/a%2541" }, "/a%41" },             /* decoded once */
    { { "REQUEST_URI=/caf%C3%A9" }, "/caf\xc3\xa9" },
    { { "REQUEST_URI=/a/..b/...c/." }, "/a/..b/...c/." },
    { { "REQUEST_URI=/" }, "/" },
    { { "REQUEST_URI=%2Fa" }, "/a" },
    { { "REQUEST_URI=http://example.com/p?q" }, "/p" },
    { { "REQUEST_URI=HTTPS://example.com" }, "/" },
    { { "REQUEST_URI=/a%2" }, NULL },
    { { "REQUEST_URI=/a%" }, NULL },
    { { "REQUEST_URI=/a%zz" }, NULL },
    { { "REQUEST_URI=/a%00b" }, NULL },
    { { "REQUEST_URI=/../etc/passwd" }, NULL },
    { { "REQUEST_URI=/a/.." }, NULL },
    { { "REQUEST_URI=/a/%2e%2e/b" }, NULL },
    { { "REQUEST_URI=/a%2F..%2Fb" }, NULL },
    { { "REQUEST_URI=a/b" }, NULL },
    { { "REQUEST_URI=?x=1", "DOCUMENT_URI=/doc" }, NULL },   /* REQUEST_URI wins, empty path */
    { { "REQUEST_URI=/%C0%AF" }, NULL },                     /* overlong '/' */
    { { "REQUEST_URI=/%ED%A0%80" }, NULL },                  /* surrogate */
    { { "REQUEST_URI=/%FF" }, NULL },
    { { "REQUEST_URI=/\xc3" }, NULL },                        /* raw invalid UTF-8 */
    { { "DOCUMENT_URI=/doc/x" }, "/doc/x" },
    { { "DOCUMENT_URI=/doc%20x" }, "/doc%20x" },             /* already decoded by nginx */
    { { "DOCUMENT_URI=/a/../b" }, NULL },
    { { "SCRIPT_NAME=/s", "PATH_INFO=/p/q" }, "/s/p/q" },
    { { "PATH_INFO=/p" }, "/p" },
    { { "SCRIPT_NAME=/s", "PATH_INFO=/.." }, NULL },
    { { "REQUEST_METHOD=GET" }, NULL },                      /* no path at all */
};

static void test_paths(void)
{
    for (size_t i = 0; i < N(path_cases); i++) {
        const struct path_case *c = &path_cases[i];
        struct request r;
        struct http_error err = { 0 };
        int rc = request_init(&r, A, mkenv(c->vars), &err);
        const char *name = show(c->vars[0], strlen(c->vars[0]));
        if (c->want) {
            is_int(rc, 0, "path %s: accepted", name);
            is_str(r.path, c->want, "path %s: decoded", name);
        } else {
            ok(rc == -1 && err.status == 400 && strcmp(err.detail, "Invalid path") == 0,
               "path %s: 400 Invalid path (got %d '%s')", name, err.status, err.detail);
        }
    }
}

/* ---- query ----------------------------------------------------------------------------- */

struct query_case {
    const char *qs;
    int n;                      /* -1: 400 */
    const char *name, *want;    /* one lookup */
};

static const struct query_case query_cases[] = {
    { "a=1&b=2", 2, "b", "2" },
    { "a=1&a=2", 2, "a", "1" },                 /* the first wins */
    { "q=a+b%20c%2B", 1, "q", "a b c+" },
    { "flag", 1, "flag", "" },
    { "&&a=1&", 1, "a", "1" },
    { "=v", 1, "", "v" },
    { "a=1;b=2", 1, "a", "1;b=2" },             /* only '&' separates */
    { "e=%C3%A9", 1, "e", "\xc3\xa9" },
    { "a=b=c", 1, "a", "b=c" },
    { "", 0, "a", NULL },
    { "a=%zz", -1, NULL, NULL },
    { "a=%2", -1, NULL, NULL },
    { "a=%00", -1, NULL, NULL },
    { "%00=1", -1, NULL, NULL },
    { "a=%C0%AF", -1, NULL, NULL },
    { "a=%ED%A0%80", -1, NULL, NULL },
    { "%ff=1", -1, NULL, NULL },
    { "ok=1&bad=%", -1, NULL, NULL },
};

static void test_query(void)
{
    for (size_t i = 0; i < N(query_cases); i++) {
        const struct query_case *c = &query_cases[i];
        const char *vars[3] = { "REQUEST_URI=/x", arena_printf(A, "QUERY_STRING=%s", c->qs) };
        struct request r;
        struct http_error err = { 0 };
        int rc = request_init(&r, A, mkenv(vars), &err);
        if (c->n < 0) {
            ok(rc == -1 && err.status == 400 && strcmp(err.detail, "Invalid query string") == 0,
               "query '%s': 400 Invalid query string (got %d '%s')", c->qs, err.status, err.detail);
            continue;
        }
        is_int(rc, 0, "query '%s': accepted", c->qs);
        is_int(r.nquery, c->n, "query '%s': count", c->qs);
        is_str(request_query(&r, c->name), c->want, "query '%s': %s", c->qs, c->name);
        is_str(r.query_string, c->qs, "query '%s': raw kept", c->qs);
    }
    struct request r;
    const char *vars[] = { "REQUEST_URI=/x", NULL };
    request_init(&r, A, mkenv(vars), NULL);
    is_str(r.query_string, "", "no QUERY_STRING: query_string is \"\"");
    ok(request_query(&r, "a") == NULL, "no QUERY_STRING: lookup is NULL");
}

/* ---- cookies --------------------------------------------------------------------------- */

struct cookie_case {
    const char *header;
    size_t n;
    const char *name, *want;
};

static const struct cookie_case cookie_cases[] = {
    { "a=b; c=d", 2, "c", "d" },
    { "token=eyJ.x.y", 1, "token", "eyJ.x.y" },
    { "  a = b ;c=d  ", 2, "a", "b" },
    { "a=\"b c\"", 1, "a", "b c" },
    { "a=\"\"", 1, "a", "" },
    { "a=\"", 1, "a", "\"" },                   /* a lone quote is not a quoted value */
    { "a=\"x", 1, "a", "\"x" },
    { "junk; a=b", 1, "a", "b" },               /* a pair without '=' is skipped */
    { "=x; a=b", 1, "a", "b" },                 /* as is an empty name */
    { "a=1; a=2", 2, "a", "1" },                /* the first (most specific) wins */
    { "a=b=c", 1, "a", "b=c" },
    { "a=%20", 1, "a", "%20" },                 /* not percent-decoded */
    { "a=", 1, "a", "" },
    { ";;", 0, "a", NULL },
    { "a=\xff; b=ok", 1, "a", NULL },           /* not UTF-8: skipped */
    { "a=b;", 1, "a", "b" },
    { "a=b;\tc=d", 2, "c", "d" },
    { "A=1", 1, "a", NULL },                    /* names are case-sensitive */
};

static void test_cookies(void)
{
    for (size_t i = 0; i < N(cookie_cases); i++) {
        const struct cookie_case *c = &cookie_cases[i];
        const char *vars[3] = { "REQUEST_URI=/", arena_printf(A, "HTTP_COOKIE=%s", c->header) };
        struct request r;
        struct http_error err = { 0 };
        const char *shown = show(c->header, strlen(c->header));
        is_int(request_init(&r, A, mkenv(vars), &err), 0, "cookie '%s': init", shown);
        is_int(r.ncookies, c->n, "cookie '%s': count", shown);
        is_str(request_cookie(&r, c->name), c->want, "cookie '%s': %s", shown, c->name);
    }
}

/* ---- headers and other params ---------------------------------------------------------- */

static void test_headers(void)
{
    const char *vars[] = {
        "REQUEST_METHOD=POST", "REQUEST_URI=/api/v1/auths/signin", "HTTP_X_API_KEY=sk-123",
        "HTTP_AUTHORIZATION=Bearer t", "CONTENT_TYPE=application/x-www-form-urlencoded",
        "HTTP_ACCEPT=text/html,application/xhtml+xml", "CONTENT_LENGTH=12", "REMOTE_ADDR=10.0.0.1",
    };
    struct request r;
    struct http_error err = { 0 };
    is_int(request_init(&r, A, mkenv(vars), &err), 0, "headers: init");
    is_str(r.method, "POST", "method");
    is_str(r.authorization, "Bearer t", "authorization");
    is_str(r.remote_addr, "10.0.0.1", "remote_addr");
    ok(r.host == NULL && r.https == NULL, "absent host and https are NULL");
    is_int(r.content_length, 12, "content_length");
    is_str(request_header(&r, "X-Api-Key"), "sk-123", "request_header X-Api-Key");
    is_str(request_header(&r, "x-api-key"), "sk-123", "request_header is case-insensitive");
    is_str(request_header(&r, "Authorization"), "Bearer t", "request_header Authorization");
    is_str(request_header(&r, "Content-Type"), "application/x-www-form-urlencoded",
           "request_header Content-Type reads CONTENT_TYPE");
    ok(request_header(&r, "X-Api") == NULL, "request_header needs the whole name");
    ok(request_header(&r, "X-Api-Key-2") == NULL, "request_header: longer name is absent");
    ok(request_header(&r, "") == NULL, "request_header of \"\" is NULL");
    is_str(request_env(&r, "REMOTE_ADDR"), "10.0.0.1", "request_env exact");
    ok(request_env(&r, "REMOTE") == NULL, "request_env is not a prefix match");
    ok(request_is_browser_form(&r), "text/html + urlencoded is a browser form");

    const char *json_vars[] = { "REQUEST_URI=/", "CONTENT_TYPE=application/json",
                                "HTTP_ACCEPT=text/html", NULL };
    request_init(&r, A, mkenv(json_vars), &err);
    ok(!request_is_browser_form(&r), "JSON post is not a browser form");
    const char *mp_vars[] = { "REQUEST_URI=/", "CONTENT_TYPE=Multipart/Form-Data; boundary=x",
                              "HTTP_ACCEPT=*/*", NULL };
    request_init(&r, A, mkenv(mp_vars), &err);
    ok(!request_is_browser_form(&r), "a form without Accept: text/html is a script");

    const char *none[] = { "REQUEST_URI=/", "CONTENT_TYPE=", "CONTENT_LENGTH=", NULL };
    is_int(request_init(&r, A, mkenv(none), &err), 0, "empty CONTENT_TYPE/CONTENT_LENGTH");
    ok(r.content_type == NULL && r.content_length == 0, "empty values count as absent");
    ok(request_header(&r, "content-type") == NULL, "request_header: empty Content-Type is NULL");
    is_str(r.method, "GET", "missing REQUEST_METHOD defaults to GET");

    static const char *const bad_lengths[] = { "abc", "-1", "1 2", "99999999999999999999999" };
    for (size_t i = 0; i < N(bad_lengths); i++) {
        const char *v[3] = { "REQUEST_URI=/", arena_printf(A, "CONTENT_LENGTH=%s", bad_lengths[i]) };
        memset(&err, 0, sizeof(err));
        int rc = request_init(&r, A, mkenv(v), &err);
        ok(rc == -1 && err.status == 400, "CONTENT_LENGTH '%s' is a 400", bad_lengths[i]);
    }
}

/* ---- request_read_body ------------------------------------------------------------------ */

struct mem_reader {
    const char *data;
    size_t len, pos;
    size_t chunk;       /* at most this many bytes per call */
    bool fail;          /* return -1 once the data is used up */
    int calls;
};

static long mem_read(void *ctx, char *buf, size_t len)
{
    struct mem_reader *m = ctx;
    m->calls++;
    if (m->pos == m->len)
        return m->fail ? -1 : 0;
    size_t n = m->len - m->pos;
    if (n > len)
        n = len;
    if (m->chunk && n > m->chunk)
        n = m->chunk;
    memcpy(buf, m->data + m->pos, n);
    m->pos += n;
    return (long)n;
}

struct body_case {
    const char *what;
    const char *content_length;     /* NULL: absent */
    const char *data;
    size_t max;
    bool fail;
    int status;                     /* 0: success */
    const char *want_body;          /* NULL: no body */
    size_t want_pos;                /* bytes consumed from the reader */
};

static const struct body_case body_cases[] = {
    { "exact length", "5", "hello", 10, false, 0, "hello", 5 },
    { "stops at CONTENT_LENGTH", "5", "hello world", 100, false, 0, "hello", 5 },
    { "length equal to max", "5", "hello", 5, false, 0, "hello", 5 },
    { "CONTENT_LENGTH over max: nothing read", "20", "01234567890123456789", 10, false, 413, NULL, 0 },
    { "short body", "10", "short", 100, false, 400, NULL, 5 },
    { "no length, fits", NULL, "0123456789", 10, false, 0, "0123456789", 10 },
    { "no length, one over", NULL, "0123456789X", 10, false, 413, NULL, 11 },
    { "no length, far over: reads max+1 only", NULL,
      "0123456789012345678901234567890123456789", 10, false, 413, NULL, 11 },
    { "no length, no body", NULL, "", 10, false, 0, NULL, 0 },
    { "read error", "10", "abc", 10, true, 400, NULL, 3 },
    { "read error without length", NULL, "abc", 10, true, 400, NULL, 3 },
    { "max 0 with body", "1", "x", 0, false, 413, NULL, 0 },
};

static void test_read_body(void)
{
    for (size_t i = 0; i < N(body_cases); i++) {
        const struct body_case *c = &body_cases[i];
        for (size_t chunk = 0; chunk <= 3; chunk += 3) {     /* one big read, then 3-byte reads */
            const char *vars[3] = { "REQUEST_URI=/",
                c->content_length ? arena_printf(A, "CONTENT_LENGTH=%s", c->content_length) : NULL };
            struct request r;
            struct http_error err = { 0 };
            request_init(&r, A, mkenv(vars), &err);
            struct mem_reader m = { c->data, strlen(c->data), 0, chunk, c->fail, 0 };
            int rc = request_read_body(&r, mem_read, &m, c->max, &err);
            if (c->status == 0) {
                is_int(rc, 0, "read_body %s (chunk %zu): ok", c->what, chunk);
                is_str(r.body, c->want_body, "read_body %s (chunk %zu): body", c->what, chunk);
                if (r.body)
                    ok(r.body[r.body_len] == '\0', "read_body %s: NUL-terminated", c->what);
            } else {
                ok(rc == -1 && err.status == c->status, "read_body %s (chunk %zu): %d (got %d)",
                   c->what, chunk, c->status, err.status);
                ok(r.body == NULL, "read_body %s: no body on error", c->what);
            }
            is_int(m.pos, c->want_pos, "read_body %s (chunk %zu): bytes read", c->what, chunk);
            if (c->status == 413)
                is_str(err.detail, "Request body too large", "413 detail");
        }
    }

    /* A big body without CONTENT_LENGTH grows the buffer several times. */
    size_t big = 300000;
    char *data = malloc(big);
    for (size_t i = 0; i < big; i++)
        data[i] = (char)('a' + i % 26);
    const char *vars[] = { "REQUEST_URI=/", NULL };
    struct request r;
    struct http_error err = { 0 };
    request_init(&r, A, mkenv(vars), &err);
    struct mem_reader m = { data, big, 0, 7000, false, 0 };
    is_int(request_read_body(&r, mem_read, &m, big, &err), 0, "big body without length");
    ok(r.body_len == big && memcmp(r.body, data, big) == 0, "big body intact");
    free(data);
}

/* ---- request_parse_body ----------------------------------------------------------------- */

struct parse_case {
    const char *ct;             /* NULL: no Content-Type */
    const char *body;
    size_t len;                 /* 0: strlen */
    int status;                 /* 0: success */
    enum body_kind kind;
    const char *want;           /* fields as plain JSON (NULL: none); on error, a detail substring */
};

static const struct parse_case parse_cases[] = {
    /* JSON */
    { NULL, "{\"a\":1}", 0, 0, BODY_JSON, "{\"a\":1}" },
    { "application/json", "{\"a\":\"b\"}", 0, 0, BODY_JSON, "{\"a\":\"b\"}" },
    { "Application/JSON ; charset=utf-8", "{}", 0, 0, BODY_JSON, "{}" },
    { "application/vnd.api+json", "{\"x\":[1,2]}", 0, 0, BODY_JSON, "{\"x\":[1,2]}" },
    { "application/json", "\n {\"a\":1} \r\n", 0, 0, BODY_JSON, "{\"a\":1}" },
    { "application/json", "[1,2]", 0, 0, BODY_JSON, "[1,2]" },
    { "application/json", "\"str\"", 0, 0, BODY_JSON, "\"str\"" },
    { "application/json", "42", 0, 0, BODY_JSON, "42" },
    { "application/json", "-1.5e3", 0, 0, BODY_JSON, "-1.5e3" },
    { "application/json", "true", 0, 0, BODY_JSON, "true" },
    { "application/json", "null", 0, 0, BODY_JSON, NULL },
    { "application/json", "  \n\t", 0, 0, BODY_NONE, NULL },
    { "application/json", "", 0, 0, BODY_NONE, NULL },
    { NULL, "   ", 0, 0, BODY_NONE, NULL },
    { "application/json", "{\"e\":\"caf\xc3\xa9\"}", 0, 0, BODY_JSON, "{\"e\":\"caf\xc3\xa9\"}" },
    { "application/json", "{\"e\":\"\\u00e9\\ud83d\\ude00\"}", 0, 0, BODY_JSON,
      "{\"e\":\"\xc3\xa9\xf0\x9f\x98\x80\"}" },
    { "application/json", "{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}", 0, 0, BODY_JSON,
      "{\"a\":\"\\\"\\\\/\\b\\f\\n\\r\\t\"}" },
    { "application/json", "{\"a\":1} x", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "{\"a\":1}{}", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "[1]]", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "1 2", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "{\"a\":1,}", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "[1,]", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "{'a':1}", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "[NaN]", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "[Infinity]", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "-Infinity", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "[01]", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "[1.]", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "[.5]", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "[-]", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "[1e]", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "[0x10]", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "[+1]", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "/*c*/{}", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "{}//", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "tru", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "nul", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "truex", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "TRUE", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "{\"a\" 1}", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "{\"a\":", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "{\"a\":\"x", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "[", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "]", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "{\"a\":\"\\x41\"}", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "{\"a\":\"\\u12\"}", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "{\"a\":\"\\", 0, 422, BODY_NONE, "JSON decode error" },
    /* lone surrogates, which json-c would turn into U+FFFD */
    { "application/json", "{\"a\":\"\\ud800\"}", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "{\"a\":\"\\uDBFFx\"}", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "{\"a\":\"\\udc00\"}", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "{\"a\":\"\\ud800\\u0041\"}", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "{\"a\":\"\\ud800\\ud800\"}", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "\"\\ud83d\"", 0, 422, BODY_NONE, "JSON decode error" },
    /* NUL and raw control characters */
    { "application/json", "{\"a\":\"\\u0000\"}", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "{\"a\":\"x\ty\"}", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "{\"a\":\"x\ny\"}", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "{\"a\":1}\0", 8, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "{\"a\":\"x\0\"}", 10, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "{\"a\":1}\x01", 0, 422, BODY_NONE, "JSON decode error" },
    /* invalid UTF-8, inside and outside strings */
    { "application/json", "{\"a\":\"\xc0\xaf\"}", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "{\"a\":\"\xed\xa0\x80\"}", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "{\"a\":\"\xff\"}", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "{\"\xc3\":1}", 0, 422, BODY_NONE, "JSON decode error" },
    { "application/json", "\xef\xbb\xbf{}", 0, 422, BODY_NONE, "JSON decode error" },  /* BOM */
    /* urlencoded */
    { "application/x-www-form-urlencoded", "a=1&b=2", 0, 0, BODY_FORM, "{\"a\":\"1\",\"b\":\"2\"}" },
    { "application/x-www-form-urlencoded; charset=UTF-8", "a=1", 0, 0, BODY_FORM, "{\"a\":\"1\"}" },
    { "application/x-www-form-urlencoded", "a=1&a=2&a=3", 0, 0, BODY_FORM,
      "{\"a\":[\"1\",\"2\",\"3\"]}" },
    { "application/x-www-form-urlencoded", "ids[]=1&ids[]=2", 0, 0, BODY_FORM,
      "{\"ids\":[\"1\",\"2\"]}" },
    { "application/x-www-form-urlencoded", "ids[]=1", 0, 0, BODY_FORM, "{\"ids\":\"1\"}" },
    { "application/x-www-form-urlencoded", "ids=1&ids[]=2", 0, 0, BODY_FORM,
      "{\"ids\":[\"1\",\"2\"]}" },
    { "application/x-www-form-urlencoded", "q=a+b%20c%2B%26", 0, 0, BODY_FORM,
      "{\"q\":\"a b c+&\"}" },
    { "application/x-www-form-urlencoded", "first+name=J", 0, 0, BODY_FORM,
      "{\"first name\":\"J\"}" },
    { "application/x-www-form-urlencoded", "flag&x=", 0, 0, BODY_FORM,
      "{\"flag\":\"\",\"x\":\"\"}" },
    { "application/x-www-form-urlencoded", "&&a=1&", 0, 0, BODY_FORM, "{\"a\":\"1\"}" },
    { "application/x-www-form-urlencoded", "a=1;b=2", 0, 0, BODY_FORM, "{\"a\":\"1;b=2\"}" },
    { "application/x-www-form-urlencoded", "e=caf%C3%A9&r=\xc3\xa9", 0, 0, BODY_FORM,
      "{\"e\":\"caf\xc3\xa9\",\"r\":\"\xc3\xa9\"}" },
    { "application/x-www-form-urlencoded", "a=%zz", 0, 400, BODY_NONE, "Invalid form body" },
    { "application/x-www-form-urlencoded", "a=%2", 0, 400, BODY_NONE, "Invalid form body" },
    { "application/x-www-form-urlencoded", "a=1&b=%", 0, 400, BODY_NONE, "Invalid form body" },
    { "application/x-www-form-urlencoded", "a=%00", 0, 400, BODY_NONE, "Invalid form body" },
    { "application/x-www-form-urlencoded", "%00=1", 0, 400, BODY_NONE, "Invalid form body" },
    { "application/x-www-form-urlencoded", "a=x\0y", 5, 400, BODY_NONE, "Invalid form body" },
    { "application/x-www-form-urlencoded", "a=%C0%AF", 0, 400, BODY_NONE, "Invalid form body" },
    { "application/x-www-form-urlencoded", "a=%ED%A0%80", 0, 400, BODY_NONE, "Invalid form body" },
    { "application/x-www-form-urlencoded", "a=%F4%90%80%80", 0, 400, BODY_NONE, "Invalid form body" },
    { "application/x-www-form-urlencoded", "a=\xff", 0, 400, BODY_NONE, "Invalid form body" },
    { "application/x-www-form-urlencoded", "%E2%82=1", 0, 400, BODY_NONE, "Invalid form body" },
    /* multipart (details in test-multipart) */
    { "multipart/form-data; boundary=XyZ",
      "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--XyZ--\r\n", 0, 0,
      BODY_FORM, "{\"a\":\"1\"}" },
    { "multipart/form-data; boundary=XyZ", "--XyZ\r\n", 0, 400, BODY_NONE,
      "Invalid multipart body" },
    /* other types */
    { "text/plain", "hello", 0, 415, BODY_NONE, "Unsupported Media Type" },
    { "application/xml", "<a/>", 0, 415, BODY_NONE, "Unsupported Media Type" },
    { "application/jsonx", "{}", 0, 415, BODY_NONE, "Unsupported Media Type" },
    { "application/+jsonx", "{}", 0, 415, BODY_NONE, "Unsupported Media Type" },
    { "text/json", "{}", 0, 415, BODY_NONE, "Unsupported Media Type" },
};

static void test_parse_body(void)
{
    for (size_t i = 0; i < N(parse_cases); i++) {
        const struct parse_case *c = &parse_cases[i];
        const char *vars[3] = { "REQUEST_URI=/",
            c->ct ? arena_printf(A, "CONTENT_TYPE=%s", c->ct) : NULL };
        struct request r;
        struct http_error err = { 0 };
        request_init(&r, A, mkenv(vars), &err);
        size_t len = c->len ? c->len : strlen(c->body);
        const char *shown = show(c->body, len);
        request_set_body(&r, c->body, len);
        int rc = request_parse_body(&r, &err);
        if (c->status == 0) {
            is_int(rc, 0, "parse #%zu %s '%s': ok", i, c->ct ? c->ct : "(none)", shown);
            is_int(r.body_kind, c->kind, "parse #%zu: body kind", i);
            is_str(plain(r.fields), c->want, "parse #%zu: fields", i);
        } else {
            ok(rc == -1 && err.status == c->status && strstr(err.detail, c->want),
               "parse #%zu %s '%s': %d '%s' (got %d '%s')", i, c->ct ? c->ct : "(none)",
               shown, c->status, c->want, err.status, err.detail);
            ok(r.fields == NULL, "parse #%zu: no fields on error", i);
            if (c->status == 422)
                is_str(err.type, "json_invalid", "parse #%zu: 422 type", i);
            else
                is_str(err.type, "", "parse #%zu: plain error (no type)", i);
        }
        request_release(&r);
        ok(r.fields == NULL, "parse #%zu: released", i);
    }
}

/* Nesting: 32 levels of objects/arrays are fine, 33 are refused with a depth detail. */
static void test_depth(void)
{
    for (int depth = 30; depth <= 34; depth++) {
        for (int kind = 0; kind < 2; kind++) {
            char buf[400];
            size_t n = 0;
            for (int i = 0; i < depth; i++) {
                if (kind == 0) {
                    buf[n++] = '[';
                } else {
                    memcpy(buf + n, "{\"a\":", 5);
                    n += 5;
                }
            }
            buf[n++] = '1';
            for (int i = 0; i < depth; i++)
                buf[n++] = kind == 0 ? ']' : '}';
            struct http_error err = { 0 };
            int is_null = 0;
            struct json_object *o = form_parse_json(buf, n, 32, &is_null, &err);
            if (depth <= 32) {
                ok(o != NULL, "depth %d %s: accepted", depth, kind ? "objects" : "arrays");
            } else {
                ok(o == NULL && err.status == 422 && strcmp(err.type, "json_invalid") == 0
                   && strstr(err.detail, "deeper") != NULL,
                   "depth %d %s: 422 (%s)", depth, kind ? "objects" : "arrays", err.detail);
            }
            json_object_put(o);
        }
    }
    /* Depth errors are found before json-c runs, even in a huge, otherwise broken body. */
    size_t big = 100000;
    char *deep = malloc(big);
    memset(deep, '[', big);
    struct http_error err = { 0 };
    ok(form_parse_json(deep, big, 32, NULL, &err) == NULL && strstr(err.detail, "deeper"),
       "100000 '[' refused for depth");
    free(deep);

    static const char *const empty[] = { "", " ", "\r\n\t " };
    for (size_t i = 0; i < N(empty); i++) {
        memset(&err, 0, sizeof(err));
        ok(form_parse_json(empty[i], strlen(empty[i]), 32, NULL, &err) == NULL
           && err.status == 422, "form_parse_json of blank input #%zu is a 422", i);
    }
    int is_null = 0;
    ok(form_parse_json("null", 4, 32, &is_null, &err) == NULL && is_null == 1,
       "form_parse_json null sets is_null");
    struct json_object *o = form_parse_json("{\"a\":1}xyz", 7, 32, &is_null, &err);
    ok(o != NULL && is_null == 0, "form_parse_json stops at len (no NUL needed)");
    json_object_put(o);
    o = form_parse_json("123xyz", 3, 32, &is_null, &err);
    ok(o != NULL && json_object_get_int(o) == 123, "a bare number ends at len");
    json_object_put(o);
}

static void test_add_field(void)
{
    struct json_object *obj = json_object_new_object();
    form_add_field(obj, "a", "1", 1);
    form_add_field(obj, "b[]", "x", 1);
    form_add_field(obj, "a", "2", 1);
    form_add_field(obj, "a[]", "3", 1);
    form_add_field(obj, "n", "with\0nul", 8);
    form_add_field(obj, "[]", "e", 1);
    is_str(plain(obj), "{\"a\":[\"1\",\"2\",\"3\"],\"b\":\"x\",\"n\":\"with\\u0000nul\",\"\":\"e\"}",
           "form_add_field: repeated names become arrays, [] dropped, length kept");
    json_object_put(obj);
}

int main(void)
{
    A = arena_new(4096);
    test_paths();
    test_query();
    test_cookies();
    test_headers();
    test_read_body();
    test_parse_body();
    test_depth();
    test_add_field();
    arena_free(A);
    return tap_done();
}
