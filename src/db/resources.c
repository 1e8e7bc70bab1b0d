/* Resource registries, access grants and the access previews (see db_resources.h). */
#include "config.h"
#include "usher/db_resources.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "usher/arena.h"
#include "usher/crypto.h"
#include "usher/db.h"

static const char *const type_names[RESOURCE__COUNT] = {
    [RESOURCE_MODEL] = "model", [RESOURCE_KNOWLEDGE] = "knowledge", [RESOURCE_TOOL] = "tool",
};

const char *resource_type_name(enum resource_type t)
{
    return (unsigned)t < RESOURCE__COUNT ? type_names[t] : "";
}

int resource_type_parse(const char *name)
{
    for (int t = 0; name && t < RESOURCE__COUNT; t++)
        if (strcmp(name, type_names[t]) == 0)
            return t;
    return -1;
}

/* Whole seconds of the precise clock (time() reads the coarse one). */
static long long now_s(void)
{
    return clock_now_ms() / 1000;
}

static long long cell_ll(const char *s)
{
    return s ? strtoll(s, NULL, 10) : 0;
}

/* ---- registries ------------------------------------------------------------------------ */

/* The statements of one registry table (the table name cannot be a parameter). */
struct registry_sql {
    const char *put, *del;
};

static const struct registry_sql registries[RESOURCE__COUNT] = {
    [RESOURCE_MODEL] = {
        "INSERT INTO model (id, user_id, name, is_active, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE user_id = VALUES(user_id), "
        "name = VALUES(name), is_active = VALUES(is_active), updated_at = VALUES(updated_at)",
        "DELETE FROM model WHERE id = ?",
    },
    [RESOURCE_KNOWLEDGE] = {
        "INSERT INTO knowledge (id, user_id, name, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE user_id = VALUES(user_id), "
        "name = VALUES(name), updated_at = VALUES(updated_at)",
        "DELETE FROM knowledge WHERE id = ?",
    },
    [RESOURCE_TOOL] = {
        "INSERT INTO tool (id, user_id, name, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE user_id = VALUES(user_id), "
        "name = VALUES(name), updated_at = VALUES(updated_at)",
        "DELETE FROM tool WHERE id = ?",
    },
};

int db_resource_put(struct db *db, const struct resource *r)
{
    if ((unsigned)r->type >= RESOURCE__COUNT)
        return DB_ERROR;
    long long now = now_s();
    const char *sql = registries[r->type].put;
    if (r->type == RESOURCE_MODEL)
        return db_exec(db, sql, DB_PARAMS(db_str(r->id), db_str_or_null(r->user_id),
                                          db_str(r->name), db_int(r->is_active), db_int(now),
                                          db_int(now)), NULL);
    return db_exec(db, sql, DB_PARAMS(db_str(r->id), db_str_or_null(r->user_id), db_str(r->name),
                                      db_int(now), db_int(now)), NULL);
}

int db_resource_delete(struct db *db, enum resource_type type, const char *id)
{
    static const char grants_sql[] =
        "DELETE FROM access_grant WHERE resource_type = ? AND resource_id = ?";
    if ((unsigned)type >= RESOURCE__COUNT)
        return DB_ERROR;
    unsigned long long gone = 0;
    if (db_begin(db) != DB_OK)
        return DB_ERROR;
    if (db_exec(db, registries[type].del, DB_PARAMS(db_str(id)), &gone) != DB_OK ||
        db_exec(db, grants_sql, DB_PARAMS(db_str(type_names[type]), db_str(id)), NULL) != DB_OK)
        goto fail;
    if (!gone) {
        db_rollback(db);
        return DB_NOT_FOUND;
    }
    if (db_commit(db) == DB_OK)
        return DB_OK;
fail:
    db_rollback(db);
    return DB_ERROR;
}

/* Every registered resource as (type ordinal, id, name, user_id, is_active, created_at,
 * updated_at), by type and id; "? < 0 OR t = ?" selects one type or all. */
#define ALL_RESOURCES \
    "SELECT 0 t, id, name, user_id, is_active, created_at, updated_at FROM model " \
    "UNION ALL SELECT 1, id, name, user_id, TRUE, created_at, updated_at FROM knowledge " \
    "UNION ALL SELECT 2, id, name, user_id, TRUE, created_at, updated_at FROM tool"

int db_resource_list(struct db *db, struct arena *a, int type, struct resource **out, size_t *n)
{
    static const char sql[] =
        "SELECT * FROM (" ALL_RESOURCES ") r WHERE ? < 0 OR r.t = ? ORDER BY r.t, r.id";
    struct db_result r;
    if (db_query(db, a, sql, DB_PARAMS(db_int(type), db_int(type)), &r) != DB_OK)
        return DB_ERROR;
    *n = r.nrows;
    *out = arena_calloc(a, r.nrows ? r.nrows : 1, sizeof(**out));
    for (size_t i = 0; i < r.nrows; i++) {
        struct resource *x = &(*out)[i];
        x->type = (enum resource_type)cell_ll(db_cell(&r, i, 0));
        x->id = db_cell(&r, i, 1);
        x->name = db_cell(&r, i, 2);
        x->user_id = db_cell(&r, i, 3);
        x->is_active = cell_ll(db_cell(&r, i, 4)) != 0;
        x->created_at = cell_ll(db_cell(&r, i, 5));
        x->updated_at = cell_ll(db_cell(&r, i, 6));
    }
    return DB_OK;
}

/* ---- grants ---------------------------------------------------------------------------- */

int db_grant_add(struct db *db, const struct grant *g)
{
    static const char sql[] =
        "INSERT INTO access_grant (id, resource_type, resource_id, principal_type, "
        "principal_id, permission, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)";
    char id[37];
    if (uuid4(id) != 0)
        return DB_ERROR;
    return db_exec(db, sql, DB_PARAMS(db_str(id), db_str(g->resource_type), db_str(g->resource_id),
                                      db_str(g->principal_type), db_str(g->principal_id),
                                      db_str(g->permission), db_int(now_s())),
                   NULL);
}

int db_grant_delete(struct db *db, const struct grant *g)
{
    static const char sql[] =
        "DELETE FROM access_grant WHERE resource_type = ? AND resource_id = ? AND "
        "principal_type = ? AND principal_id = ? AND permission = ?";
    unsigned long long gone = 0;
    int rc = db_exec(db, sql, DB_PARAMS(db_str(g->resource_type), db_str(g->resource_id),
                                        db_str(g->principal_type), db_str(g->principal_id),
                                        db_str(g->permission)), &gone);
    return rc != DB_OK ? rc : gone ? DB_OK : DB_NOT_FOUND;
}

int db_grant_list(struct db *db, struct arena *a, const char *resource_type,
                  const char *resource_id, struct grant **out, size_t *n)
{
    static const char sql[] =
        "SELECT id, resource_type, resource_id, principal_type, principal_id, permission, "
        "created_at FROM access_grant WHERE (? IS NULL OR resource_type = ?) AND "
        "(? IS NULL OR resource_id = ?) ORDER BY resource_type, resource_id, principal_type, "
        "principal_id, permission";
    struct db_result r;
    if (db_query(db, a, sql, DB_PARAMS(db_str_or_null(resource_type), db_str_or_null(resource_type),
                                       db_str_or_null(resource_id), db_str_or_null(resource_id)),
                 &r) != DB_OK)
        return DB_ERROR;
    *n = r.nrows;
    *out = arena_calloc(a, r.nrows ? r.nrows : 1, sizeof(**out));
    for (size_t i = 0; i < r.nrows; i++)
        (*out)[i] = (struct grant){ db_cell(&r, i, 0), db_cell(&r, i, 1), db_cell(&r, i, 2),
                                    db_cell(&r, i, 3), db_cell(&r, i, 4), db_cell(&r, i, 5),
                                    cell_ll(db_cell(&r, i, 6)) };
    return DB_OK;
}

/* ---- previews -------------------------------------------------------------------------- */

/* The resources the principal owns (the user_id parameters, NULL for a group) or may
 * read: a read grant to every signed-in user ('user' '*') or to the user, to anyone, to the
 * group or to a group the user is in ('' stands for "no such principal"). The grants are
 * found first, one index range per kind of grant (the principal index; the user's groups
 * by its memberships), then each resource by its key. An OR of the kinds per resource type
 * read every grant and every resource per request (1.9 ms at 400 of each), and a UNION per
 * type and kind cost MariaDB more to plan than to run: this is 0.4 ms. */
#define GRANTS_TO(WHERE) \
    "SELECT ag.resource_type rt, ag.resource_id rid FROM access_grant ag " \
    "WHERE ag.permission = 'read' AND " WHERE
#define OWNED(T) "SELECT '" T "', id FROM " T " WHERE user_id = ?"
#define READABLE_SQL                                                                        \
    "SELECT CASE x.rt WHEN 'model' THEN 0 WHEN 'knowledge' THEN 1 ELSE 2 END, "             \
    "COALESCE(m.updated_at, k.updated_at, tl.updated_at), x.rid, "                          \
    "COALESCE(m.name, k.name, tl.name) FROM ("                                              \
    GRANTS_TO("ag.principal_type = 'user' AND ag.principal_id IN ('*', ?)") " UNION "       \
    GRANTS_TO("ag.principal_type = 'anyone'") " UNION "                                     \
    GRANTS_TO("ag.principal_type = 'group' AND ag.principal_id = ?") " UNION "              \
    "SELECT ag.resource_type, ag.resource_id FROM group_member gm "                         \
    "STRAIGHT_JOIN access_grant ag ON ag.principal_type = 'group' "                         \
    "AND ag.principal_id = gm.group_id AND ag.permission = 'read' WHERE gm.user_id = ? "    \
    "UNION " OWNED("model") " UNION " OWNED("knowledge") " UNION " OWNED("tool") ") x "      \
    "LEFT JOIN model m ON x.rt = 'model' AND m.id = x.rid AND m.is_active "                 \
    "LEFT JOIN knowledge k ON x.rt = 'knowledge' AND k.id = x.rid "                         \
    "LEFT JOIN tool tl ON x.rt = 'tool' AND tl.id = x.rid "                                 \
    "WHERE m.id IS NOT NULL OR k.id IS NOT NULL OR tl.id IS NOT NULL "                      \
    /* the totals as one more row (type -1, first), in the same round trip */               \
    "UNION ALL SELECT -1, (SELECT COUNT(*) FROM model WHERE is_active), "                   \
    "(SELECT COUNT(*) FROM knowledge), (SELECT COUNT(*) FROM tool) "                        \
    "ORDER BY 1, 2 DESC, 3"

int db_resource_preview(struct db *db, struct arena *a, const char *user_id,
                        const char *group_id, struct preview_list lists[RESOURCE__COUNT])
{
    static const char items_sql[] = READABLE_SQL;
    const char *uid = user_id ? user_id : "", *gid = group_id ? group_id : "";
    struct db_param params[] = { db_str(uid), db_str(gid), db_str(uid), db_str_or_null(user_id),
                                 db_str_or_null(user_id), db_str_or_null(user_id) };
    struct db_result items;
    if (db_query(db, a, items_sql, params, sizeof(params) / sizeof(params[0]), &items) !=
            DB_OK ||
        items.nrows == 0 || cell_ll(db_cell(&items, 0, 0)) != -1)
        return DB_ERROR;
    for (int t = 0; t < RESOURCE__COUNT; t++) {
        lists[t].n = 0;
        lists[t].total = cell_ll(db_cell(&items, 0, (size_t)t + 1));
        lists[t].items = arena_calloc(a, items.nrows, sizeof(struct preview_item));
    }
    for (size_t i = 1; i < items.nrows; i++) {
        long long t = cell_ll(db_cell(&items, i, 0));
        if (t < 0 || t >= RESOURCE__COUNT)
            continue;
        struct preview_list *l = &lists[t];
        l->items[l->n++] = (struct preview_item){ db_cell(&items, i, 2), db_cell(&items, i, 3) };
    }
    return DB_OK;
}
