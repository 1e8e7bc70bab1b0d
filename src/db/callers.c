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

/* The caller query, one round trip: the user row (only the columns authentication and the
 * session's answers need: never settings, info, oauth or scim), whether the token id was
 * revoked, the session row's last_seen_at (user_session, by the token's jti), the API key's
 * id, expiry, last use and endpoints (NULL for a token) and the config version; then,
 * UNION ALL, one row per group of the user with only the group's columns (the user's are
 * NULL there), so a user in many groups is not read once per group. The first %s: the user
 * columns, the second: as many NULLs. */
#define CALLER_SQL(key_cols, user_from, group_from) \
    "SELECT %s, rt.jti, us.last_seen_at, " key_cols ", " \
    "(SELECT cf.value FROM config cf WHERE cf.`key` = '" SETTINGS_VERSION_KEY "'), " \
    "NULL, NULL, NULL " user_from " " \
    "UNION ALL SELECT %s, NULL, NULL, NULL, NULL, NULL, NULL, NULL, " \
    "g.updated_at, g.id, g.permissions " group_from
#define CALLER_PROBES \
    "LEFT JOIN revoked_token rt ON rt.jti = ? " \
    "LEFT JOIN user_session us ON us.id = ? AND us.user_id = u.id "

static const char *nulls(void)
{
    static char list[8 * 64];
    if (!list[0])
        for (size_t i = 0, n = 0; i < user_nfields; i++)
            n += (size_t)snprintf(list + n, sizeof(list) - n, i ? ", NULL" : "NULL");
    return list;
}

/* Runs the caller query sql (made once by the caller, with CALLER_SQL) for jti and key. */
static int load(struct db *db, struct arena *a, const char *buf, const char *jti,
                const char *key, struct db_caller *out)
{
    struct db_result r;
    /* causal (galera): a revocation, role or settings change committed on any node counts */
    if (db_query_causal(db, a, buf,
                        DB_PARAMS(db_str(jti), db_str(jti), db_str(key), db_str(key)), &r) != DB_OK)
        return DB_ERROR;
    /* The user's row is the one with an id (the group rows have NULL there). */
    size_t row = 0;
    while (row < r.nrows && !db_cell(&r, row, 0))
        row++;
    if (row == r.nrows)
        return DB_NOT_FOUND;
    out->user = arena_calloc(a, 1, sizeof(*out->user));
    db_user_decode(a, out->user, &r, row, 0);
    out->revoked = db_cell(&r, row, user_nfields) != NULL;
    const char *seen = db_cell(&r, row, user_nfields + 1);
    out->has_session = seen != NULL;
    out->session_last_seen = seen ? strtoll(seen, NULL, 10) : 0;
    size_t k = user_nfields + 2;
    out->key_id = db_cell(&r, row, k);
    out->key_expires_at = db_cell(&r, row, k + 1) ? strtoll(db_cell(&r, row, k + 1), NULL, 10) : 0;
    out->key_last_used_at = db_cell(&r, row, k + 2) ? strtoll(db_cell(&r, row, k + 2), NULL, 10)
                                                    : 0;
    out->key_endpoints = db_cell(&r, row, k + 3);
    out->config_version = db_cell(&r, row, k + 4);
    out->group_trees = trees_from_rows(a, &r, k + 5);
    return DB_OK;
}

int db_caller_load_by_id(struct db *db, struct arena *a, const char *user_id, const char *jti,
                         struct db_caller *out)
{
    static char sql[4096];
    if (!sql[0])
        snprintf(sql, sizeof(sql),
                 CALLER_SQL("NULL, NULL, NULL, NULL",
                            "FROM `user` u " CALLER_PROBES "WHERE u.id = ?",
                            "FROM group_member gm JOIN `group` g ON g.id = gm.group_id "
                            "WHERE gm.user_id = ?"),
                 db_user_columns_of(USER_COLUMNS_CALLER), nulls());
    return load(db, a, sql, jti, user_id, out);
}

int db_caller_load_by_key_digest(struct db *db, struct arena *a, const char *digest,
                                 struct db_caller *out)
{
    static char sql[4096];
    if (!sql[0])
        snprintf(sql, sizeof(sql),
                 CALLER_SQL("k.id, k.expires_at, k.last_used_at, k.endpoints",
                            "FROM api_key k JOIN `user` u ON u.id = k.user_id "
                            /* a deactivated account's key finds no caller (SCIM, B.6) */
                            "JOIN auth au ON au.id = u.id AND au.active = 1 " CALLER_PROBES
                            "WHERE k.key_digest = ?",
                            "FROM api_key k JOIN group_member gm ON gm.user_id = k.user_id "
                            "JOIN `group` g ON g.id = gm.group_id WHERE k.key_digest = ?"),
                 db_user_columns_of(USER_COLUMNS_CALLER), nulls());
    return load(db, a, sql, "", digest, out);
}
