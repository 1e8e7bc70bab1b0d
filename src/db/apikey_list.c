/* Named API keys (see db_apikey_list.h). */
#include "config.h"
#include "usher/db_apikey_list.h"

#include <stdlib.h>
#include <string.h>

#include "usher/arena.h"
#include "usher/db.h"

static int newest_first(const void *pa, const void *pb)
{
    const struct db_apikey *a = pa, *b = pb;
    if (a->created_ms != b->created_ms)
        return a->created_ms > b->created_ms ? -1 : 1;
    return strcmp(a->id, b->id);
}

int db_apikey_list(struct db *db, struct arena *a, const char *user_id,
                   struct db_apikey **out, size_t *n)
{
    /* Sorted here: the rows are few (api_key.max_per_user), and no ORDER BY over TEXT. */
    static const char sql[] =
        "SELECT id, name, prefix, created_at, created_ms, expires_at, last_used_at, endpoints, "
        "key_sealed, id = CONCAT('key_', user_id) FROM api_key WHERE user_id = ?";
    struct db_result r;
    *out = NULL;
    *n = 0;
    if (db_query(db, a, sql, DB_PARAMS(db_str(user_id)), &r) != DB_OK)
        return DB_ERROR;
    struct db_apikey *rows = arena_calloc(a, r.nrows ? r.nrows : 1, sizeof(*rows));
    for (size_t i = 0; i < r.nrows; i++) {
        struct db_apikey *k = &rows[i];
        k->id = db_cell(&r, i, 0);
        k->name = db_cell(&r, i, 1);
        k->prefix = db_cell(&r, i, 2);
        k->created_at = db_cell_ll(&r, i, 3);
        k->created_ms = db_cell_ll(&r, i, 4);
        k->expires_at = db_cell_ll(&r, i, 5);
        k->last_used_at = db_cell_ll(&r, i, 6);
        k->endpoints = db_cell(&r, i, 7);
        k->sealed = db_cell(&r, i, 8);
        k->is_default = db_cell_ll(&r, i, 9) != 0;
    }
    qsort(rows, r.nrows, sizeof(*rows), newest_first);
    *out = rows;
    *n = r.nrows;
    return DB_OK;
}

int db_apikey_count(struct db *db, const char *user_id, long long *n, bool *has_default)
{
    static const char sql[] =
        "SELECT COUNT(*), COALESCE(SUM(id = CONCAT('key_', user_id)), 0) FROM api_key "
        "WHERE user_id = ?";
    struct arena *a = arena_new(512);
    struct db_result r;
    int rc = db_query(db, a, sql, DB_PARAMS(db_str(user_id)), &r);
    *n = rc == DB_OK && r.nrows ? db_cell_ll(&r, 0, 0) : 0;
    *has_default = rc == DB_OK && r.nrows && db_cell_ll(&r, 0, 1) > 0;
    arena_free(a);
    return rc;
}

int db_apikey_create(struct db *db, const char *user_id, const char *digest,
                     const struct db_apikey *k)
{
    static const char sql[] =
        "INSERT INTO api_key (id, user_id, key_digest, key_sealed, name, prefix, endpoints, "
        "expires_at, created_ms, created_at, updated_at) "
        "VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?)";
    return db_exec(db, sql, DB_PARAMS(db_str(k->id), db_str(user_id), db_str(digest),
                                      db_str(k->name), db_str(k->prefix),
                                      db_str_or_null(k->endpoints),
                                      k->expires_at ? db_int(k->expires_at) : db_null(),
                                      db_int(k->created_ms), db_int(k->created_at),
                                      db_int(k->created_at)), NULL);
}

int db_apikey_delete_id(struct db *db, const char *user_id, const char *id)
{
    static const char sql[] = "DELETE FROM api_key WHERE id = ? AND user_id = ?";
    unsigned long long affected = 0;
    if (db_exec(db, sql, DB_PARAMS(db_str(id), db_str(user_id)), &affected) != DB_OK)
        return DB_ERROR;
    return affected ? DB_OK : DB_NOT_FOUND;
}

int db_apikey_touch(struct db *db, const char *id, long long now)
{
    static const char sql[] = "UPDATE api_key SET last_used_at = ? WHERE id = ?";
    return db_exec_bounded(db, sql, DB_PARAMS(db_int(now), db_str(id)), NULL);
}
