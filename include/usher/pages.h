#ifndef USHER_PAGES_H
#define USHER_PAGES_H
/* The browser pages (issue 10): sign-in, sign-up, the account page and the admin pages as
 * server-rendered HTML forms under one prefix (pages.prefix, "/usher/" by default). app.c
 * routes a path under the prefix to pages_routes (patterns relative to the prefix) and
 * runs the same pipeline as for the API (session and access, CSRF, target); the page
 * handlers call the API's own handlers through an adapter (page.h) and render their
 * answers and errors as HTML. */
#include <stdbool.h>
#include <stddef.h>
#include "usher/router.h"

struct ctx;
struct usher_config;

/* The page routes (pages/routes.c), patterns without the prefix ("/account"). */
extern const struct route pages_routes[];
extern const size_t pages_routes_count;

/* When the pages are on and path lies under the prefix (the prefix itself, with or without
 * its final slash, included), returns true and sets *rest to the path below it, starting
 * with '/' (an arena string: "/" for the prefix itself). Otherwise returns false. */
bool pages_match(struct ctx *c, const char *path, const char **rest);
/* The prefix without its final slash ("/usher"), from c->cfg (never NULL). */
const char *pages_prefix(const struct ctx *c);
/* Called by app.c after a page request's pipeline, whatever its outcome: turns a JSON error
 * the pipeline answered before a page handler ran (401, 403 CSRF, 404, 405, 413, 422) into
 * an HTML page with that status and text (a caller with no session who asked for a page
 * gets a 303 to the sign-in page, next kept), adds the pages' security headers
 * (Content-Security-Policy: default-src 'self', X-Frame-Options: DENY, Referrer-Policy:
 * same-origin, X-Content-Type-Options: nosniff) and releases what the page code held. */
void pages_finish(struct ctx *c);

#endif
