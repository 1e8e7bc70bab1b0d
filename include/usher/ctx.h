#ifndef USHER_CTX_H
#define USHER_CTX_H
/* What a handler gets: the request, the response to fill, the worker's database
 * connection, the daemon config, the caller's session, the route parameters, and what the
 * route entry asked app.c to prepare: the parsed form (c->v, indexed by the form's enum)
 * and the target of the path (c->target_user / c->target_group). */
#include "usher/request.h"
#include "usher/response.h"
#include "usher/router.h"

struct db;
struct usher_config;
struct session;
struct settings;
struct field_value;
struct user;
struct group;
struct audit_note;

struct ctx {
    struct arena *arena;
    struct request *req;
    struct response *res;
    struct db *db;
    const struct usher_config *cfg;
    const struct route_match *match;
    struct session *session;     /* NULL for an anonymous caller */
    struct settings *settings;   /* loaded on first use by settings_get() */
    const struct field_value *v; /* the route's form, parsed (NULL for a route without one) */
    struct user *target_user;    /* TARGET_USER*: the user in {user_id} */
    struct group *target_groups; /* TARGET_USER_GROUPS: its groups, newest updated first */
    size_t target_ngroups;
    struct audit_note *audit;    /* set by audit_note(): the request is audited */
    struct group *target_group;  /* TARGET_GROUP*: the group in {id} */
    bool page;                   /* a browser page under pages.prefix (pages.h) */
    struct json_object *form_errors; /* a page route's form that did not parse: its 422
                                      * items, shown by the page (page_api); pages_finish
                                      * releases them */
};

#endif
