/* The caller lookup (see db_callers.h). */
#include "config.h"
#include "usher/db_callers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usher/arena.h"
#include "usher/db.h"
#include "usher/db_rows.h"
#include "usher/db_users.h"
#include "usher/settings_store.h"

struct group_row { long long updated_at; const char *id; const char *permissions; };

static int group_row_cmp(const void *pa, const void *pb)
{
    const struct group_row *a = pa, *b = pb;
    if (a->updated_at != b->updated_at)
        return a->updated_at > b->updated_at ? -1 : 1;
    return strcmp(a->id, b->id);
}

/* The permission trees in columns col (group updated_at), col+1 (group id) and col+2 (its
 * permissions) of r, newest updated first, as a new JSON array. Rows without a group (the
 * LEFT JOIN of a user in none) are skipped. The groups are ordered here, not with ORDER BY,
 * which would cost MariaDB a temporary table on every request; and they come as rows of a
 * join, not one GROUP_CONCAT: with the TEXT trees that also made an on-disk temporary table
 * per request (measured: the caller lookup took twice as long, in a user with no group). */
static struct json_object *trees_from_rows(struct arena *a, const struct db_result *r, size_t col)
{
    struct group_row *rows = arena_calloc(a, r->nrows ? r->nrows : 1, sizeof(*rows));
    size_t n = 0;
    for (size_t i = 0; i < r->nrows; i++) {
        const char *upd = db_cell(r, i, col), *id = db_cell(r, i, col + 1);
        const char *perms = db_cell(r, i, col + 2);
        if (id && perms)
            rows[n++] = (struct group_row){ upd ? strtoll(upd, NULL, 10) : 0, id, perms };
    }
    qsort(rows, n, sizeof(*rows), group_row_cmp);
    struct json_object *trees = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        struct json_object *t = json_tokener_parse(rows[i].permissions);
        if (t)
            json_object_array_add(trees, t);
    }
    return trees;
}

int db_caller_group_trees(struct db *db, struct arena *a, const char *user_id,
                          struct json_object **out)
{
    static const char sql[] =
        "SELECT g.updated_at, g.id, g.permissions FROM group_member gm "
        "JOIN `group` g ON g.id = gm.group_id WHERE gm.user_id = ?";
    struct db_result r;
    if (db_query(db, a, sql, DB_PARAMS(db_str(user_id)), &r) != DB_OK) {
        *out = json_object_new_array();
        return DB_ERROR;
    }
    *out = trees_from_rows(a, &r, 0);
    return DB_OK;
}

/* The caller query: the user row, the revoked-token probe, the config version and one row
 * per group of the user (what follows the user columns, up to the WHERE). */
#define CALLER_SQL(where) \
    ", rt.jti, " \
    "(SELECT cf.value FROM config cf WHERE cf.`key` = '" SETTINGS_VERSION_KEY "'), " \
    "g.updated_at, g.id, g.permissions " where

static int load(struct db *db, struct arena *a, char *buf, size_t size, const char *rest,
                const char *jti, const char *key, struct db_caller *out)
{
    if (!buf[0])
        snprintf(buf, size, "SELECT %s %s", db_user_columns(), rest);
    struct db_result r;
    if (db_query(db, a, buf, DB_PARAMS(db_str(jti), db_str(key)), &r) != DB_OK)
        return DB_ERROR;
    if (r.nrows == 0)
        return DB_NOT_FOUND;
    out->user = arena_calloc(a, 1, sizeof(*out->user));
    db_user_decode(a, out->user, &r, 0, 0);
    out->revoked = db_cell(&r, 0, user_nfields) != NULL;
    out->config_version = db_cell(&r, 0, user_nfields + 1);
    out->group_trees = trees_from_rows(a, &r, user_nfields + 2);
    return DB_OK;
}

#define CALLER_GROUPS \
    "LEFT JOIN revoked_token rt ON rt.jti = ? " \
    "LEFT JOIN group_member gm ON gm.user_id = u.id " \
    "LEFT JOIN `group` g ON g.id = gm.group_id "

int db_caller_load_by_id(struct db *db, struct arena *a, const char *user_id, const char *jti,
                         struct db_caller *out)
{
    static char sql[2048];
    return load(db, a, sql, sizeof(sql),
                CALLER_SQL("FROM `user` u " CALLER_GROUPS "WHERE u.id = ?"), jti, user_id, out);
}

int db_caller_load_by_key_digest(struct db *db, struct arena *a, const char *digest,
                                 struct db_caller *out)
{
    static char sql[2048];
    return load(db, a, sql, sizeof(sql),
                CALLER_SQL("FROM api_key k JOIN `user` u ON u.id = k.user_id " CALLER_GROUPS
                           "WHERE k.key_digest = ?"), "", digest, out);
}
