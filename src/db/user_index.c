/* The listing's fences and the users' search index (see db_user_index.h and
 * sql/010_user_index.sql). */
#include "config.h"
#include "usher/db_user_index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "usher/arena.h"
#include "usher/db.h"

#include "user_fence_copy.h"
#include "user_fences.h"

const struct user_fence_order user_fence_orders[UIX_ORDERS] = {
    {"user_fence_name", "user_fence2_name", "name", false, "ix_user_name"},
    {"user_fence_email", "user_fence2_email", "email", false, "uq_user_email"},
    {"user_fence_created_at", "user_fence2_created_at", "created_at", true,
     "ix_user_created_at"},
    {"user_fence_last_active_at", "user_fence2_last_active_at", "last_active_at", true,
     "ix_user_last_active_at"},
    {"user_fence_role", "user_fence2_role", "role", false, "ix_user_role"},
};

/* The user's keys, in the order of user_fence_orders; FOR UPDATE: the latest committed
 * row, which the write is about to change (a snapshot read could be older). */
static const char keys_sql[] =
    "SELECT name, email, created_at, last_active_at, role FROM `user` WHERE id = ? FOR UPDATE";

#define BODY USER_SEARCH_BODY("")
#define FT_COMMENT "COMMENT 'tokenizer \"TokenBigram\", normalizer \"none\"'"

static struct db_param key_param(unsigned i, const char *v)
{
    return user_fence_orders[i].is_int ? db_int(strtoll(v ? v : "0", NULL, 10))
                                       : db_str(v ? v : "");
}

int db_user_index_enter(struct db *db, struct arena *a, unsigned orders)
{
    static char sql[UIX_ALL + 1][128];
    orders &= UIX_ALL;
    if (!orders)
        return DB_OK;
    char *text = sql[orders];
    if (!text[0]) {
        size_t n = (size_t)snprintf(text, sizeof(sql[0]),
                                    "SELECT ord FROM user_order_lock WHERE ord IN (");
        for (unsigned i = 0, first = 1; i < UIX_ORDERS; i++)
            if (orders & (1u << i)) {
                n += (size_t)snprintf(text + n, sizeof(sql[0]) - n, first ? "%u" : ",%u", i + 1);
                first = 0;
            }
        snprintf(text + n, sizeof(sql[0]) - n, ") LOCK IN SHARE MODE");
    }
    struct db_result r;
    return db_query(db, a, text, NULL, 0, &r);
}

/* The fence table of order i (level 0) or its super-runs' (level 1). */
static const char *fence_table(unsigned level, unsigned i)
{
    return level ? user_fence_orders[i].table2 : user_fence_orders[i].table;
}

/* Adds the parameter to the run (level 0) or super-run (level 1) of order i that holds the
 * key (k, id): the last one starting at or below it. A super-run's v counts the writes that
 * changed it (sql/018: the workers' copies see them by its sum). */
static const char *move_sql(unsigned level, unsigned i)
{
    static char sql[2][UIX_ORDERS][160];
    char *text = sql[level][i];
    if (!text[0])
        snprintf(text, sizeof(sql[0][0]), "UPDATE %s SET n = n + ?%s WHERE k < ? OR (k = ? AND "
                 "id <= ?) ORDER BY k DESC, id DESC LIMIT 1", fence_table(level, i),
                 level ? ", v = v + 1" : "");
    return text;
}

static int move(struct db *db, struct arena *a, const char *id, unsigned orders, int delta)
{
    orders &= UIX_ALL;
    if (!orders)
        return DB_OK;
    struct db_result r;
    if (db_query(db, a, keys_sql, DB_PARAMS(db_str(id)), &r) != DB_OK)
        return DB_ERROR;
    if (r.nrows == 0)
        return DB_OK;
    for (unsigned i = 0; i < UIX_ORDERS; i++) {
        if (!(orders & (1u << i)))
            continue;
        struct db_param k = key_param(i, db_cell(&r, 0, i));
        for (unsigned level = 0; level < 2; level++)
            if (db_exec(db, move_sql(level, i), DB_PARAMS(db_int(delta), k, k, db_str(id)),
                        NULL) != DB_OK)
                return DB_ERROR;
    }
    return DB_OK;
}

int db_user_index_leave(struct db *db, struct arena *a, const char *id, unsigned orders)
{
    return move(db, a, id, orders, -1);
}

int db_user_index_join(struct db *db, struct arena *a, const char *id, unsigned orders)
{
    return move(db, a, id, orders, +1);
}

/* The first two fences (level 0) or super-runs (level 1) of order i: k, id and n, in key
 * order (the import's sentinel check). */
static const char *first_fences_sql(unsigned level, unsigned i)
{
    static char sql[2][UIX_ORDERS][96];
    char *text = sql[level][i];
    if (!text[0])
        snprintf(text, sizeof(sql[0][0]), "SELECT k, id, n FROM %s ORDER BY k, id LIMIT 2",
                 fence_table(level, i));
    return text;
}

/* ----- a batch of new users (the import) ----- */

/* The text of arr (a statement's parameter, read back by JSON_TABLE), in the arena; arr is
 * released. NULL when arr is (out of memory). */
static const char *json_param(struct arena *a, struct json_object *arr)
{
    const char *s = NULL;
    if (arr)
        s = arena_strdup(a, json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN));
    json_object_put(arr);
    return s;
}

/* ids[0..n) as one JSON array, the parameter of IDS_USERS. */
static const char *ids_json(struct arena *a, const char *const *ids, size_t n)
{
    struct json_object *arr = json_object_new_array_ext((int)(n ? n : 1));
    for (size_t i = 0; arr && i < n; i++)
        json_object_array_add(arr, json_object_new_string(ids[i]));
    return json_param(a, arr);
}

/* The users of a JSON array of ids (the parameter), as table u. */
#define IDS_USERS "JSON_TABLE(?, '$[*]' COLUMNS (uid VARCHAR(255) PATH '$')) j JOIN `user` u " \
                  "ON u.id = CONVERT(j.uid USING utf8mb4) COLLATE utf8mb4_bin"

/* The batch's users counted per run (level 0) or super-run (level 1) of order i: rows (fence
 * key, fence id, users). One sort of the order's fences together with the batch's keys, a
 * fence before a user of the same key (that user starts its run); a running count of the
 * fences numbers the runs. A user below every fence (none without the sentinel) is left
 * out, as join leaves it. A plain read, so no fence is locked to be read and then locked
 * again to be written (which would deadlock with a sign-up waiting for the same fence); it
 * sees the fences as they are because the transaction's first plain read comes after
 * db_user_index_enter, and only a holder of the order's lock exclusively (reindex, a split)
 * makes or drops fences. */
static const char *batch_runs_sql(unsigned level, unsigned i)
{
    static char sql[2][UIX_ORDERS][768];
    char *text = sql[level][i];
    if (!text[0])
        snprintf(text, sizeof(sql[0][0]),
                 "SELECT MAX(IF(f, k, NULL)) AS fk, MAX(IF(f, id, NULL)) AS fid, SUM(1 - f) AS c "
                 "FROM (SELECT k, id, f, SUM(f) OVER (ORDER BY k, id, f DESC ROWS UNBOUNDED "
                 "PRECEDING) AS run FROM (SELECT k, id, 1 AS f FROM %s UNION ALL "
                 "SELECT u.%s, u.id, 0 FROM " IDS_USERS ") m) r "
                 "GROUP BY run HAVING fid IS NOT NULL AND c > 0",
                 fence_table(level, i), user_fence_orders[i].col);
    return text;
}

/* Adds the counts of a JSON array [[key, id, users], ...] (the parameter) to those fences
 * of order i, found by their primary key (a run still being rebuilt, n IS NULL, stays so). */
static const char *batch_add_sql(unsigned level, unsigned i)
{
    static char sql[2][UIX_ORDERS][512];
    char *text = sql[level][i];
    const char *key = user_fence_orders[i].is_int ? "CAST(j.k AS SIGNED)"
                      : i == 0 ? "CONVERT(j.k USING utf8mb4) COLLATE utf8mb4_unicode_ci"
                               : "CONVERT(j.k USING utf8mb4) COLLATE utf8mb4_bin";
    if (!text[0])
        snprintf(text, sizeof(sql[0][0]),
                 "UPDATE %s f JOIN JSON_TABLE(?, '$[*]' COLUMNS (k VARCHAR(255) PATH '$[0]', "
                 "fid VARCHAR(255) PATH '$[1]', c BIGINT PATH '$[2]')) j ON f.k = %s "
                 "AND f.id = CONVERT(j.fid USING utf8mb4) COLLATE utf8mb4_bin "
                 "SET f.n = f.n + j.c%s", fence_table(level, i), key, level ? ", f.v = f.v + 1" : "");
    return text;
}

/* The runs (level 0) or super-runs (level 1) of order i gain the n users of ids_param:
 * three statements at most, whatever n (the first two plain reads, as batch_runs_sql says
 * why). */
static int join_batch(struct db *db, struct arena *a, unsigned level, unsigned i,
                      const char *ids_param, size_t n)
{
    /* The order's first two fences: when the only one is the sentinel (below every key; a
     * new install's fences until a reindex splits them), every user of the batch joins its
     * run, and the sort of batch_runs_sql is not needed. */
    struct db_result r;
    if (db_query(db, a, first_fences_sql(level, i), NULL, 0, &r) != DB_OK)
        return DB_ERROR;
    if (r.nrows == 1 && strcmp(db_cell(&r, 0, 1), "") == 0) {
        if (!db_cell(&r, 0, 2))
            return DB_OK;   /* a rebuild under way: its run is left alone */
        r.cells[2] = arena_printf(a, "%zu", n);
    } else if (db_query(db, a, batch_runs_sql(level, i), DB_PARAMS(db_str(ids_param)),
                        &r) != DB_OK) {
        return DB_ERROR;
    }
    if (r.nrows == 0)
        return DB_OK;
    struct json_object *arr = json_object_new_array_ext((int)r.nrows);
    for (size_t j = 0; arr && j < r.nrows; j++) {
        struct json_object *run = json_object_new_array_ext(3);
        json_object_array_add(run, json_object_new_string(db_cell(&r, j, 0)));
        json_object_array_add(run, json_object_new_string(db_cell(&r, j, 1)));
        json_object_array_add(run, json_object_new_int64(strtoll(db_cell(&r, j, 2), NULL, 10)));
        json_object_array_add(arr, run);
    }
    const char *runs = json_param(a, arr);
    if (!runs)
        return DB_ERROR;
    if (db_exec(db, batch_add_sql(level, i), DB_PARAMS(db_str(runs)), NULL) != DB_OK)
        return DB_ERROR;
    return DB_OK;
}

/* What add writes: the user's text and created_at, exact = 0; to a row already there its
 * text is added and exact cleared (before the body: exact is the table's first column,
 * and Mroonga writes the columns of a row in order). created_at stays: a search orders a
 * row at 0 by it too, and it is the committed one until set. */
#define SEARCH_ADD(from, where) \
    "INSERT INTO user_search (exact, id, body, created_at) SELECT 0, u.id, " \
    USER_SEARCH_BODY("u.") ", u.created_at FROM " from " " where " ON DUPLICATE KEY UPDATE " \
    "exact = 0, body = CONCAT(user_search.body, '\\n', VALUES(body))"

/* Rows s of the users u whose text and created_at are still the committed ones become exact
 * (not one whose user a write began to change since: it cleared exact and added text). */
#define SEARCH_SETTLE(from, where) \
    "UPDATE " from " SET s.exact = 1 WHERE " where " AND s.created_at = u.created_at " \
    "AND CAST(s.body AS BINARY) = CAST(" USER_SEARCH_BODY("u.") " AS BINARY)"

int db_user_index_join_many(struct db *db, struct arena *a, const char *const *ids, size_t n)
{
    static const char search_sql[] = SEARCH_ADD(IDS_USERS, "");
    if (n == 0)
        return DB_OK;
    const char *param = ids_json(a, ids, n);
    if (!param)
        return DB_ERROR;
    for (unsigned i = 0; i < UIX_ORDERS; i++)
        for (unsigned level = 0; level < 2; level++)
            if (join_batch(db, a, level, i, param, n) != DB_OK)
                return DB_ERROR;
    if (!db_user_index_has_search(db))
        return DB_OK;
    return db_exec(db, search_sql, DB_PARAMS(db_str(param)), NULL) == DB_ERROR ? DB_ERROR : DB_OK;
}

void db_user_index_search_set_many(struct db *db, struct arena *a, const char *const *ids,
                                   size_t n)
{
    static const char settle_sql[] = SEARCH_SETTLE(
        "JSON_TABLE(?, '$[*]' COLUMNS (uid VARCHAR(255) PATH '$')) j JOIN user_search s "
        "ON s.id = CONVERT(j.uid USING utf8mb4) COLLATE utf8mb4_bin JOIN `user` u ON u.id = s.id",
        "1");
    static const char set_sql[] =
        "REPLACE INTO user_search (exact, id, body, created_at) SELECT 0, u.id, "
        USER_SEARCH_BODY("u.") ", u.created_at FROM " IDS_USERS;
    static const char drop_sql[] =
        "DELETE s FROM JSON_TABLE(?, '$[*]' COLUMNS (uid VARCHAR(255) PATH '$')) j "
        "JOIN user_search s ON s.id = CONVERT(j.uid USING utf8mb4) COLLATE utf8mb4_bin "
        "LEFT JOIN `user` u ON u.id = s.id WHERE u.id IS NULL";
    if (n == 0 || !db_user_index_has_search(db))
        return;
    const char *param = ids_json(a, ids, n);
    unsigned long long settled = 0;
    /* a committed batch of new users: their rows hold their text already */
    if (!param || (db_exec(db, settle_sql, DB_PARAMS(db_str(param)), &settled) == DB_OK &&
                   settled == n))
        return;
    if (db_exec(db, set_sql, DB_PARAMS(db_str(param)), NULL) == DB_OK &&
        db_exec(db, drop_sql, DB_PARAMS(db_str(param)), NULL) == DB_OK)
        db_exec(db, settle_sql, DB_PARAMS(db_str(param)), NULL);
}

/* ----- search index ----- */

/* 1: the index is there (Mroonga, of sql/015's shape), 0: not (yet) seen, so asked again at
 * most every 64 calls; Galera replicates no Mroonga table, so a node of a cluster reads
 * `user` instead. */
static int has_search = 0;
static unsigned asked;

bool db_user_index_has_search(struct db *db)
{
    static const char sql[] =
        "SELECT COUNT(*) FROM information_schema.tables t JOIN information_schema.columns c "
        "ON c.table_schema = t.table_schema AND c.table_name = t.table_name "
        "AND c.column_name = 'exact' WHERE t.table_schema = DATABASE() "
        "AND t.table_name = 'user_search' AND t.engine = 'Mroonga' AND @@global.wsrep_on = 0";
    if (has_search)
        return true;
    if (asked++ % 64)
        return false;
    struct arena *a = arena_new(512);
    const char *v = NULL;
    if (a && db_query_cell(db, a, sql, NULL, 0, &v) == DB_OK && v && strcmp(v, "0") != 0)
        has_search = 1;
    arena_free(a);
    return has_search;
}

int db_user_index_search_add(struct db *db, const char *id)
{
    static const char sql[] = SEARCH_ADD("`user` u", "WHERE u.id = ?");
    if (!db_user_index_has_search(db))
        return DB_OK;
    return db_exec(db, sql, DB_PARAMS(db_str(id)), NULL) == DB_ERROR ? DB_ERROR : DB_OK;
}

int db_user_index_search_hold(struct db *db, const char *id)
{
    static const char sql[] = "UPDATE user_search SET exact = 0 WHERE id = ?";
    if (!db_user_index_has_search(db))
        return DB_OK;
    return db_exec(db, sql, DB_PARAMS(db_str(id)), NULL) == DB_ERROR ? DB_ERROR : DB_OK;
}

void db_user_index_search_set(struct db *db, const char *id)
{
    static const char settle_sql[] = SEARCH_SETTLE(
        "user_search s JOIN `user` u ON u.id = s.id", "s.id = ?");
    /* exact = 0 first (the first column): the body changes under a row checked as before */
    static const char set_sql[] =
        "REPLACE INTO user_search (exact, id, body, created_at) SELECT 0, id, " BODY ", "
        "created_at FROM `user` WHERE id = ?";
    static const char drop_sql[] = "DELETE FROM user_search WHERE id = ?";
    if (!db_user_index_has_search(db))
        return;
    unsigned long long n = 0;
    /* a new user's row holds its text already: only exact changes, not the n-gram index */
    if (db_exec(db, settle_sql, DB_PARAMS(db_str(id)), &n) != DB_OK || n > 0 ||
        db_exec(db, set_sql, DB_PARAMS(db_str(id)), &n) != DB_OK)
        return;
    if (n == 0)
        db_exec(db, drop_sql, DB_PARAMS(db_str(id)), NULL);
    else
        db_exec(db, settle_sql, DB_PARAMS(db_str(id)), NULL);
}

/* ----- finding a page ----- */

/* The super-runs of order i in key order, each row with the user count (the fences must add
 * up to it; read in the same statement, so from the same snapshot) and its v. */
#define SUPER_V_COL 4
static const char *supers_sql(unsigned i)
{
    static char sql[UIX_ORDERS][128];
    if (!sql[i][0])
        snprintf(sql[i], sizeof(sql[i]), "SELECT k, id, n, (SELECT n FROM user_count WHERE "
                 "id = 1), v FROM %s ORDER BY k, id", user_fence_orders[i].table2);
    return sql[i];
}

const char *db_user_index_check_sql(unsigned order)
{
    static char sql[UIX_ORDERS][192];
    unsigned i = user_fence_index(order);
    if (i == UIX_ORDERS)
        return NULL;
    if (!sql[i][0])
        snprintf(sql[i], sizeof(sql[i]), "(SELECT CONCAT_WS(',', COUNT(*), SUM(f.n), SUM(f.v), "
                 "(SELECT c.n FROM user_count c WHERE c.id = 1)) FROM %s f)",
                 user_fence_orders[i].table2);
    return sql[i];
}

const char *db_user_index_walked(unsigned order)
{
    unsigned i = user_fence_index(order);
    return i == UIX_ORDERS ? NULL : user_fence_orders[i].index;
}

void db_user_index_forget(unsigned order)
{
    fence_copy_forget(user_fence_index(order));
}

/* The fences of order i in key order: every one (bounds 0), from the key of the parameters
 * (1), or from it up to the next key of the parameters, excluded (2): one super-run. */
static const char *fences_sql(unsigned i, unsigned bounds)
{
    static char sql[UIX_ORDERS][3][256];
    char *text = sql[i][bounds];
    if (!text[0])
        snprintf(text, sizeof(sql[0][0]), "SELECT k, id, n FROM %s %s%sORDER BY k, id",
                 user_fence_orders[i].table,
                 bounds ? "WHERE (k > ? OR (k = ? AND id >= ?)) " : "",
                 bounds > 1 ? "AND (k < ? OR (k = ? AND id < ?)) " : "");
    return text;
}

/* The sum of the n of rows (k, id, n), or -1 when one is NULL (a rebuild under way). */
static long long sum_runs(const struct db_result *r)
{
    long long total = 0;
    for (size_t j = 0; j < r->nrows; j++) {
        const char *n = db_cell(r, j, 2);
        if (!n)
            return -1;
        total += strtoll(n, NULL, 10);
    }
    return total;
}

/* Locates the page of ascending positions [lo, hi] among rows (k, id, n) of fences, which
 * start at position base and are followed by the fence (next_k, next_id) (NULL: none): up
 * from the fence of lo's run, or down from the fence after hi's run, whichever skips
 * fewer; and the longest run there past UIX_RUN_MAX. */
static void locate(const struct db_result *r, long long base, const char *next_k,
                   const char *next_id, long long lo, long long hi,
                   struct user_index_start *out)
{
    long long b = base, longest = UIX_RUN_MAX, up = -1, down = -1;
    const char *up_k = NULL, *up_id = NULL, *down_k = NULL, *down_id = NULL;
    for (size_t j = 0; j < r->nrows; j++) {
        long long n = strtoll(db_cell(r, j, 2), NULL, 10);
        if (n > longest) {
            longest = n;
            out->long_key = db_cell(r, j, 0);
            out->long_key_id = db_cell(r, j, 1);
        }
        if (b <= lo && lo < b + n) {
            up = lo - b;
            up_k = db_cell(r, j, 0);
            up_id = db_cell(r, j, 1);
        }
        if (b <= hi && hi < b + n) {
            down = b + n - 1 - hi;
            down_k = j + 1 < r->nrows ? db_cell(r, j + 1, 0) : next_k;   /* NULL: the last */
            down_id = j + 1 < r->nrows ? db_cell(r, j + 1, 1) : next_id;
        }
        b += n;
    }
    if (up < 0 && down < 0)
        return;
    out->usable = true;
    out->limit = hi - lo + 1;
    out->walk_desc = up < 0 || (down >= 0 && down < up);
    out->key = out->walk_desc ? down_k : up_k;
    out->key_id = out->walk_desc ? down_id : up_id;
    out->skip = out->walk_desc ? down : up;
}

/* The ascending positions of the first and last user of a page of at most limit users at
 * offset in the order (descending: from the end), of total users, noted in out; false (and
 * out->past) when the page is past the last. */
static bool page_span(struct user_index_start *out, long long total, bool desc,
                      long long offset, long long limit, long long *lo, long long *hi)
{
    out->total = total;
    if (offset >= total) {
        out->past = true;
        return false;
    }
    long long first = desc ? total - 1 - offset : offset;
    long long last = desc ? first - (limit - 1) : first + (limit - 1);
    if (last < 0)
        last = 0;
    if (last > total - 1)
        last = total - 1;
    *lo = desc ? last : first;
    *hi = desc ? first : last;
    return true;
}

/* From the super-runs sup (their sum checked against the count): reads the fences of the
 * one holding pos (lo or hi), from the worker's copy when it holds them, and locates the
 * page [lo, hi] there. *found false when they do not match it (written meanwhile, a
 * rebuild, fences dropped by hand): then every fence is read. Fences read that match are
 * kept in the copy when sup is the copy's (keep). */
static int find_in_super(struct db *db, struct arena *a, unsigned i, const struct db_result *sup,
                         long long pos, long long lo, long long hi, bool keep,
                         struct user_index_start *out, bool *found)
{
    *found = false;
    long long b = 0, n = 0;
    size_t s = 0;
    for (; s < sup->nrows; s++) {
        n = strtoll(db_cell(sup, s, 2), NULL, 10);
        if (pos < b + n)
            break;
        b += n;
    }
    if (s == sup->nrows)
        return DB_OK;
    const char *k = db_cell(sup, s, 0), *kid = db_cell(sup, s, 1);
    const char *next_k = s + 1 < sup->nrows ? db_cell(sup, s + 1, 0) : NULL;
    const char *next_id = s + 1 < sup->nrows ? db_cell(sup, s + 1, 1) : NULL;
    const struct db_result *held = keep ? fence_copy_fences(i, s) : NULL;
    struct db_result r;
    if (held) {
        r = *held;
    } else {
        struct db_param p[6] = {key_param(i, k), key_param(i, k), db_str(kid)};
        size_t np = 3;
        if (next_k) {
            p[np++] = key_param(i, next_k);
            p[np++] = key_param(i, next_k);
            p[np++] = db_str(next_id);
        }
        if (db_query(db, a, fences_sql(i, next_k ? 2 : 1), p, np, &r) != DB_OK)
            return DB_ERROR;
    }
    if (r.nrows == 0 || strcmp(db_cell(&r, 0, 0), k) != 0 || strcmp(db_cell(&r, 0, 1), kid) != 0 ||
        sum_runs(&r) != n)
        return DB_OK;
    if (keep && !held)
        fence_copy_keep_fences(i, s, &r);
    locate(&r, b, next_k, next_id, lo, hi, out);
    *found = out->usable;
    return DB_OK;
}

/* The page located in the worker's copy of order i (see user_fence_copy.h): *found with
 * out->check set (the page's statement checks the copy); not found when none is held, the
 * page is past the last by it (read again: the total must be the committed one), or its
 * fences do not match (then the copy is forgotten). Keys are copied to the arena (a split
 * forgets the copy). */
static int find_in_copy(struct db *db, struct arena *a, unsigned i, bool desc, long long offset,
                        long long limit, struct user_index_start *out, bool *found)
{
    *found = false;
    long long count = 0;
    const char *check = NULL;
    const struct db_result *sup = fence_copy_supers(db, i, &count, &check);
    if (!sup)
        return DB_OK;
    long long lo, hi;
    out->count = count;
    int rc = DB_OK;
    if (page_span(out, count, desc, offset, limit, &lo, &hi))
        rc = find_in_super(db, a, i, sup, desc ? hi : lo, lo, hi, true, out, found);
    if (rc != DB_OK || !*found) {
        fence_copy_forget(i);
        struct user_index_start none = {.count = -1};
        *out = none;
        *found = false;
        return rc;
    }
    out->check = arena_strdup(a, check);
    out->key = out->key ? arena_strdup(a, out->key) : NULL;
    out->key_id = out->key_id ? arena_strdup(a, out->key_id) : NULL;
    out->long_key = out->long_key ? arena_strdup(a, out->long_key) : NULL;
    out->long_key_id = out->long_key_id ? arena_strdup(a, out->long_key_id) : NULL;
    return DB_OK;
}

int db_user_index_find(struct db *db, struct arena *a, unsigned order, bool desc,
                       long long offset, long long limit, struct user_index_start *out)
{
    memset(out, 0, sizeof(*out));
    out->count = -1;
    unsigned i = user_fence_index(order);
    if (i == UIX_ORDERS || offset < 0 || limit < 1)
        return DB_OK;
    /* Inside a transaction the fences read may hold its own uncommitted moves, which a
     * rollback takes back: nothing is kept from there (nor read from the copy). */
    bool copy = !db_in_transaction(db);
    bool found = false;
    if (copy && find_in_copy(db, a, i, desc, offset, limit, out, &found) != DB_OK)
        return DB_ERROR;
    if (found)
        return DB_OK;
    /* The super-runs in key order (the table's primary key: no sort; a window function over
     * them sorted the keys again, in name's collation), summed here; then the fences of
     * the one that holds the page. Kept in the worker's copy when they add up. */
    struct db_result sup, r;
    if (db_query(db, a, supers_sql(i), NULL, 0, &sup) != DB_OK)
        return DB_ERROR;
    if (sup.nrows > 0) {
        const char *count = db_cell(&sup, 0, 3);
        out->count = count ? strtoll(count, NULL, 10) : 0;
    }
    long long total = sum_runs(&sup);
    if (sup.nrows > 0 && total == out->count) {
        if (copy)
            fence_copy_keep_supers(db, i, &sup, SUPER_V_COL, out->count);
        long long lo, hi;
        if (!page_span(out, total, desc, offset, limit, &lo, &hi))
            return DB_OK;   /* past the last page */
        if (find_in_super(db, a, i, &sup, desc ? hi : lo, lo, hi, copy, out, &found) != DB_OK)
            return DB_ERROR;
        if (found)
            return DB_OK;
        if (copy)
            fence_copy_forget(i);   /* its fences do not match it: nothing to keep */
    }
    /* The super-runs do not match: every fence, as before them. */
    struct user_index_start none = {.count = out->count};
    *out = none;
    if (db_query(db, a, fences_sql(i, 0), NULL, 0, &r) != DB_OK)
        return DB_ERROR;
    total = sum_runs(&r);
    if (total < 0)
        return DB_OK;   /* a rebuild under way: walk as before */
    long long lo, hi;
    if (!page_span(out, total, desc, offset, limit, &lo, &hi))
        return DB_OK;   /* past the last page */
    locate(&r, 0, NULL, NULL, lo, hi, out);
    return DB_OK;
}

int db_user_index_split(struct db *db, struct arena *a, unsigned order, const char *run_key,
                        const char *run_id)
{
    unsigned i = user_fence_index(order);
    if (i == UIX_ORDERS || !run_key || !run_id || db_wsrep(db) || db_in_transaction(db))
        return DB_OK;
    const struct user_fence_order *f = &user_fence_orders[i];
    static char walk_sql[UIX_ORDERS][256], add_sql[UIX_ORDERS][96], cut_sql[UIX_ORDERS][96],
        run_sql[UIX_ORDERS][96];
    if (!walk_sql[i][0]) {
        /* email is unique: ORDER BY email, id would sort instead of reading uq_user_email */
        const char *by_id = strcmp(f->col, "email") == 0 ? "" : ", id";
        snprintf(walk_sql[i], sizeof(walk_sql[i]),
                 "SELECT %s, id FROM `user` WHERE %s > ? OR (%s = ? AND id >= ?) "
                 "ORDER BY %s%s LIMIT 1 OFFSET %d", f->col, f->col, f->col, f->col, by_id,
                 UIX_RUN);
        snprintf(add_sql[i], sizeof(add_sql[i]), "INSERT INTO %s (k, id, n) VALUES (?, ?, ?)",
                 f->table);
        snprintf(cut_sql[i], sizeof(cut_sql[i]), "UPDATE %s SET n = ? WHERE k = ? AND id = ?",
                 f->table);
        snprintf(run_sql[i], sizeof(run_sql[i]), "SELECT k, id, n FROM %s WHERE k = ? AND id = ?",
                 f->table);
    }
    struct db_param run_k = f->is_int ? db_int(strtoll(run_key, NULL, 10)) : db_str(run_key);
    static const char lock_sql[] = "SELECT ord FROM user_order_lock WHERE ord = ? FOR UPDATE";
    if (db_begin(db) != DB_OK)
        return DB_ERROR;
    struct db_result lock, fence, next;
    /* With the order's row held exclusively no write of the order is under way: the run's
     * count is exact, and the users read next are the ones it counts. */
    if (db_query(db, a, lock_sql, DB_PARAMS(db_int((long long)i + 1)), &lock) != DB_OK ||
        db_query(db, a, run_sql[i], DB_PARAMS(run_k, db_str(run_id)), &fence) != DB_OK)
        goto fail;
    const char *k = fence.nrows ? db_cell(&fence, 0, 0) : NULL;
    const char *kid = fence.nrows ? db_cell(&fence, 0, 1) : NULL;
    const char *n = fence.nrows ? db_cell(&fence, 0, 2) : NULL;
    long long len = n ? strtoll(n, NULL, 10) : 0;
    if (!k || !kid || len <= UIX_RUN_MAX) {   /* split by another worker meanwhile */
        db_rollback(db);
        return DB_OK;
    }
    struct db_param key = f->is_int ? db_int(strtoll(k, NULL, 10)) : db_str(k);
    if (db_query(db, a, walk_sql[i], DB_PARAMS(key, key, db_str(kid)), &next) != DB_OK)
        goto fail;
    if (next.nrows == 0 || !db_cell(&next, 0, 0)) {   /* cannot be: the run counts more */
        db_rollback(db);
        return DB_OK;
    }
    const char *nk = db_cell(&next, 0, 0), *nid = db_cell(&next, 0, 1);
    struct db_param new_key = f->is_int ? db_int(strtoll(nk, NULL, 10)) : db_str(nk);
    /* The super-run keeps its count; its v tells the workers' copies of its fences. */
    fence_copy_forget(i);
    if (db_exec(db, add_sql[i], DB_PARAMS(new_key, db_str(nid), db_int(len - UIX_RUN)),
                NULL) != DB_OK ||
        db_exec(db, cut_sql[i], DB_PARAMS(db_int(UIX_RUN), key, db_str(kid)), NULL) != DB_OK ||
        db_exec(db, move_sql(1, i), DB_PARAMS(db_int(0), key, key, db_str(kid)), NULL) != DB_OK)
        goto fail;
    return db_commit(db) == DB_OK ? DB_OK : DB_ERROR;
fail:
    db_rollback(db);
    return DB_ERROR;
}
