/* Route matching: literal beats parameter whatever the order, 404/405, slash redirects,
 * {name:path}, parameter capture. */
#include "config.h"
#include <string.h>
#include "tap.h"
#include "usher/router.h"

static void h_a(struct ctx *c) { (void)c; }
static void h_b(struct ctx *c) { (void)c; }
static void h_c(struct ctx *c) { (void)c; }
static void h_d(struct ctx *c) { (void)c; }
static void h_e(struct ctx *c) { (void)c; }

/* Parameter routes first on purpose: order must not matter. */
static const struct route table[] = {
    { .method = HTTP_GET, .pattern = "/api/v1/users/{user_id}", .access = ACCESS_ADMIN, .handler = h_a },
    { .method = HTTP_DELETE, .pattern = "/api/v1/users/{user_id}", .access = ACCESS_ADMIN, .handler = h_e },
    { .method = HTTP_GET, .pattern = "/api/v1/users/search", .access = ACCESS_VERIFIED, .handler = h_b },
    { .method = HTTP_GET, .pattern = "/api/v1/users/", .access = ACCESS_ADMIN, .handler = h_c },
    { .method = HTTP_POST, .pattern = "/api/v1/users/{user_id}/update", .access = ACCESS_ADMIN, .handler = h_d },
    { .method = HTTP_DELETE, .pattern = "/api/v1/auths/oauth/sessions/{provider:path}", .access = ACCESS_VERIFIED, .handler = h_a },
    { .method = HTTP_GET, .pattern = "/health", .access = ACCESS_PUBLIC, .handler = h_a },
};
#define N (sizeof(table) / sizeof(table[0]))

int main(void)
{
    struct route_match m;
    is_int(router_match(table, N, HTTP_GET, "/api/v1/users/search", &m), ROUTE_FOUND, "literal found");
    ok(m.route->handler == h_b, "literal /search beats /{user_id}");
    is_int(router_match(table, N, HTTP_GET, "/api/v1/users/abc-123", &m), ROUTE_FOUND, "param found");
    ok(m.route->handler == h_a, "param route");
    is_str(route_param(&m, "user_id"), "abc-123", "param value captured");
    ok(route_param(&m, "nope") == NULL, "unknown param is NULL");
    is_int(router_match(table, N, HTTP_DELETE, "/api/v1/users/search", &m), ROUTE_FOUND,
           "DELETE /search falls to the param route, as FastAPI");
    ok(m.route->handler == h_e, "DELETE handler");
    is_int(router_match(table, N, HTTP_POST, "/api/v1/users/search", &m), ROUTE_METHOD_NOT_ALLOWED,
           "known path, unknown method: 405");
    is_int(router_match(table, N, HTTP_GET, "/nope", &m), ROUTE_NOT_FOUND, "unknown path: 404");
    is_int(router_match(table, N, HTTP_GET, "/api/v1/users", &m), ROUTE_REDIRECT, "missing slash redirects");
    is_str(m.redirect, "/api/v1/users/", "to the slash form");
    is_int(router_match(table, N, HTTP_GET, "/health/", &m), ROUTE_REDIRECT, "extra slash redirects");
    is_str(m.redirect, "/health", "to the bare form");
    is_int(router_match(table, N, HTTP_POST, "/api/v1/users/u1/update", &m), ROUTE_FOUND, "nested param");
    is_str(route_param(&m, "user_id"), "u1", "nested value");
    is_int(router_match(table, N, HTTP_DELETE, "/api/v1/auths/oauth/sessions/a/b/c", &m), ROUTE_FOUND,
           "path param swallows slashes");
    is_str(route_param(&m, "provider"), "a/b/c", "path param value");
    is_int(router_match(table, N, HTTP_GET, "/api/v1/users//update", &m), ROUTE_NOT_FOUND,
           "empty segment never matches a parameter");
    is_int(router_match(table, N, HTTP_HEAD, "/health", &m), ROUTE_FOUND, "HEAD is served by GET");
    is_int(router_match(table, N, HTTP_GET, "/", &m), ROUTE_NOT_FOUND, "root: 404, no redirect");
    char longpath[2048];
    memset(longpath, 'a', sizeof(longpath));
    longpath[0] = '/';
    memcpy(longpath, "/api/v1/users/", 14);
    longpath[sizeof(longpath) - 1] = '\0';
    ok(router_match(table, N, HTTP_GET, longpath, &m) != ROUTE_FOUND, "an over-long parameter is refused");
    return tap_done();
}
