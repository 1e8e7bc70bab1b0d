/* usherctl reindex: the fences and the search index made again from the user table
 * (db_user_index_rebuild in db_user_index.h; the structures: sql/010_user_index.sql). */
#include "config.h"
#include "usher/db_user_index.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "usher/arena.h"
#include "usher/db.h"
#include "usher/log.h"

#define FENCE_SPAN 1000        /* users per run (sql/010 makes them so too) */
#define FENCES_PER_STEP 20     /* fences made while one step holds the order's lock */

static const struct {
    const char *table;
    const char *col;
    bool is_int;
} defs[UIX_ORDERS] = {
    {"user_fence_name", "name", false},
    {"user_fence_email", "email", false},
    {"user_fence_created_at", "created_at", true},
    {"user_fence_last_active_at", "last_active_at", true},
    {"user_fence_role", "role", false},
};

struct stmts {
    char reset[160], sentinel[160], open[96], next[256], rest[256], close[128], add[128];
};

static void make_stmts(struct stmts *s, unsigned i)
{
    const char *t = defs[i].table, *c = defs[i].col;
    snprintf(s->reset, sizeof(s->reset), "DELETE FROM %s", t);
    snprintf(s->sentinel, sizeof(s->sentinel), "INSERT INTO %s (k, id, n) VALUES (?, '', NULL)", t);
    snprintf(s->open, sizeof(s->open), "SELECT k, id FROM %s WHERE n IS NULL", t);
    /* email is unique: ORDER BY email, id would sort instead of reading uq_user_email */
    snprintf(s->next, sizeof(s->next), "SELECT %s, id FROM `user` WHERE %s > ? OR (%s = ? AND "
             "id >= ?) ORDER BY %s%s LIMIT 1 OFFSET %d", c, c, c, c,
             strcmp(c, "email") == 0 ? "" : ", id", FENCE_SPAN);
    snprintf(s->rest, sizeof(s->rest), "SELECT COUNT(*) FROM `user` WHERE %s > ? OR (%s = ? "
             "AND id >= ?)", c, c);
    snprintf(s->close, sizeof(s->close), "UPDATE %s SET n = ? WHERE k = ? AND id = ?", t);
    snprintf(s->add, sizeof(s->add), "INSERT INTO %s (k, id, n) VALUES (?, ?, NULL)", t);
}

static struct db_param key(unsigned i, const char *v)
{
    return defs[i].is_int ? db_int(strtoll(v, NULL, 10)) : db_str(v);
}

static int lock_order(struct db *db, struct arena *a, unsigned i)
{
    static const char sql[] = "SELECT ord FROM user_order_lock WHERE ord = ? FOR UPDATE";
    struct db_result r;
    if (db_begin(db) != DB_OK)
        return DB_ERROR;
    if (db_query(db, a, sql, DB_PARAMS(db_int((long long)i + 1)), &r) != DB_OK) {
        db_rollback(db);
        return DB_ERROR;
    }
    return DB_OK;
}

static int fail(struct db *db)
{
    db_rollback(db);
    return DB_ERROR;
}

/* One step: up to FENCES_PER_STEP fences from the open one (n IS NULL). *done when the last
 * run is closed. */
static int step(struct db *db, struct arena *a, unsigned i, const struct stmts *s, bool *done,
                long long *made)
{
    struct db_result r;
    if (lock_order(db, a, i) != DB_OK)
        return DB_ERROR;
    if (db_query(db, a, s->open, NULL, 0, &r) != DB_OK || r.nrows != 1)
        return fail(db);
    const char *k = db_cell(&r, 0, 0), *id = db_cell(&r, 0, 1);
    for (int f = 0; f < FENCES_PER_STEP; f++) {
        struct db_param kp = key(i, k);
        struct db_result nx;
        if (db_query(db, a, s->next, DB_PARAMS(kp, kp, db_str(id)), &nx) != DB_OK)
            return fail(db);
        (*made)++;
        if (nx.nrows == 0) {
            const char *cnt = NULL;
            if (db_query_cell(db, a, s->rest, DB_PARAMS(kp, kp, db_str(id)), &cnt) != DB_OK ||
                db_exec(db, s->close, DB_PARAMS(db_int(strtoll(cnt, NULL, 10)), kp, db_str(id)),
                        NULL) != DB_OK)
                return fail(db);
            *done = true;
            break;
        }
        const char *nk = db_cell(&nx, 0, 0), *nid = db_cell(&nx, 0, 1);
        if (db_exec(db, s->close, DB_PARAMS(db_int(FENCE_SPAN), kp, db_str(id)), NULL) != DB_OK ||
            db_exec(db, s->add, DB_PARAMS(key(i, nk), db_str(nid)), NULL) != DB_OK)
            return fail(db);
        k = nk;
        id = nid;
    }
    return db_commit(db);
}

static int rebuild_order(struct db *db, unsigned i, long long *made)
{
    struct stmts s;
    make_stmts(&s, i);
    struct arena *a = arena_new(4096);
    if (!a)
        return DB_ERROR;
    /* Every run open: writes leave the fences alone and the listing walks as before. */
    int rc = lock_order(db, a, i);
    if (rc == DB_OK) {
        if (db_exec(db, s.reset, NULL, 0, NULL) != DB_OK ||
            db_exec(db, s.sentinel, DB_PARAMS(i == 2 || i == 3 ? db_int(LLONG_MIN) : db_str("")),
                    NULL) != DB_OK)
            rc = fail(db);
        else
            rc = db_commit(db);
    }
    bool done = false;
    while (rc == DB_OK && !done) {
        arena_reset(a);
        rc = step(db, a, i, &s, &done, made);
    }
    arena_free(a);
    return rc;
}

/* The search index: built in a new table (Mroonga makes the index of a filled table in
 * one pass, many times faster than row by row), swapped in, then the users written since
 * the build began copied again (new users by seq, changed ones by updated_at; deleted
 * users left behind are dropped by every search's check against `user`). */
static int rebuild_search(struct db *db, long long *searchable)
{
    static const char ask_sql[] =
        "SELECT COUNT(*), COALESCE((SELECT MAX(seq) FROM `user`), 0) FROM information_schema.engines "
        "WHERE engine = 'Mroonga' AND support IN ('YES', 'DEFAULT')";
    static const char build_sql[] =
        "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED;"
        "DROP TABLE IF EXISTS user_search_new, user_search_old;"
        "CREATE TABLE IF NOT EXISTS user_search (id VARCHAR(64) NOT NULL, body TEXT NOT NULL, "
        "PRIMARY KEY (id)) ENGINE=Mroonga DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;"
        "CREATE TABLE user_search_new (id VARCHAR(64) NOT NULL, body TEXT NOT NULL, "
        "PRIMARY KEY (id)) ENGINE=Mroonga DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;"
        "INSERT INTO user_search_new (id, body) SELECT id, "
        "CONCAT(LOWER(name) COLLATE utf8mb4_bin, '\\n', email) FROM `user`;"
        "ALTER TABLE user_search_new ADD FULLTEXT KEY ft_user_search (body) "
        "COMMENT 'tokenizer \"TokenBigram\", normalizer \"none\"';"
        "RENAME TABLE user_search TO user_search_old, user_search_new TO user_search;"
        "DROP TABLE user_search_old;"
        "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ";
    static const char catch_up_sql[] =
        "REPLACE INTO user_search (id, body) SELECT id, "
        "CONCAT(LOWER(name) COLLATE utf8mb4_bin, '\\n', email) FROM `user` "
        "WHERE seq > ? OR updated_at >= ?";
    static const char count_sql[] = "SELECT COUNT(*) FROM user_search";
    struct arena *a = arena_new(1024);
    if (!a)
        return DB_ERROR;
    struct db_result r;
    long long since = (long long)time(NULL) - 60;
    int rc = db_query(db, a, ask_sql, NULL, 0, &r);
    if (rc != DB_OK || r.nrows != 1 || strcmp(db_cell(&r, 0, 0), "0") == 0) {
        arena_free(a);
        if (searchable)
            *searchable = -1;
        return rc;   /* no Mroonga: nothing to build */
    }
    long long seq = strtoll(db_cell(&r, 0, 1), NULL, 10);
    const char *n = NULL;
    if (db_exec_script(db, build_sql) != DB_OK ||
        db_exec(db, catch_up_sql, DB_PARAMS(db_int(seq), db_int(since)), NULL) != DB_OK ||
        db_query_cell(db, a, count_sql, NULL, 0, &n) != DB_OK)
        rc = DB_ERROR;
    else if (searchable)
        *searchable = strtoll(n, NULL, 10);
    arena_free(a);
    return rc;
}

int db_user_index_rebuild(struct db *db, long long *fences, long long *searchable)
{
    static const char schema_sql[] =
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() "
        "AND table_name IN ('user_order_lock', 'user_fence_role')";
    struct arena *a = arena_new(512);
    if (!a)
        return DB_ERROR;
    const char *v = NULL;
    int rc = db_query_cell(db, a, schema_sql, NULL, 0, &v);
    bool there = rc == DB_OK && v && strcmp(v, "2") == 0;
    arena_free(a);
    if (rc != DB_OK)
        return DB_ERROR;
    if (!there)
        return DB_NOT_FOUND;
    long long made = 0;
    for (unsigned i = 0; i < UIX_ORDERS; i++)
        if (rebuild_order(db, i, &made) != DB_OK) {
            log_error("reindex: the fences of %s: %s", defs[i].col, db_error(db));
            return DB_ERROR;
        }
    if (fences)
        *fences = made;
    if (rebuild_search(db, searchable) != DB_OK) {
        log_error("reindex: the search index: %s", db_error(db));
        return DB_ERROR;
    }
    return DB_OK;
}
