#ifndef USHER_CTX_H
#define USHER_CTX_H
/* What a handler gets: the request, the response to fill, the worker's database
 * connection, the daemon config, the caller's session and the route parameters. */
#include "usher/request.h"
#include "usher/response.h"
#include "usher/router.h"

struct db;
struct usher_config;
struct session;
struct settings;

struct ctx {
    struct arena *arena;
    struct request *req;
    struct response *res;
    struct db *db;
    const struct usher_config *cfg;
    const struct route_match *match;
    struct session *session;     /* NULL for an anonymous caller */
    struct settings *settings;   /* loaded on first use by settings_get() */
};

/* The route parameter called name (never NULL for a parameter of the matched pattern). */
const char *ctx_param(const struct ctx *c, const char *name);

#endif
