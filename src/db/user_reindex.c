/* usherctl reindex: the fences and the search index made again from the user table
 * (db_user_index_rebuild in db_user_index.h; the structures: sql/010_user_index.sql). */
#include "config.h"
#include "usher/db_user_index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "usher/arena.h"
#include "usher/db.h"
#include "usher/log.h"

#include "user_fences.h"

#define FENCE_SPAN UIX_RUN     /* users per run (sql/010 makes them so too) */
#define FENCES_PER_STEP 20     /* fences made while one step holds the order's lock */


/* One order's fences, as one compound statement run by the server (no round trip per
 * fence): first every run is opened (n IS NULL: writes leave the fences alone and the
 * listing walks as before), then fences are made from the smallest key up,
 * FENCES_PER_STEP to a transaction that holds the order's lock (so writes of that order
 * wait at most one step, and a write that waited sees the fences made). The same walk as
 * sql/010_user_index.sql, so both make the same fences. The super-runs are opened with the
 * runs and made from the fences in a last step (as sql/014_user_fence2.sql makes them). */
static char *order_script(unsigned i)
{
    const char *t = user_fence_orders[i].table, *c = user_fence_orders[i].col;
    const char *t2 = user_fence_orders[i].table2;
    /* email is unique: ORDER BY email, id would sort instead of reading uq_user_email */
    const char *by_id = strcmp(c, "email") == 0 ? "" : ", id";
    /* the sentinel, in the collation of the column (a variable compared with it) */
    const char *low = user_fence_orders[i].is_int ? "CAST(-9223372036854775807 - 1 AS SIGNED)"
                      : i == 0 ? "_utf8mb4'' COLLATE utf8mb4_unicode_ci"
                               : "_utf8mb4'' COLLATE utf8mb4_bin";
    size_t size = 4096;
    char *sql = malloc(size);
    if (!sql)
        return NULL;
    snprintf(sql, size,
        "BEGIN NOT ATOMIC "
        "DECLARE more INT DEFAULT 1; DECLARE f INT; "
        "SET @uix_k = %s, @uix_id = _utf8mb4'' COLLATE utf8mb4_bin; "
        "START TRANSACTION; "
        "SELECT ord INTO @uix_o FROM user_order_lock WHERE ord = %u FOR UPDATE; "
        "DELETE FROM %s; "
        "INSERT INTO %s (k, id, n) VALUES (@uix_k, @uix_id, NULL); "
        "DELETE FROM %s; "
        "INSERT INTO %s (k, id, n) VALUES (@uix_k, @uix_id, NULL); "
        "COMMIT; "
        "WHILE more DO "
        "  START TRANSACTION; "
        "  SELECT ord INTO @uix_o FROM user_order_lock WHERE ord = %u FOR UPDATE; "
        "  SET f = 0; "
        "  WHILE more AND f < %d DO "
        "    SET @uix_nid = NULL; "
        "    SELECT %s, id INTO @uix_nk, @uix_nid FROM `user` WHERE %s > @uix_k "
        "      OR (%s = @uix_k AND id >= @uix_id) ORDER BY %s%s LIMIT 1 OFFSET %d; "
        "    IF @uix_nid IS NULL THEN "
        "      UPDATE %s SET n = (SELECT COUNT(*) FROM `user` WHERE %s > @uix_k "
        "        OR (%s = @uix_k AND id >= @uix_id)) WHERE k = @uix_k AND id = @uix_id; "
        "      SET more = 0; "
        "    ELSE "
        "      UPDATE %s SET n = %d WHERE k = @uix_k AND id = @uix_id; "
        "      INSERT INTO %s (k, id, n) VALUES (@uix_nk, @uix_nid, NULL); "
        "      SET @uix_k = @uix_nk, @uix_id = @uix_nid; "
        "    END IF; "
        "    SET f = f + 1; "
        "  END WHILE; "
        "  COMMIT; "
        "END WHILE; "
        "START TRANSACTION; "
        "SELECT ord INTO @uix_o FROM user_order_lock WHERE ord = %u FOR UPDATE; "
        "DELETE FROM %s; " FENCE2_FILL_FMT "; "
        "COMMIT; "
        "END",
        low, i + 1, t, t, t2, t2, i + 1, FENCES_PER_STEP, c, c, c, c, by_id, FENCE_SPAN, t, c, c, t,
        FENCE_SPAN, t, i + 1, t2, t2, t);
    return sql;
}

static int rebuild_order(struct db *db, unsigned i, long long *made)
{
    static const char *const count_sql[UIX_ORDERS] = {
        "SELECT COUNT(*) FROM user_fence_name", "SELECT COUNT(*) FROM user_fence_email",
        "SELECT COUNT(*) FROM user_fence_created_at",
        "SELECT COUNT(*) FROM user_fence_last_active_at", "SELECT COUNT(*) FROM user_fence_role",
    };
    char *sql = order_script(i);
    struct arena *a = arena_new(512);
    const char *n = NULL;
    int rc = sql && a ? db_exec_script(db, sql) : DB_ERROR;
    if (rc == DB_OK && db_query_cell(db, a, count_sql[i], NULL, 0, &n) == DB_OK && n)
        *made += strtoll(n, NULL, 10);
    free(sql);
    arena_free(a);
    return rc;
}

/* The search index: built in a new table (Mroonga makes the index of a filled table in
 * one pass, many times faster than row by row), every row exact, swapped in; then the users
 * written since the build began copied again (new users by seq, changed ones by updated_at)
 * and made exact once their text is the committed one (as db_user_index_search_set does);
 * then, if the index holds more rows than there are users, the exact rows of users deleted
 * meanwhile are dropped (a search would count them: it reads `user` only for rows not
 * exact). */
static int rebuild_search(struct db *db, long long *searchable)
{
    static const char ask_sql[] =
        "SELECT COUNT(*), COALESCE((SELECT MAX(seq) FROM `user`), 0) FROM information_schema.engines "
        "WHERE engine = 'Mroonga' AND support IN ('YES', 'DEFAULT')";
    static const char build_sql[] =
        "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED;"
        "DROP TABLE IF EXISTS user_search_new, user_search_old;"
        USER_SEARCH_TABLE("IF NOT EXISTS user_search") ";"
        USER_SEARCH_TABLE("user_search_new") ";"
        "INSERT INTO user_search_new (exact, id, body, created_at) "
        "SELECT 1, id, " USER_SEARCH_BODY("") ", created_at FROM `user`;"
        "ALTER TABLE user_search_new " USER_SEARCH_FULLTEXT ";"
        "RENAME TABLE user_search TO user_search_old, user_search_new TO user_search;"
        "DROP TABLE user_search_old;"
        "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ";
    /* exact = 0 first (the table's first column), then exact where the text is the user's */
    static const char catch_up_sql[] =
        "REPLACE INTO user_search (exact, id, body, created_at) SELECT 0, id, "
        USER_SEARCH_BODY("") ", created_at FROM `user` WHERE seq > ? OR updated_at >= ?";
    static const char settle_sql[] =
        "UPDATE `user` u STRAIGHT_JOIN user_search s ON s.id = u.id SET s.exact = 1 "
        "WHERE (u.seq > ? OR u.updated_at >= ?) AND s.created_at = u.created_at "
        "AND CAST(s.body AS BINARY) = CAST(" USER_SEARCH_BODY("u.") " AS BINARY)";
    static const char counts_sql[] =
        "SELECT (SELECT COUNT(*) FROM user_search) - (SELECT COUNT(*) FROM `user`)";
    static const char ghosts_sql[] =
        "DELETE s FROM user_search s LEFT JOIN `user` u ON u.id = s.id "
        "WHERE s.exact = 1 AND u.id IS NULL";
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
    const char *extra = NULL;
    if (db_exec_script(db, build_sql) != DB_OK ||
        db_exec(db, catch_up_sql, DB_PARAMS(db_int(seq), db_int(since)), NULL) != DB_OK ||
        db_exec(db, settle_sql, DB_PARAMS(db_int(seq), db_int(since)), NULL) != DB_OK ||
        db_query_cell(db, a, counts_sql, NULL, 0, &extra) != DB_OK ||
        (extra && strtoll(extra, NULL, 10) > 0 &&
         db_exec(db, ghosts_sql, NULL, 0, NULL) != DB_OK) ||
        db_query_cell(db, a, count_sql, NULL, 0, &n) != DB_OK)
        rc = DB_ERROR;
    else if (searchable)
        *searchable = strtoll(n, NULL, 10);
    arena_free(a);
    return rc;
}

int db_user_index_rebuild(struct db *db, long long *fences, long long *searchable)
{
    /* the tables of sql/010 and 014, and the super-runs' version of sql/018 */
    static const char schema_sql[] =
        "SELECT (SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() "
        "AND table_name IN ('user_order_lock', 'user_fence_role', 'user_fence2_role')) + "
        "(SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE() "
        "AND table_name = 'user_fence2_role' AND column_name = 'v')";
    struct arena *a = arena_new(512);
    if (!a)
        return DB_ERROR;
    const char *v = NULL;
    int rc = db_query_cell(db, a, schema_sql, NULL, 0, &v);
    bool there = rc == DB_OK && v && strcmp(v, "4") == 0;
    arena_free(a);
    if (rc != DB_OK)
        return DB_ERROR;
    if (!there)
        return DB_NOT_FOUND;
    long long made = 0;
    for (unsigned i = 0; i < UIX_ORDERS; i++)
        if (rebuild_order(db, i, &made) != DB_OK) {
            log_error("reindex: the fences of %s: %s", user_fence_orders[i].col, db_error(db));
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
