/* The access previews (contract §1a/§1c, deltas §2.6 D19): what a user or a group can
 * read among the registered models, knowledge bases and tools, through access grants
 * (and, for a user, ownership). The target and its groups come with the caller (app.c);
 * the readable items and the totals from the worker's copy of the registries, or from one
 * query when it has none (db_previews.h). */
#include "config.h"
#include "usher/api.h"

#include "usher/api_common.h"
#include "usher/arena.h"
#include "usher/db.h"
#include "usher/db_groups.h"
#include "usher/db_previews.h"
#include "usher/db_users.h"
#include "usher/session.h"
#include "usher/group.h"
#include "usher/user.h"

/* The answer's member for each resource type. */
static const char *const list_names[RESOURCE__COUNT] = {
    [RESOURCE_MODEL] = "models", [RESOURCE_KNOWLEDGE] = "knowledge", [RESOURCE_TOOL] = "tools",
};

static struct json_object *id_name(const char *id, const char *name)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_string(id));
    json_object_object_add(o, "name", json_object_new_string(name ? name : ""));
    return o;
}

/* Adds models, knowledge and tools ({items: [{id, name}], total}) to o. */
static void add_lists(struct json_object *o, const struct preview_list lists[RESOURCE__COUNT])
{
    for (int t = 0; t < RESOURCE__COUNT; t++) {
        struct json_object *items = json_object_new_array_ext((int)(lists[t].n ? lists[t].n : 1));
        for (size_t i = 0; i < lists[t].n; i++)
            json_object_array_add(items, id_name(lists[t].items[i].id, lists[t].items[i].name));
        struct json_object *l = json_object_new_object();
        json_object_object_add(l, "items", items);
        json_object_object_add(l, "total", json_object_new_int64(lists[t].total));
        json_object_object_add(o, list_names[t], l);
    }
}

void users_preview(struct ctx *c)
{
    const struct user *u = c->target_user;
    const struct group *gs = c->target_groups;   /* TARGET_USER_GROUPS_404 */
    size_t ng = c->target_ngroups;
    const char **group_ids = arena_calloc(c->arena, ng ? ng : 1, sizeof(*group_ids));
    for (size_t i = 0; i < ng; i++)
        group_ids[i] = gs[i].id;
    struct preview_list lists[RESOURCE__COUNT];
    if (db_resource_preview(c->db, c->arena, c->session->resources_version, u->id, group_ids, ng,
                            NULL, lists) != DB_OK) {
        api_db_error(c);
        return;
    }
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "user", id_name(u->id, u->name));
    struct json_object *groups = json_object_new_array_ext((int)(ng ? ng : 1));
    for (size_t i = 0; i < ng; i++)
        json_object_array_add(groups, group_id_name_json(&gs[i]));
    json_object_object_add(o, "groups", groups);
    add_lists(o, lists);
    response_json(c->res, 200, o);
}

void groups_preview(struct ctx *c)
{
    const struct group *g = c->target_group;
    struct preview_list lists[RESOURCE__COUNT];
    if (db_resource_preview(c->db, c->arena, c->session->resources_version, NULL, NULL, 0, g->id,
                            lists) != DB_OK) {
        api_db_error(c);
        return;
    }
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "group", group_id_name_json(g));
    add_lists(o, lists);
    /* The group's permission JSON, or {} (also for a stored JSON null). */
    struct json_object *perms = g->permissions ? json_tokener_parse(g->permissions) : NULL;
    json_object_object_add(o, "permissions", perms ? perms : json_object_new_object());
    response_json(c->res, 200, o);
}
