#ifndef USHER_ROUTER_H
#define USHER_ROUTER_H
/* Routes: one const table; an entry says everything about its endpoint but the code:
 * {method, pattern, access, form, target, handler}. Patterns are paths whose
 * segments are literals or "{name}" parameters; literal segments beat parameters at the
 * same depth, so "/users/search" wins over "/users/{user_id}" whatever the table order.
 * A final "{name:path}" segment matches the rest of the path, slashes included. */
#include <stdbool.h>
#include <stddef.h>
#include "usher/request.h"

struct ctx;
struct field_spec;

/* Who may call a route; enforced by auth/session.c before the handler runs. */
enum access {
    ACCESS_PUBLIC,    /* no credential needed (one is still read when present) */
    ACCESS_ANY,       /* any signed-in user, pending included */
    ACCESS_VERIFIED,  /* role user or admin, else 401 ACCESS_PROHIBITED */
    ACCESS_ADMIN,     /* role admin, else 401 ACCESS_PROHIBITED */
};

typedef void (*handler_fn)(struct ctx *c);

/* What a route loads from its path parameter before the handler runs (app.c), answering
 * the contract's not-found error itself: the handler gets c->target_user or
 * c->target_group, never NULL. */
enum route_target {
    TARGET_NONE,
    TARGET_USER,        /* {user_id}; unknown: 400 USER_NOT_FOUND */
    TARGET_USER_404,    /* {user_id}; unknown: 404 USER_NOT_FOUND (the preview) */
    TARGET_USER_GROUPS, /* as TARGET_USER, with the user's groups (c->target_groups) */
    TARGET_USER_GROUPS_404, /* as TARGET_USER_404, with the user's groups (the preview) */
    TARGET_GROUP,       /* {id}; unknown: 401 NOT_FOUND (the reference's code) */
    TARGET_GROUP_404,   /* {id}; unknown: 404 NOT_FOUND (the preview) */
};

/* A {user_id} target read with the user's groups; one whose absence answers 404. */
static inline bool route_target_has_groups(enum route_target t)
{
    return t == TARGET_USER_GROUPS || t == TARGET_USER_GROUPS_404;
}
static inline bool route_target_is_404(enum route_target t)
{
    return t == TARGET_USER_404 || t == TARGET_USER_GROUPS_404 || t == TARGET_GROUP_404;
}

/* The body form a route parses before the handler runs (app.c): fields_parse against
 * fields[0..n) into c->v, indexed by the form's enum; a failure is the 422 answer. */
struct form {
    const struct field_spec *fields;
    size_t n;
    bool forbid_extra;   /* unknown members are a 422 (else ignored) */
};
#define FORM(specs) { (specs), sizeof(specs) / sizeof((specs)[0]), false }

struct route {
    enum http_method method;
    const char *pattern;
    enum access access;
    handler_fn handler;
    const struct form *form;      /* NULL: the handler reads no form (or its own body) */
    enum route_target target;
};

#define ROUTE_MAX_PARAMS 4

enum route_status {
    ROUTE_FOUND,
    ROUTE_NOT_FOUND,          /* 404 {"detail":"Not Found"} */
    ROUTE_METHOD_NOT_ALLOWED, /* 405 {"detail":"Method Not Allowed"} */
    ROUTE_REDIRECT,           /* 307 to the path with the final slash added or removed */
};

struct route_match {
    const struct route *route;
    size_t nparams;
    const char *names[ROUTE_MAX_PARAMS];    /* point into the pattern, not NUL-terminated: */
    size_t name_lens[ROUTE_MAX_PARAMS];     /* use route_param() */
    const char *values[ROUTE_MAX_PARAMS];   /* NUL-terminated copies in the caller's buffer */
    char buf[1024];                         /* holds the values; paths longer than this 404 */
    char redirect[1024];                    /* for ROUTE_REDIRECT: the other path */
};

/* Matches method and path (already percent-decoded, no query) against table. FastAPI's
 * rules: when no route matches the path but one matches it with the final slash toggled,
 * the answer is ROUTE_REDIRECT. Returns the status and fills m. */
enum route_status router_match(const struct route *table, size_t n, enum http_method method,
                               const char *path, struct route_match *m);
/* The value of the parameter called name, or NULL. */
const char *route_param(const struct route_match *m, const char *name);

/* "public", "any", "verified" or "admin". */
const char *router_access_name(enum access a);

/* The application's table (api/routes.c). */
extern const struct route usher_routes[];
extern const size_t usher_routes_count;

#endif
