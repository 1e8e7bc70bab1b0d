/* SCIM Groups (spec B.7): every group of usher is a SCIM group. Writes go through the
 * groups data functions (db_groups.h: create, rename, add and remove members, delete), so
 * member counts and effective permissions follow as for /api/v1/groups; the externalId and
 * the version are db_scim.h's. A request is checked whole (names, externalIds, member ids)
 * before its first write, so a refused one writes nothing. */
#include "config.h"
#include "usher/scim_api.h"

#include <stdlib.h>
#include <string.h>

#include "usher/api_common.h"
#include "usher/arena.h"
#include "usher/ctx.h"
#include "usher/db.h"
#include "usher/db_groups.h"
#include "usher/db_scim.h"
#include "usher/db_users.h"
#include "usher/group.h"
#include "usher/response.h"
#include "usher/scim_filter.h"
#include "usher/scim_patch.h"
#include "usher/scim_schema.h"

/* ---- the resource ----------------------------------------------------------------------- */

static struct json_object *group_resource_json(struct ctx *c, const char *base, const struct scim_group *g,
                                      bool with_members)
{
    struct json_object *o = json_object_new_object();
    struct json_object *schemas = json_object_new_array();
    json_object_array_add(schemas, json_object_new_string(SCIM_URN_GROUP));
    json_object_object_add(o, "schemas", schemas);
    json_object_object_add(o, "id", json_object_new_string(g->id));
    if (g->external_id)
        json_object_object_add(o, "externalId", json_object_new_string(g->external_id));
    json_object_object_add(o, "displayName", json_object_new_string(g->name));
    if (with_members) {
        struct user *users = NULL;
        size_t n = 0;
        if (db_group_members(c->db, c->arena, g->id, &users, &n) != DB_OK) {
            json_object_put(o);
            return NULL;
        }
        struct json_object *members = json_object_new_array_ext((int)(n ? n : 1));
        for (size_t i = 0; i < n; i++) {
            struct json_object *m = json_object_new_object();
            json_object_object_add(m, "value", json_object_new_string(users[i].id));
            json_object_object_add(m, "display",
                                   json_object_new_string(users[i].name ? users[i].name : ""));
            json_object_object_add(m, "$ref", json_object_new_string(
                                                  arena_printf(c->arena, "%s/Users/%s", base,
                                                               users[i].id)));
            json_object_object_add(m, "type", json_object_new_string("User"));
            json_object_array_add(members, m);
        }
        json_object_object_add(o, "members", members);
    }
    json_object_object_add(o, "meta", scim_meta(c, "Group",
                                                arena_printf(c->arena, "%s/Groups/%s", base,
                                                             g->id),
                                                g->created_at, g->updated_at, g->version));
    return o;
}

static int get_group(struct ctx *c, const char *id, struct scim_group **g)
{
    int rc = scim_id_plausible(id) ? db_scim_group_get(c->db, c->arena, id, g) : DB_NOT_FOUND;
    if (rc == DB_NOT_FOUND)
        scim_fail(c, 404, SCIM_TYPE_NONE, "Group not found");
    else if (rc != DB_OK)
        scim_db_error(c);
    return rc == DB_OK ? 0 : -1;
}

static void answer_group(struct ctx *c, const char *id, int status)
{
    struct scim_group *g;
    if (get_group(c, id, &g) != 0)
        return;
    const char *base = scim_base_url(c);
    struct json_object *o = group_resource_json(c, base, g, !scim_excluded(c, "members"));
    if (!o) {
        scim_db_error(c);
        return;
    }
    scim_project(c, o);
    scim_answer(c, status, o);
    response_header(c->res, "ETag", scim_etag(c, g->version));
    if (status == 201)
        response_header(c->res, "Location", arena_printf(c->arena, "%s/Groups/%s", base, g->id));
}

void scim_groups_list(struct ctx *c)
{
    long long start, count;
    struct scim_filter *filter;
    if (scim_paging(c, &start, &count) != 0 ||
        scim_query_filter(c, scim_group_filter_attrs, scim_group_filter_nattrs, SCIM_URN_GROUP,
                          &filter) != 0)
        return;
    struct scim_group *groups;
    size_t n;
    long long total;
    int rc = db_scim_group_list(c->db, c->arena, filter, start - 1, count, &groups, &n, &total);
    if (rc == DB_REFUSED_FILTER) {
        scim_fail(c, 400, SCIM_INVALID_FILTER, "The filter cannot be applied.");
        return;
    }
    if (rc != DB_OK) {
        scim_db_error(c);
        return;
    }
    const char *base = scim_base_url(c);
    bool members = !scim_excluded(c, "members");
    struct json_object *list = json_object_new_array_ext((int)(n ? n : 1));
    for (size_t i = 0; i < n; i++) {
        struct json_object *o = group_resource_json(c, base, &groups[i], members);
        if (!o) {
            json_object_put(list);
            scim_db_error(c);
            return;
        }
        scim_project(c, o);
        json_object_array_add(list, o);
    }
    scim_answer(c, 200, scim_list_response(list, total, start));
}

void scim_group_get(struct ctx *c)
{
    answer_group(c, ctx_param(c, "id"), 200);
}

/* ---- checks before a write -------------------------------------------------------------- */

/* The ids of a members list ([{"value": id, ...}]); 400 invalidValue, -1 otherwise. */
static int member_ids(struct ctx *c, struct json_object *members, const char ***ids, size_t *n)
{
    *ids = NULL;
    *n = 0;
    if (!members || json_object_is_type(members, json_type_null))
        return 0;
    if (!json_object_is_type(members, json_type_array)) {
        scim_fail(c, 400, SCIM_INVALID_VALUE, "members must be a list.");
        return -1;
    }
    size_t len = json_object_array_length(members);
    *ids = arena_calloc(c->arena, len ? len : 1, sizeof(**ids));
    for (size_t i = 0; i < len; i++) {
        struct json_object *v = scim_member(json_object_array_get_idx(members, i), "value");
        if (!v || !json_object_is_type(v, json_type_string)) {
            scim_fail(c, 400, SCIM_INVALID_VALUE, "Each member needs a \"value\" (a user id).");
            return -1;
        }
        (*ids)[(*n)++] = json_object_get_string(v);
    }
    return 0;
}

/* Every id names a user: 0; else 400 invalidValue (or 500), -1. */
static int members_exist(struct ctx *c, const char *const *ids, size_t n)
{
    const char *missing = NULL;
    if (db_scim_users_missing(c->db, c->arena, ids, n, &missing) != DB_OK) {
        scim_db_error(c);
        return -1;
    }
    if (missing) {
        scim_fail(c, 400, SCIM_INVALID_VALUE, "A member is no known user.");
        return -1;
    }
    return 0;
}

/* name and ext are free for group id (NULL: a new group): 0; else 409 uniqueness, -1. */
static int unique(struct ctx *c, const char *id, const char *name, const char *ext)
{
    const char *other = NULL;
    int rc = name ? db_scim_group_by_name(c->db, c->arena, name, &other) : DB_NOT_FOUND;
    if (rc == DB_OK && (!id || strcmp(other, id) != 0)) {
        scim_fail(c, 409, SCIM_UNIQUENESS, "A group with this displayName exists.");
        return -1;
    }
    if (rc == DB_ERROR) {
        scim_db_error(c);
        return -1;
    }
    rc = ext ? db_scim_group_by_external_id(c->db, c->arena, ext, &other) : DB_NOT_FOUND;
    if (rc == DB_OK && (!id || strcmp(other, id) != 0)) {
        scim_fail(c, 409, SCIM_UNIQUENESS, "A group with this externalId exists.");
        return -1;
    }
    if (rc == DB_ERROR) {
        scim_db_error(c);
        return -1;
    }
    return 0;
}

/* A string member or NULL; 400 invalidValue, -1 for another type. */
static int str_value(struct ctx *c, struct json_object *body, const char *name, const char **out)
{
    struct json_object *v = scim_member(body, name);
    *out = NULL;
    if (!v || json_object_is_type(v, json_type_null))
        return 0;
    if (!json_object_is_type(v, json_type_string) ||
        (strcmp(name, "externalId") == 0 && strlen(json_object_get_string(v)) > 255)) {
        scim_fail(c, 400, SCIM_INVALID_VALUE, arena_printf(c->arena, "%s must be a string%s.",
                                                           name, strcmp(name, "externalId") == 0
                                                               ? " of at most 255 characters"
                                                               : ""));
        return -1;
    }
    *out = json_object_get_string(v);
    if (!(*out)[0])
        *out = NULL;
    return 0;
}

/* ---- writes ----------------------------------------------------------------------------- */

/* Makes the group's members exactly want[0..nwant): one removal and one addition. */
static int set_members(struct ctx *c, const char *id, const char *const *want, size_t nwant)
{
    const char **have;
    size_t nhave;
    if (db_group_user_ids(c->db, c->arena, id, &have, &nhave) != DB_OK)
        return DB_ERROR;
    const char **drop = arena_calloc(c->arena, nhave ? nhave : 1, sizeof(*drop));
    size_t ndrop = 0;
    for (size_t i = 0; i < nhave; i++) {
        bool kept = false;
        for (size_t j = 0; j < nwant && !kept; j++)
            kept = strcmp(have[i], want[j]) == 0;
        if (!kept)
            drop[ndrop++] = have[i];
    }
    int rc = ndrop ? db_group_remove_users(c->db, id, drop, ndrop) : DB_OK;
    if (rc == DB_OK && nwant)
        rc = db_group_add_users(c->db, id, want, nwant);
    return rc;
}

/* A POST or PUT body of a group: displayName (required), externalId and members, checked
 * whole (members exist, name and externalId free but for group self_id, NULL on POST)
 * before anything is written. Returns 0, or -1 with the SCIM error answered. */
struct group_body {
    const char *name, *ext, **ids;
    size_t n;
    bool members_sent;
};

static int read_group_body(struct ctx *c, const char *self_id, struct group_body *b)
{
    struct json_object *body = scim_body_object(c);
    if (!body || str_value(c, body, "displayName", &b->name) != 0 ||
        str_value(c, body, "externalId", &b->ext) != 0 ||
        member_ids(c, scim_member(body, "members"), &b->ids, &b->n) != 0)
        return -1;
    if (!b->name) {
        scim_fail(c, 400, SCIM_INVALID_VALUE, "displayName is required.");
        return -1;
    }
    b->members_sent = scim_member(body, "members") != NULL;
    if (members_exist(c, b->ids, b->n) != 0 || unique(c, self_id, b->name, b->ext) != 0)
        return -1;
    return 0;
}

void scim_group_create(struct ctx *c)
{
    scim_audit(c, "scim.group.create", "group", NULL, NULL);
    struct group_body b;
    if (read_group_body(c, NULL, &b) != 0)
        return;
    const char *name = b.name, *ext = b.ext, **ids = b.ids;
    size_t n = b.n;
    struct user *primary = NULL;
    if (db_user_get_primary(c->db, c->arena, &primary) == DB_ERROR) {
        scim_db_error(c);
        return;
    }
    struct json_object *share = group_share_default(getenv("DEFAULT_GROUP_SHARE_PERMISSION"));
    struct json_object *data = group_new_data(NULL, share);
    struct group_write w = {
        .name = name, .description = "",
        .data = arena_strdup(c->arena, json_object_to_json_string_ext(
                                           data, JSON_C_TO_STRING_PLAIN |
                                                     JSON_C_TO_STRING_NOSLASHESCAPE)),
    };
    json_object_put(data);
    json_object_put(share);
    struct group *g;
    int rc = db_group_create(c->db, c->arena, primary ? primary->id : NULL, &w, &g);
    if (rc == DB_DUPLICATE) {
        scim_fail(c, 409, SCIM_UNIQUENESS, "A group with this displayName exists.");
        return;
    }
    if (rc == DB_OK && n)
        rc = db_group_add_users(c->db, g->id, ids, n);
    if (rc == DB_OK && ext)
        rc = db_scim_group_set_external_id(c->db, g->id, ext);
    if (rc != DB_OK) {
        rc == DB_DUPLICATE ? scim_fail(c, 409, SCIM_UNIQUENESS, "The externalId is taken.")
                           : scim_db_error(c);
        return;
    }
    scim_audit(c, "scim.group.create", "group", g->id,
               arena_printf(c->arena, "displayName%s%s", n ? " members" : "",
                            ext ? " externalId" : ""));
    answer_group(c, g->id, 201);
}

/* The end of PUT and PATCH: the writes that differ, then the answer. name, ext_set/ext and
 * members (NULL: unchanged) were checked. */
static void write_group(struct ctx *c, const struct scim_group *g, const char *name,
                        bool ext_set, const char *ext, const char *const *members,
                        size_t nmembers)
{
    int rc = DB_OK;
    if (name && strcmp(name, g->name) != 0) {
        struct group_write w = { .name = name };
        rc = db_group_update(c->db, g->id, &w);
    }
    if (rc == DB_OK && members)
        rc = set_members(c, g->id, members, nmembers);
    if (rc == DB_OK && ext_set)
        rc = db_scim_group_set_external_id(c->db, g->id, ext);
    else if (rc == DB_OK)
        rc = db_scim_group_touch(c->db, g->id);   /* every write moves the version on */
    if (rc == DB_DUPLICATE) {
        scim_fail(c, 409, SCIM_UNIQUENESS, "The displayName or externalId is taken.");
        return;
    }
    if (rc == DB_NOT_FOUND) {
        scim_fail(c, 404, SCIM_TYPE_NONE, "Group not found");
        return;
    }
    if (rc != DB_OK) {
        scim_db_error(c);
        return;
    }
    answer_group(c, g->id, 200);
}

void scim_group_replace(struct ctx *c)
{
    const char *id = ctx_param(c, "id");
    scim_audit(c, "scim.group.replace", "group", id, NULL);
    struct scim_group *g;
    if (get_group(c, id, &g) != 0 || scim_if_match(c, g->version) != 0)
        return;
    struct group_body b;
    if (read_group_body(c, g->id, &b) != 0)
        return;
    const char *name = b.name, *ext = b.ext, **ids = b.ids;
    size_t n = b.n;
    bool members_sent = b.members_sent;
    scim_audit(c, "scim.group.replace", "group", id,
               arena_printf(c->arena, "displayName externalId%s", members_sent ? " members" : ""));
    write_group(c, g, name, true, ext, members_sent ? (ids ? ids : (const char *[]){ "" }) : NULL,
                n);
}

void scim_group_patch(struct ctx *c)
{
    const char *id = ctx_param(c, "id");
    scim_audit(c, "scim.group.patch", "group", id, NULL);
    struct scim_group *g;
    if (get_group(c, id, &g) != 0 || scim_if_match(c, g->version) != 0)
        return;
    struct json_object *body = scim_body_object(c);
    if (!body)
        return;
    struct scim_patch patch;
    struct scim_error err = { 0 };
    if (!scim_patch_parse(c->arena, SCIM_RES_GROUP, body, g->id, &patch, &err)) {
        scim_fail_with(c, &err);
        return;
    }
    /* the member set after every op, in order, computed here; then one diff is written */
    const char **have;
    size_t nhave;
    if (db_group_user_ids(c->db, c->arena, g->id, &have, &nhave) != DB_OK) {
        scim_db_error(c);
        return;
    }
    size_t cap = nhave;
    for (size_t i = 0; i < patch.n; i++)
        cap += patch.ops[i].nids;
    const char **set = arena_calloc(c->arena, cap ? cap : 1, sizeof(*set));
    size_t nset = nhave;
    memcpy(set, have, nhave * sizeof(*set));
    bool members_changed = false, ext_set = false;
    const char *name = NULL, *ext = NULL;
    char *names = arena_strdup(c->arena, "");
    for (size_t i = 0; i < patch.n; i++) {
        const struct scim_patch_op *op = &patch.ops[i];
        if (!strstr(names, op->name))
            names = arena_printf(c->arena, "%s%s ", names, op->name);
        switch (op->attr) {
        case SCIM_PA_DISPLAY_NAME:
            if (!op->str || !op->str[0]) {
                scim_fail(c, 400, SCIM_INVALID_VALUE, "displayName must not be empty.");
                return;
            }
            name = op->str;
            break;
        case SCIM_PA_EXTERNAL_ID:
            ext_set = true;
            ext = op->str && op->str[0] ? op->str : NULL;
            if (ext && strlen(ext) > 255) {
                scim_fail(c, 400, SCIM_INVALID_VALUE,
                          "externalId must have at most 255 characters.");
                return;
            }
            break;
        case SCIM_PA_MEMBERS:
            members_changed = true;
            if (op->op != SCIM_PATCH_REMOVE && members_exist(c, op->ids, op->nids) != 0)
                return;
            if (op->op == SCIM_PATCH_REPLACE || op->remove_all)
                nset = 0;
            if (op->op == SCIM_PATCH_REMOVE) {
                for (size_t j = 0; j < op->nids; j++)
                    for (size_t k = 0; k < nset; k++)
                        if (strcmp(set[k], op->ids[j]) == 0)
                            set[k--] = set[--nset];
            } else {
                for (size_t j = 0; j < op->nids; j++) {
                    bool there = false;
                    for (size_t k = 0; k < nset && !there; k++)
                        there = strcmp(set[k], op->ids[j]) == 0;
                    if (!there)
                        set[nset++] = op->ids[j];
                }
            }
            break;
        default:
            break;
        }
    }
    if (unique(c, g->id, name, ext_set ? ext : NULL) != 0)
        return;
    scim_audit(c, "scim.group.patch", "group", id, names);
    write_group(c, g, name, ext_set, ext,
                members_changed ? (nset ? set : (const char *[]){ "" }) : NULL, nset);
}

void scim_group_delete(struct ctx *c)
{
    const char *id = ctx_param(c, "id");
    scim_audit(c, "scim.group.delete", "group", id, NULL);
    struct scim_group *g;
    if (get_group(c, id, &g) != 0 || scim_if_match(c, g->version) != 0)
        return;
    if (db_group_delete(c->db, g->id) != DB_OK) {
        scim_db_error(c);
        return;
    }
    response_bytes(c->res, 204, NULL, "", 0);
}
