/* Resource registries and access grants (see db_resources.h). */
#include "config.h"
#include "usher/db_resources.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "usher/arena.h"
#include "usher/crypto.h"
#include "usher/db.h"

#include "held_copy.h"

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

int db_resources_bump(struct db *db)
{
    static const char sql[] = "UPDATE group_version SET resources_v = ? WHERE id = 1";
    return held_copy_bump(db, sql);
}

/* Ends the transaction of a write of the registries or grants: on rc DB_OK gives them a
 * new version (the workers' copies, db_previews.h) and commits, else rolls back.
 * Returns rc, or DB_ERROR when the version or the commit failed. */
static int finish(struct db *db, int rc)
{
    if (rc == DB_OK && db_resources_bump(db) == DB_OK && db_commit(db) == DB_OK)
        return DB_OK;
    db_rollback(db);
    return rc == DB_OK ? DB_ERROR : rc;
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
    if (db_begin(db) != DB_OK)
        return DB_ERROR;
    int rc = r->type == RESOURCE_MODEL
                 ? db_exec(db, sql, DB_PARAMS(db_str(r->id), db_str_or_null(r->user_id),
                                              db_str(r->name), db_int(r->is_active),
                                              db_int(now), db_int(now)), NULL)
                 : db_exec(db, sql, DB_PARAMS(db_str(r->id), db_str_or_null(r->user_id),
                                              db_str(r->name), db_int(now), db_int(now)), NULL);
    return finish(db, rc);
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
    return finish(db, DB_OK);
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
        x->type = (enum resource_type)db_cell_ll(&r, i, 0);
        x->id = db_cell(&r, i, 1);
        x->name = db_cell(&r, i, 2);
        x->user_id = db_cell(&r, i, 3);
        x->is_active = db_cell_ll(&r, i, 4) != 0;
        x->created_at = db_cell_ll(&r, i, 5);
        x->updated_at = db_cell_ll(&r, i, 6);
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
    if (uuid4(id) != 0 || db_begin(db) != DB_OK)
        return DB_ERROR;
    return finish(db, db_exec(db, sql, DB_PARAMS(db_str(id), db_str(g->resource_type),
                                                 db_str(g->resource_id),
                                                 db_str(g->principal_type),
                                                 db_str(g->principal_id),
                                                 db_str(g->permission), db_int(now_s())),
                              NULL));
}

int db_grant_delete(struct db *db, const struct grant *g)
{
    static const char sql[] =
        "DELETE FROM access_grant WHERE resource_type = ? AND resource_id = ? AND "
        "principal_type = ? AND principal_id = ? AND permission = ?";
    unsigned long long gone = 0;
    if (db_begin(db) != DB_OK)
        return DB_ERROR;
    int rc = db_exec(db, sql, DB_PARAMS(db_str(g->resource_type), db_str(g->resource_id),
                                        db_str(g->principal_type), db_str(g->principal_id),
                                        db_str(g->permission)), &gone);
    return finish(db, rc != DB_OK ? rc : gone ? DB_OK : DB_NOT_FOUND);
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
                                    db_cell_ll(&r, i, 6) };
    return DB_OK;
}
