/* Building and serialising responses. */
#include "config.h"
#include "usher/response.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "usher/arena.h"
#include "usher/request.h"

void response_init(struct response *res, struct arena *a)
{
    memset(res, 0, sizeof(*res));
    res->arena = a;
}

void response_bytes(struct response *res, int status, const char *content_type,
                    const char *body, size_t len)
{
    response_arena_bytes(res, status, content_type, arena_strndup(res->arena, body, len), len);
}

void response_arena_bytes(struct response *res, int status, const char *content_type,
                          const char *body, size_t len)
{
    res->status = status;
    res->content_type = content_type;
    res->body = body;
    res->body_len = len;
}

void response_json(struct response *res, int status, struct json_object *obj)
{
    size_t len = 0;
    const char *s = json_object_to_json_string_length(
        obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    response_bytes(res, status, "application/json", s, len);
    json_object_put(obj);
}

void response_detail(struct response *res, int status, const char *detail)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "detail", json_object_new_string(detail ? detail : ""));
    response_json(res, status, o);
}

void response_validation(struct response *res, struct json_object *list)
{
    /* A body of many bad members is not answered with as many items. */
    size_t n = json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;
    if (n > RESPONSE_VALIDATION_MAX_ITEMS)
        json_object_array_del_idx(list, RESPONSE_VALIDATION_MAX_ITEMS,
                                  n - RESPONSE_VALIDATION_MAX_ITEMS);
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "detail", list);
    response_json(res, 422, o);
}

void response_http_error(struct response *res, const struct http_error *err)
{
    if (err->type[0]) {
        struct json_object *item = json_object_new_object();
        struct json_object *loc = json_object_new_array();
        json_object_array_add(loc, json_object_new_string("body"));
        json_object_object_add(item, "type", json_object_new_string(err->type));
        json_object_object_add(item, "loc", loc);
        json_object_object_add(item, "msg", json_object_new_string(err->detail));
        json_object_object_add(item, "input", NULL);
        struct json_object *list = json_object_new_array();
        json_object_array_add(list, item);
        res->status = err->status;
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "detail", list);
        response_json(res, err->status ? err->status : 422, o);
        return;
    }
    response_detail(res, err->status ? err->status : 400, err->detail);
}

void response_header(struct response *res, const char *name, const char *value)
{
    if (!value || strpbrk(value, "\r\n") || res->nheaders == RESPONSE_MAX_HEADERS)
        return;
    res->headers[res->nheaders].name = name;
    res->headers[res->nheaders].value = value;
    res->nheaders++;
}

void response_redirect(struct response *res, int status, const char *location)
{
    response_bytes(res, status, NULL, "", 0);
    response_header(res, "Location", arena_strdup(res->arena, location));
}

/* Cookie values are tokens we made (base64url JWTs, hex): anything outside the RFC 6265
 * cookie-octet set is refused rather than quoted. */
static int cookie_value_ok(const char *v)
{
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f || *p == '"' || *p == ',' || *p == ';' || *p == '\\')
            return 0;
    return 1;
}

static void http_date(long long t, char out[40])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 40, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

void response_set_cookie(struct response *res, const char *name, const char *value,
                         const struct cookie_opts *opts)
{
    if (!cookie_value_ok(value))
        return;
    char expires[40] = "";
    if (opts->expires > 0)
        http_date(opts->expires, expires);
    char max_age[32] = "";
    if (opts->max_age >= 0)
        snprintf(max_age, sizeof(max_age), "; Max-Age=%lld", opts->max_age);
    const char *same = opts->same_site;
    char *v = arena_printf(res->arena, "%s=%s%s%s%s; Path=%s%s%s%s%s", name, value,
                           expires[0] ? "; Expires=" : "", expires, max_age,
                           opts->path ? opts->path : "/", opts->http_only ? "; HttpOnly" : "",
                           opts->secure ? "; Secure" : "", same ? "; SameSite=" : "",
                           same ? same : "");
    response_header(res, "Set-Cookie", v);
}

void response_delete_cookie(struct response *res, const char *name)
{
    response_header(res, "Set-Cookie",
                    arena_printf(res->arena,
                                 "%s=\"\"; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/",
                                 name));
}

const char *response_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 307: return "Temporary Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
    }
}

size_t response_serialize(const struct response *res, char **out)
{
    int status = res->status ? res->status : 500;
    size_t cap = 256 + res->body_len;
    for (size_t i = 0; i < res->nheaders; i++)
        cap += strlen(res->headers[i].name) + strlen(res->headers[i].value) + 4;
    char *buf = arena_alloc(res->arena, cap);
    size_t n = (size_t)snprintf(buf, cap, "Status: %d %s\r\n", status, response_reason(status));
    if (res->content_type)
        n += (size_t)snprintf(buf + n, cap - n, "Content-Type: %s%s\r\n", res->content_type,
                              strncmp(res->content_type, "text/", 5) == 0 ? "; charset=utf-8" : "");
    n += (size_t)snprintf(buf + n, cap - n, "Content-Length: %zu\r\n", res->body_len);
    if (res->no_store)
        n += (size_t)snprintf(buf + n, cap - n, "Cache-Control: no-store\r\n");
    for (size_t i = 0; i < res->nheaders; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s: %s\r\n", res->headers[i].name,
                              res->headers[i].value);
    n += (size_t)snprintf(buf + n, cap - n, "\r\n");
    if (res->body_len)
        memcpy(buf + n, res->body, res->body_len);
    n += res->body_len;
    *out = buf;
    return n;
}

/* Browsers drop tabs and newlines before resolving ("/\t/evil" is "//evil") and some read a
 * backslash as '/'. */
bool response_local_path(const char *p)
{
    if (!p || p[0] != '/' || p[1] == '/')
        return false;
    for (const unsigned char *q = (const unsigned char *)p; *q; q++)
        if (*q < 0x21 || *q > 0x7e || *q == '\\')
            return false;
    return true;
}
