/* Response serialisation: status line, JSON errors, cookies, header injection refused. */
#include "config.h"
#include <string.h>
#include "tap.h"
#include "usher/arena.h"
#include "usher/request.h"
#include "usher/response.h"

static char *ser(struct response *r)
{
    char *out;
    size_t n = response_serialize(r, &out);
    /* The serialised form is not NUL-terminated: copy it into a string for strstr. */
    char *s = arena_strndup(r->arena, out, n);
    return s;
}

int main(void)
{
    struct arena *a = arena_new(4096);
    struct response r;

    response_init(&r, a);
    response_detail(&r, 404, "Not Found");
    char *s = ser(&r);
    ok(strncmp(s, "Status: 404 Not Found\r\n", 23) == 0, "status line");
    ok(strstr(s, "Content-Type: application/json\r\n") != NULL, "json content type");
    ok(strstr(s, "\r\n\r\n{\"detail\":\"Not Found\"}") != NULL, "detail body");

    response_init(&r, a);
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "url", json_object_new_string("/api/v1/users/x/profile/image"));
    response_json(&r, 200, o);
    ok(strstr(r.body, "\"/api/v1/users/x/profile/image\"") != NULL, "slashes are not escaped");

    response_init(&r, a);
    r.no_store = true;
    response_json(&r, 200, json_object_new_boolean(1));
    s = ser(&r);
    ok(strstr(s, "Cache-Control: no-store\r\n") != NULL, "no-store header");
    ok(strstr(s, "Content-Length: 4\r\n") != NULL, "content length");

    response_init(&r, a);
    struct cookie_opts co = { .expires = 1700000000, .max_age = 60, .http_only = true,
                              .secure = true, .same_site = "Lax" };
    response_set_cookie(&r, "token", "abc.def.ghi", &co);
    is_int(r.nheaders, 1, "cookie header added");
    is_str(r.headers[0].value,
           "token=abc.def.ghi; Expires=Tue, 14 Nov 2023 22:13:20 GMT; Max-Age=60; Path=/; HttpOnly; Secure; SameSite=Lax",
           "cookie attributes");
    response_set_cookie(&r, "token", "bad;value", &co);
    is_int(r.nheaders, 1, "a cookie value with ';' is refused");
    response_header(&r, "X-Test", "a\r\nSet-Cookie: evil=1");
    is_int(r.nheaders, 1, "a header value with CRLF is dropped");
    response_delete_cookie(&r, "token");
    ok(strstr(r.headers[1].value, "Max-Age=0") != NULL, "deleting a cookie expires it");

    response_init(&r, a);
    struct http_error e = { .status = 422, .type = "json_invalid", .detail = "JSON decode error" };
    response_http_error(&r, &e);
    is_int(r.status, 422, "validation status");
    ok(strstr(r.body, "\"type\":\"json_invalid\"") && strstr(r.body, "\"loc\":[\"body\"]"),
       "validation list shape");
    struct http_error e2 = { .status = 413, .type = "", .detail = "Request body too large" };
    response_init(&r, a);
    response_http_error(&r, &e2);
    is_str(r.body, "{\"detail\":\"Request body too large\"}", "plain detail");

    response_init(&r, a);
    response_redirect(&r, 307, "http://h/api/v1/users/");
    s = ser(&r);
    ok(strncmp(s, "Status: 307 Temporary Redirect\r\n", 32) == 0, "redirect status");
    ok(strstr(s, "Location: http://h/api/v1/users/\r\n") != NULL, "location");

    arena_free(a);
    return tap_done();
}
