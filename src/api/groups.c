/* /api/v1/groups (contract §1c, §5; deltas §3): listing with the share visibility rules,
 * create, read, export, members, update, membership changes and delete. The access
 * previews are in previews.c. Every answer that shows a group carries member_count. */
#include "config.h"
#include "usher/api.h"

#include <stdlib.h>
#include <string.h>

#include "usher/api_common.h"
#include "usher/arena.h"
#include "usher/audit.h"
#include "usher/db.h"
#include "usher/db_group_cache.h"
#include "usher/db_groups.h"
#include "usher/fields.h"
#include "usher/group.h"
#include "usher/session.h"
#include "usher/user.h"

/* ---- answers --------------------------------------------------------------------------- */

/* GroupResponse: GroupModel plus member_count. */
static struct json_object *group_response(const struct group *g, long long member_count)
{
    return group_response_json(g, member_count);
}

/* Answers GroupResponse for the group id as stored now, or 400 with text when it is gone
 * or the read fails. */
static void answer_group(struct ctx *c, const char *id, const char *text)
{
    struct group *g;
    long long count = 0;
    int rc = db_group_get_counted(c->db, c->arena, id, &g, &count);
    if (rc != DB_OK) {
        response_detail(c->res, 400, text);
        return;
    }
    response_json(c->res, 200, group_response(g, count));
}

/* ---- forms ----------------------------------------------------------------------------- */

/* GroupForm and GroupUpdateForm (the same fields). name is a VARCHAR(255); a description
 * of 16,383 characters fits the TEXT column whatever the characters (4 bytes each at
 * most), so neither can fail in the database for its length. */
enum { GROUP_NAME, GROUP_DESCRIPTION, GROUP_PERMISSIONS, GROUP_DATA, GROUP__MAX };
static const struct field_spec group_form_fields[GROUP__MAX] = {
    [GROUP_NAME] = { "name", FIELD_STR, true, false, 255, NULL, NULL },
    [GROUP_DESCRIPTION] = { "description", FIELD_STR, true, false, 16383, NULL, NULL },
    [GROUP_PERMISSIONS] = { "permissions", FIELD_OBJECT, false, true, 0, NULL, NULL },
    [GROUP_DATA] = { "data", FIELD_OBJECT, false, true, 0, NULL, NULL },
};
const struct form groups_form = FORM(group_form_fields);

/* UserIdsForm: user_ids?: [str] (null and absent alike). */
enum { IDS_USER_IDS, IDS__MAX };
static const struct field_spec user_ids_fields[IDS__MAX] = {
    [IDS_USER_IDS] = { "user_ids", FIELD_STR_LIST, false, true, 0, NULL, NULL },
};
const struct form groups_user_ids_form = FORM(user_ids_fields);

/* JSON text of a present, non-null object field, else NULL. */
static const char *object_text(struct ctx *c, const struct field_value *v)
{
    if (!v->present || v->is_null || !v->json)
        return NULL;
    return arena_strdup(c->arena, json_object_to_json_string_ext(
                                      v->json, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* The data a new group stores: the form's data (or {}) with config.share defaulted from
 * DEFAULT_GROUP_SHARE_PERMISSION. */
static const char *create_data(struct ctx *c, const struct field_value *v)
{
    struct json_object *share = group_share_default(getenv("DEFAULT_GROUP_SHARE_PERMISSION"));
    struct json_object *data = group_new_data(v->present && !v->is_null ? v->json : NULL, share);
    const char *text = arena_strdup(c->arena, json_object_to_json_string_ext(
                                                  data, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(data);
    json_object_put(share);
    return text;
}

/* ---- handlers -------------------------------------------------------------------------- */

/* The share query parameter as pydantic reads an Optional[bool]: -1 absent, 0/1, or -2
 * after answering the 422. */
static int share_param(struct ctx *c)
{
    const char *s = request_query(c->req, "share");
    if (!s || !*s)
        return -1;
    struct json_object *js = json_object_new_string(s);
    bool b = false;
    int rc = fields_lax_bool(js, &b);
    if (rc == 1) {
        json_object_put(js);
        return b;
    }
    struct json_object *item = json_object_new_object();
    json_object_object_add(item, "type", json_object_new_string("bool_parsing"));
    struct json_object *loc = json_object_new_array();
    json_object_array_add(loc, json_object_new_string("query"));
    json_object_array_add(loc, json_object_new_string("share"));
    json_object_object_add(item, "loc", loc);
    json_object_object_add(item, "msg", json_object_new_string(
                                            "Input should be a valid boolean, unable to interpret input"));
    json_object_object_add(item, "input", js);
    struct json_object *list = json_object_new_array();
    json_object_array_add(list, item);
    response_validation(c->res, list);
    return -2;
}

/* Answers the listing from the worker's copy of the groups (db_group_cache.h), kept at
 * the version the caller lookup read; false when there is none (then SQL answers). The
 * caller's groups came with its row, so no query is made at all. The order is the copy's
 * (most recently updated first), as the query's. */
static bool list_from_cache(struct ctx *c, enum group_visibility vis)
{
    const struct session *s = c->session;
    const struct group_cache *gc = db_group_cache_get(c->db, s->groups_version);
    if (!gc)
        return false;
    unsigned char *mine = arena_calloc(c->arena, gc->n ? gc->n : 1, 1);
    for (size_t i = 0; i < s->ngroups; i++) {
        const struct group_cached *g = db_group_cache_find(gc, s->group_ids[i]);
        if (g)
            mine[g - gc->groups] = 1;
    }
    size_t len = 2;
    bool *pick = arena_calloc(c->arena, gc->n ? gc->n : 1, sizeof(*pick));
    for (size_t i = 0; i < gc->n; i++) {
        const struct group_cached *g = &gc->groups[i];
        pick[i] = vis == GROUPS_ALL          ? true
                  : vis == GROUPS_MEMBER     ? mine[i]
                  : vis == GROUPS_SHARE_TRUE ? g->anyone || (g->members && mine[i])
                                             : g->not_shared && mine[i];
        if (pick[i])
            len += g->json_len + 1;
    }
    char *body = arena_alloc(c->arena, len + 1), *p = body;
    *p++ = '[';
    for (size_t i = 0; i < gc->n; i++) {
        if (!pick[i])
            continue;
        if (p > body + 1)
            *p++ = ',';
        memcpy(p, gc->groups[i].json, gc->groups[i].json_len);
        p += gc->groups[i].json_len;
    }
    *p++ = ']';
    response_arena_bytes(c->res, 200, "application/json", body, (size_t)(p - body));
    return true;
}

void groups_list(struct ctx *c)
{
    const struct user *me = c->session->user;
    int share = share_param(c);
    if (share == -2)
        return;
    /* Admins see every group whatever share says (they may share to any); others see
     * not-shared groups (share=false) only where they are members (stricter than Open
     * WebUI v0.11.0, which lists them to anyone). */
    enum group_visibility vis = me->role == ROLE_ADMIN ? GROUPS_ALL
                                : share < 0            ? GROUPS_MEMBER
                                : share                ? GROUPS_SHARE_TRUE
                                                       : GROUPS_SHARE_FALSE;
    if (list_from_cache(c, vis))
        return;
    struct group *gs;
    long long *counts;
    size_t n;
    if (db_group_list_visible(c->db, c->arena, vis, me->id, &gs, &counts, &n) != DB_OK) {
        api_db_error(c);
        return;
    }
    struct json_object *arr = json_object_new_array_ext((int)(n ? n : 1));
    for (size_t i = 0; i < n; i++)
        json_object_array_add(arr, group_response(&gs[i], counts[i]));
    response_json(c->res, 200, arr);
}

void groups_create(struct ctx *c)
{
    const struct field_value *v = c->v;
    audit_note(c, "group.create", "group", NULL);
    struct group_write w = {
        .name = v[GROUP_NAME].s,
        .description = v[GROUP_DESCRIPTION].s,
        .permissions = object_text(c, &v[GROUP_PERMISSIONS]),
        .data = create_data(c, &v[GROUP_DATA]),
    };
    struct group *g;
    /* A taken name (DB_DUPLICATE) is the reference's failed insert. */
    if (db_group_create(c->db, c->arena, c->session->user->id, &w, &g) != DB_OK) {
        response_detail(c->res, 400, ERR_GROUP_CREATE);
        return;
    }
    audit_note(c, "group.create", "group", g->id);
    response_json(c->res, 200, group_response(g, 0));
}

void groups_get(struct ctx *c)
{
    answer_group(c, c->target_group->id, ERR_NOT_FOUND);
}

void groups_info(struct ctx *c)
{
    const struct group *g = c->target_group;
    long long count = 0;
    struct group *fresh;
    if (db_group_get_counted(c->db, c->arena, g->id, &fresh, &count) != DB_OK) {
        api_db_error(c);
        return;
    }
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_string(fresh->id));
    json_object_object_add(o, "user_id", json_str_or_null(fresh->user_id));
    json_object_object_add(o, "name", json_object_new_string(fresh->name));
    json_object_object_add(o, "description", json_object_new_string(fresh->description));
    json_object_object_add(o, "member_count", json_object_new_int64(count));
    json_object_object_add(o, "created_at", json_object_new_int64(fresh->created_at));
    json_object_object_add(o, "updated_at", json_object_new_int64(fresh->updated_at));
    response_json(c->res, 200, o);
}

void groups_export(struct ctx *c)
{
    const char **ids;
    size_t n;
    if (db_group_user_ids(c->db, c->arena, c->target_group->id, &ids, &n) != DB_OK) {
        api_db_error(c);
        return;
    }
    struct json_object *o = group_response(c->target_group, (long long)n);
    struct json_object *arr = json_object_new_array_ext((int)(n ? n : 1));
    for (size_t i = 0; i < n; i++)
        json_object_array_add(arr, json_object_new_string(ids[i]));
    json_object_object_add(o, "user_ids", arr);
    response_json(c->res, 200, o);
}

void groups_members(struct ctx *c)
{
    struct user *us;
    size_t n;
    if (db_group_members(c->db, c->arena, ctx_param(c, "id"), &us, &n) != DB_OK) {
        response_detail(c->res, 400, ERR_GROUP_MEMBERS);
        return;
    }
    /* UserInfoResponse, with groups and is_active not computed (§1c). */
    struct json_object *arr = json_object_new_array_ext((int)(n ? n : 1));
    for (size_t i = 0; i < n; i++) {
        struct json_object *o = user_json(c->arena, &us[i], VIEW_INFO);
        json_object_object_add(o, "groups", json_object_new_array());
        json_object_object_add(o, "is_active", json_object_new_boolean(0));
        json_object_array_add(arr, o);
    }
    response_json(c->res, 200, arr);
}

void groups_update(struct ctx *c)
{
    const struct field_value *v = c->v;
    const char *id = ctx_param(c, "id");
    audit_note(c, "group.update", "group", id);
    /* Only the non-null fields are written (name and description are required). */
    struct group_write w = {
        .name = v[GROUP_NAME].s,
        .description = v[GROUP_DESCRIPTION].s,
        .permissions = object_text(c, &v[GROUP_PERMISSIONS]),
        .data = object_text(c, &v[GROUP_DATA]),
    };
    if (db_group_update(c->db, id, &w) != DB_OK) {
        response_detail(c->res, 400, ERR_GROUP_UPDATE);
        return;
    }
    answer_group(c, id, ERR_GROUP_UPDATE);
}

/* The user_ids of the form as an arena array of *n strings (none for null or absent). */
static const char *const *form_ids(struct ctx *c, size_t *n)
{
    struct json_object *arr = c->v[IDS_USER_IDS].json;
    *n = arr && json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
    const char **ids = arena_calloc(c->arena, *n ? *n : 1, sizeof(*ids));
    for (size_t i = 0; i < *n; i++)
        ids[i] = json_object_get_string(json_object_array_get_idx(arr, i));
    return ids;
}

static void change_members(struct ctx *c, bool add, const char *text)
{
    const char *id = ctx_param(c, "id");
    audit_note(c, add ? "group.users_add" : "group.users_remove", "group", id);
    size_t n;
    const char *const *ids = form_ids(c, &n);
    int rc = add ? db_group_add_users(c->db, id, ids, n) : db_group_remove_users(c->db, id, ids, n);
    if (rc != DB_OK) {
        response_detail(c->res, 400, text);
        return;
    }
    answer_group(c, id, text);
}

void groups_add_users(struct ctx *c)
{
    change_members(c, true, ERR_GROUP_ADD_USERS);
}

void groups_remove_users(struct ctx *c)
{
    change_members(c, false, ERR_GROUP_REMOVE_USERS);
}

void groups_delete(struct ctx *c)
{
    audit_note(c, "group.delete", "group", ctx_param(c, "id"));
    /* An unknown id deletes nothing and answers true, as the reference. */
    if (db_group_delete(c->db, ctx_param(c, "id")) != DB_OK) {
        response_detail(c->res, 400, ERR_GROUP_DELETE);
        return;
    }
    response_json(c->res, 200, json_object_new_boolean(1));
}
