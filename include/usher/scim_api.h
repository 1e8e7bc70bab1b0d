#ifndef USHER_SCIM_API_H
#define USHER_SCIM_API_H
/* SCIM 2.0 provisioning (RFC 7643/7644; spec openwebui-scim.md part B), mounted at
 * SCIM_PREFIX when ENABLE_SCIM (else SCIM_ENABLED) is "true" (any case) in the pool's
 * environment; otherwise every path under it is the ordinary 404. The SCIM pipeline
 * (scim_handle) is app.c's own for those paths: its route table (scim_routes, in
 * api/routes.c), the body read as JSON (application/scim+json or application/json), the
 * SCIM_TOKEN bearer instead of a user's credentials, and every error in RFC 7644 §3.12's
 * shape with Content-Type application/scim+json. The handlers (api/scim_*.c) write accounts
 * through the account service (DOOR_SCIM) and groups through the groups data functions;
 * each write is audited (action "scim.*", actor "scim", the resource id, the attribute
 * names). The token is never logged, audited or stored. */
#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "usher/request.h"
#include "usher/router.h"
#include "usher/scim_error.h"

struct ctx;
struct scim_filter;
struct scim_attr_def;

#define SCIM_PREFIX "/api/v1/scim/v2"
/* The cap of count (ServiceProviderConfig's filter.maxResults) and its default. */
#define SCIM_MAX_RESULTS 200
#define SCIM_DEFAULT_COUNT 20

/* The environment, read once per process. provider: SCIM_AUTH_PROVIDER, "scim" when unset
 * or empty. token: SCIM_TOKEN ("" when unset: every Users/Groups request is refused). */
struct scim_env {
    bool enabled;
    const char *token;
    const char *provider;
};
const struct scim_env *scim_env(void);

/* True when SCIM is on and path is SCIM_PREFIX or below it; *rest gets the path after the
 * prefix ("" or "/Users/..."). No I/O. */
bool scim_mounted(const char *path, const char **rest);
/* The SCIM pipeline for a mounted path (rest as scim_mounted gave it): route (into m, which
 * is c->match), body, token, handler, audit. Always leaves an answer in c->res. */
void scim_handle(struct ctx *c, struct route_match *m, const char *rest, body_read_fn read_fn,
                 void *rctx);

/* The route table (api/routes.c): patterns relative to SCIM_PREFIX. access is
 * ACCESS_PUBLIC for the discovery routes (no token needed) and ACCESS_ADMIN for the routes
 * that need the SCIM token (never a user's credential). */
extern const struct route scim_routes[];
extern const size_t scim_routes_count;

/* ---- what the handlers share (api/scim_common.c) ---------------------------------------- */

/* Answers obj (taken over) with status, Content-Type application/scim+json. */
void scim_answer(struct ctx *c, int status, struct json_object *obj);
/* Answers a SCIM error (401s with WWW-Authenticate: Bearer). detail may be NULL. */
void scim_fail(struct ctx *c, int status, enum scim_type type, const char *detail);
/* Answers a parser's refusal. */
void scim_fail_with(struct ctx *c, const struct scim_error *err);
/* 500 in the SCIM shape after a database failure (already logged); 503 when the database
 * is down (app.c). */
void scim_db_error(struct ctx *c);
/* The absolute URL of the SCIM root without a final '/': WEBUI_URL when set, else the
 * request's scheme and Host, + SCIM_PREFIX (arena). */
const char *scim_base_url(struct ctx *c);
/* W/"<version>" (arena). */
const char *scim_etag(struct ctx *c, long long version);
/* If-Match against the resource's version: 0 when absent, "*" or one of its tags matches;
 * else answers 412 and returns -1. */
int scim_if_match(struct ctx *c, long long version);
/* startIndex (>= 1, default 1) and count (0..SCIM_MAX_RESULTS, default SCIM_DEFAULT_COUNT)
 * of the query, clamped; a value that is not an integer: 400 invalidValue, -1. */
int scim_paging(struct ctx *c, long long *start, long long *count);
/* The query's filter parsed and resolved against defs (NULL *out when there is none); a
 * bad one: 400 invalidFilter, -1. */
int scim_query_filter(struct ctx *c, const struct scim_attr_def *defs, size_t ndefs,
                      const char *urn, struct scim_filter **out);
/* The request body as a JSON object, or answers 400 invalidSyntax and returns NULL. */
struct json_object *scim_body_object(struct ctx *c);
/* The member name of obj, compared without case (SCIM attribute names), or NULL. */
struct json_object *scim_member(struct json_object *obj, const char *name);
/* A SCIM boolean: JSON true/false or the strings "true"/"false" in any case (Entra). */
bool scim_bool(struct json_object *v, bool *out);
/* True when excludedAttributes names attr (comma-separated, any case). */
bool scim_excluded(struct ctx *c, const char *attr);
/* Marks the request audited: action on target_type/id by the SCIM client, detail the
 * attribute names (may be NULL). */
void scim_audit(struct ctx *c, const char *action, const char *target_type, const char *id,
                const char *detail);
/* An id from the path that cannot be a resource (empty, over 64 bytes, characters no id
 * has): false. */
bool scim_id_plausible(const char *id);

/* ---- the handlers ----------------------------------------------------------------------- */

void scim_sp_config_get(struct ctx *c);   /* api/scim_common.c */
void scim_resource_types_get(struct ctx *c);
void scim_resource_type_get(struct ctx *c);
void scim_schemas_get(struct ctx *c);
void scim_schema_get(struct ctx *c);
void scim_not_implemented(struct ctx *c);
void scim_users_list(struct ctx *c);                /* api/scim_users.c */
void scim_user_get(struct ctx *c);
void scim_user_delete(struct ctx *c);
void scim_user_create(struct ctx *c);               /* api/scim_user_write.c */
void scim_user_replace(struct ctx *c);
void scim_user_patch(struct ctx *c);
void scim_groups_list(struct ctx *c);               /* api/scim_groups.c */
void scim_group_get(struct ctx *c);
void scim_group_create(struct ctx *c);
void scim_group_replace(struct ctx *c);
void scim_group_patch(struct ctx *c);
void scim_group_delete(struct ctx *c);

/* Shared by the user handlers (api/scim_users.c): the user with id as SCIM shows it, a new
 * object, with its groups; NULL and an answer (404, 500) when it cannot. *version gets its
 * version. */
struct json_object *scim_user_resource(struct ctx *c, const char *id, long long *version);
/* Answers the user id (200 or 201 with Location) with its ETag. */
void scim_user_answer(struct ctx *c, const char *id, int status);
struct account_result;
/* Answers a refusal of the account service as the SCIM error of spec B.2. */
void scim_account_refused(struct ctx *c, const struct account_result *r);
/* A resource's meta: resourceType, created, lastModified (RFC 3339 UTC), location and
 * version (the weak ETag). A new object. */
struct json_object *scim_meta(struct ctx *c, const char *type, const char *location,
                              long long created, long long modified, long long version);
/* Applies the query's attributes / excludedAttributes to a resource's top-level members
 * (id and schemas always stay; meta stays with attributes). */
void scim_project(struct ctx *c, struct json_object *o);

#endif
