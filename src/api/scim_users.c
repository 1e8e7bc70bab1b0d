/* SCIM Users: the resource (spec B.4), the listing, one user, and DELETE. The writes are in
 * api/scim_user_write.c. */
#include "config.h"
#include "usher/scim_api.h"

#include <string.h>
#include <strings.h>
#include <time.h>

#include "usher/accounts.h"
#include "usher/api_common.h"
#include "usher/arena.h"
#include "usher/ctx.h"
#include "usher/db.h"
#include "usher/db_groups.h"
#include "usher/db_scim.h"
#include "usher/db_users.h"
#include "usher/response.h"
#include "usher/scim_filter.h"
#include "usher/scim_schema.h"

/* RFC 3339 UTC of epoch seconds (arena). */
static const char *rfc3339(struct arena *a, long long t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    char buf[32];
    gmtime_r(&tt, &tm);
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return arena_strdup(a, buf);
}

struct json_object *scim_meta(struct ctx *c, const char *type, const char *location,
                              long long created, long long modified, long long version)
{
    struct json_object *m = json_object_new_object();
    json_object_object_add(m, "resourceType", json_object_new_string(type));
    json_object_object_add(m, "created", json_object_new_string(rfc3339(c->arena, created)));
    json_object_object_add(m, "lastModified",
                           json_object_new_string(rfc3339(c->arena, modified)));
    json_object_object_add(m, "location", json_object_new_string(location));
    json_object_object_add(m, "version", json_object_new_string(scim_etag(c, version)));
    return m;
}

void scim_project(struct ctx *c, struct json_object *o)
{
    const char *attrs = request_query(c->req, "attributes");
    const char *excluded = request_query(c->req, "excludedAttributes");
    if (!attrs && !excluded)
        return;
    const char *drop[64];
    size_t ndrop = 0;
    json_object_object_foreach(o, key, val) {
        (void)val;
        if (strcmp(key, "id") == 0 || strcmp(key, "schemas") == 0 || ndrop == 64)
            continue;
        bool named = false;
        const char *list = attrs ? attrs : excluded;
        size_t klen = strlen(key);
        for (const char *p = list; *p;) {
            while (*p == ' ' || *p == ',')
                p++;
            const char *end = p;
            while (*end && *end != ',')
                end++;
            /* "name.givenName" names the top-level "name"; a URN prefix is dropped */
            const char *name = p;
            for (const char *q = p; q < end; q++)
                if (*q == ':')
                    name = q + 1;
            size_t len = 0;
            while (name + len < end && name[len] != '.' && name[len] != ' ')
                len++;
            if (len == klen && strncasecmp(name, key, len) == 0)
                named = true;
            p = end;
        }
        if (attrs ? !named && strcmp(key, "meta") != 0 : named)
            drop[ndrop++] = key;
    }
    for (size_t i = 0; i < ndrop; i++)
        json_object_object_del(o, drop[i]);
}

/* The resource of s with its groups (pairs[0..n) of its user id; any order). */
static struct json_object *user_resource_json(struct ctx *c, const char *base, const struct scim_user *s,
                                     const struct group_membership *pairs, size_t npairs)
{
    struct json_object *o = json_object_new_object();
    struct json_object *schemas = json_object_new_array();
    json_object_array_add(schemas, json_object_new_string(SCIM_URN_USER));
    json_object_object_add(o, "schemas", schemas);
    json_object_object_add(o, "id", json_object_new_string(s->id));
    if (s->external_id)
        json_object_object_add(o, "externalId", json_object_new_string(s->external_id));
    json_object_object_add(o, "userName", json_object_new_string(s->email));
    struct json_object *name = json_object_new_object();
    const char *sp = strchr(s->name, ' ');
    json_object_object_add(name, "formatted", json_object_new_string(s->name));
    json_object_object_add(name, "givenName",
                           json_object_new_string_len(s->name, sp ? (int)(sp - s->name)
                                                                  : (int)strlen(s->name)));
    json_object_object_add(name, "familyName", json_object_new_string(sp ? sp + 1 : ""));
    json_object_object_add(o, "name", name);
    json_object_object_add(o, "displayName", json_object_new_string(s->name));
    struct json_object *emails = json_object_new_array(), *e = json_object_new_object();
    json_object_object_add(e, "value", json_object_new_string(s->email));
    json_object_object_add(e, "type", json_object_new_string("work"));
    json_object_object_add(e, "primary", json_object_new_boolean(1));
    json_object_array_add(emails, e);
    json_object_object_add(o, "emails", emails);
    json_object_object_add(o, "active", json_object_new_boolean(s->active));
    if (s->profile_image_url && s->profile_image_url[0] &&
        strcmp(s->profile_image_url, "/user.png") != 0) {   /* not the default image */
        struct json_object *photos = json_object_new_array(), *p = json_object_new_object();
        json_object_object_add(p, "value", json_object_new_string(s->profile_image_url));
        json_object_object_add(p, "type", json_object_new_string("photo"));
        json_object_object_add(p, "primary", json_object_new_boolean(1));
        json_object_array_add(photos, p);
        json_object_object_add(o, "photos", photos);
    }
    struct json_object *groups = NULL;
    for (size_t i = 0; i < npairs; i++) {
        if (strcmp(pairs[i].user_id, s->id) != 0)
            continue;
        if (!groups)
            groups = json_object_new_array();
        struct json_object *g = json_object_new_object();
        json_object_object_add(g, "value", json_object_new_string(pairs[i].group_id));
        json_object_object_add(g, "display", json_object_new_string(pairs[i].group_name
                                                                        ? pairs[i].group_name
                                                                        : ""));
        json_object_object_add(g, "$ref", json_object_new_string(
                                              arena_printf(c->arena, "%s/Groups/%s", base,
                                                           pairs[i].group_id)));
        json_object_object_add(g, "type", json_object_new_string("direct"));
        json_object_array_add(groups, g);
    }
    if (groups)
        json_object_object_add(o, "groups", groups);
    json_object_object_add(o, "meta", scim_meta(c, "User",
                                                arena_printf(c->arena, "%s/Users/%s", base,
                                                             s->id),
                                                s->created_at, s->updated_at, s->version));
    return o;
}

struct json_object *scim_user_resource(struct ctx *c, const char *id, long long *version)
{
    struct scim_user *s = NULL;
    int rc = scim_id_plausible(id) ? db_scim_user_get(c->db, c->arena, id, scim_env()->provider, &s)
                                   : DB_NOT_FOUND;
    if (rc == DB_NOT_FOUND) {
        scim_fail(c, 404, SCIM_TYPE_NONE, "User not found");
        return NULL;
    }
    struct group_membership *pairs = NULL;
    size_t npairs = 0;
    if (rc != DB_OK ||
        db_group_ids_of_users(c->db, c->arena, &s->id, 1, &pairs, &npairs) != DB_OK) {
        scim_db_error(c);
        return NULL;
    }
    *version = s->version;
    return user_resource_json(c, scim_base_url(c), s, pairs, npairs);
}

void scim_user_answer(struct ctx *c, const char *id, int status)
{
    long long version = 0;
    struct json_object *o = scim_user_resource(c, id, &version);
    if (!o)
        return;
    const char *location = arena_strdup(c->arena, json_object_get_string(
        json_object_object_get(json_object_object_get(o, "meta"), "location")));
    scim_project(c, o);
    scim_answer(c, status, o);
    response_header(c->res, "ETag", scim_etag(c, version));
    if (status == 201)
        response_header(c->res, "Location", location);
}

void scim_account_refused(struct ctx *c, const struct account_result *r)
{
    switch (r->refusal) {
    case ACCOUNT_EMAIL_TAKEN:
        scim_fail(c, 409, SCIM_UNIQUENESS, "The userName is taken.");
        return;
    case ACCOUNT_EXTERNAL_TAKEN:
        scim_fail(c, 409, SCIM_UNIQUENESS, "The externalId is taken.");
        return;
    case ACCOUNT_BAD_EMAIL:
        scim_fail(c, 400, SCIM_INVALID_VALUE, "The userName must be an e-mail address.");
        return;
    case ACCOUNT_BAD_ROLE:
    case ACCOUNT_BAD_NAME:
    case ACCOUNT_EMPTY_PASSWORD:
    case ACCOUNT_WEAK_PASSWORD:
    case ACCOUNT_BAD_IMAGE:
        scim_fail(c, 400, SCIM_INVALID_VALUE, r->reason);
        return;
    case ACCOUNT_PRIMARY_ADMIN:
        scim_fail(c, 403, SCIM_TYPE_NONE,
                  "The primary admin can be neither deleted nor deactivated through SCIM.");
        return;
    case ACCOUNT_NOT_FOUND:
        scim_fail(c, 404, SCIM_TYPE_NONE, "User not found");
        return;
    case ACCOUNT_CLOSED:
        scim_fail(c, 403, SCIM_TYPE_NONE, r->reason);
        return;
    case ACCOUNT_BUSY:
        scim_fail(c, 503, SCIM_TYPE_NONE, r->reason);
        response_header(c->res, "Retry-After", "1");
        return;
    default:
        scim_db_error(c);
        return;
    }
}

void scim_users_list(struct ctx *c)
{
    long long start, count;
    struct scim_filter *filter;
    if (scim_paging(c, &start, &count) != 0 ||
        scim_query_filter(c, scim_user_filter_attrs, scim_user_filter_nattrs, SCIM_URN_USER,
                          &filter) != 0)
        return;
    struct scim_user *users;
    size_t n;
    long long total;
    int rc = db_scim_user_list(c->db, c->arena, filter, scim_env()->provider, start - 1, count,
                               &users, &n, &total);
    if (rc == DB_REFUSED_FILTER) {
        scim_fail(c, 400, SCIM_INVALID_FILTER, "The filter cannot be applied.");
        return;
    }
    const char **ids = arena_calloc(c->arena, n ? n : 1, sizeof(*ids));
    for (size_t i = 0; i < n; i++)
        ids[i] = users[i].id;
    struct group_membership *pairs = NULL;
    size_t npairs = 0;
    if (rc != DB_OK || db_group_ids_of_users(c->db, c->arena, ids, n, &pairs, &npairs) != DB_OK) {
        scim_db_error(c);
        return;
    }
    const char *base = scim_base_url(c);
    struct json_object *list = json_object_new_array_ext((int)(n ? n : 1));
    for (size_t i = 0; i < n; i++) {
        struct json_object *o = user_resource_json(c, base, &users[i], pairs, npairs);
        scim_project(c, o);
        json_object_array_add(list, o);
    }
    scim_answer(c, 200, scim_list_response(list, total, start));
}

void scim_user_get(struct ctx *c)
{
    scim_user_answer(c, ctx_param(c, "id"), 200);
}

void scim_user_delete(struct ctx *c)
{
    const char *id = ctx_param(c, "id");
    struct scim_user *s = NULL;
    struct user *target = NULL;
    int rc = scim_id_plausible(id) ? db_scim_user_get(c->db, c->arena, id, scim_env()->provider, &s)
                                   : DB_NOT_FOUND;
    if (rc == DB_OK)
        rc = db_user_get(c->db, c->arena, id, &target);
    if (rc == DB_NOT_FOUND) {
        scim_fail(c, 404, SCIM_TYPE_NONE, "User not found");
        return;
    }
    if (rc != DB_OK) {
        scim_db_error(c);
        return;
    }
    if (scim_if_match(c, s->version) != 0)
        return;
    scim_audit(c, "scim.user.delete", "user", id, NULL);
    struct account_result r;
    if (accounts_delete(c, DOOR_SCIM, target, &r) != 0) {
        scim_account_refused(c, &r);
        return;
    }
    response_bytes(c->res, 204, NULL, "", 0);
}
