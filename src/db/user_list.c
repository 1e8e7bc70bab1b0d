/* Listing and searching users (see db_user_list.h). */
#include "config.h"
#include "usher/db_user_list.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usher/arena.h"
#include "usher/db.h"
#include "usher/db_rows.h"
#include "usher/db_user_index.h"
#include "usher/db_users.h"
#include "usher/utf8.h"
#include "usher/validate.h"

/* The most rows one statement reads (a listing page is 30). */
#define PAGE_MAX 30

/* The column of each order. A column order ends with the primary key in the same
 * direction, which matches the column's index (InnoDB appends the key to secondary
 * indexes), so a page is read from the index in order, with no sort of the table. */
static const char *const order_column[USER_ORDER__MAX] = {
    [USER_ORDER_DEFAULT] = "u.created_at",
    [USER_ORDER_NAME] = "u.name",
    [USER_ORDER_EMAIL] = "u.email",
    [USER_ORDER_CREATED_AT] = "u.created_at",
    [USER_ORDER_LAST_ACTIVE_AT] = "u.last_active_at",
    [USER_ORDER_UPDATED_AT] = "u.updated_at",
    [USER_ORDER_ROLE] = "u.role",
    [USER_ORDER_GROUP] = NULL,
};

/* Matching is case-insensitive but not accent-insensitive (name's collation would be
 * both), as Python's lower(): both sides are lowercased and compared byte for byte. Emails
 * are stored lowercased. */
#define PREDICATE "(LOWER(u.name) COLLATE utf8mb4_bin LIKE ? OR u.email LIKE ?) "
#define FILTER "WHERE " PREDICATE

/* How a search finds its users: none (every user), a pass over the table, or the search
 * index (sql/010, 015): the users whose indexed text holds a piece of the needle, each
 * checked against the same predicate (the index holds a superset of the truth). A page in
 * the created_at order (also the default) reads the index alone (FILTER_EXACT): a row the
 * index says is exact (its text and created_at the committed user's) is checked on its own
 * text, body = lowercased name, line feed, e-mail, so a needle without a line feed is in it
 * exactly when it is in the name or the e-mail; the other rows (a write under way) against
 * `user`, as before. Reading each candidate from `user` cost as much as the index itself. */
enum filter_kind { FILTER_NONE, FILTER_SCAN, FILTER_INDEX, FILTER_EXACT, FILTER__MAX };
static const char *const filter_from[FILTER__MAX] = {
    [FILTER_NONE] = "`user` u ",
    [FILTER_SCAN] = "`user` u ",
    [FILTER_INDEX] = "user_search s STRAIGHT_JOIN `user` u ON u.id = s.id ",
    [FILTER_EXACT] = "user_search s ",
};
#define MATCHES "WHERE MATCH (s.body) AGAINST (? IN BOOLEAN MODE) AND "
static const char *const filter_where[FILTER__MAX] = {
    [FILTER_NONE] = "",
    [FILTER_SCAN] = FILTER,
    [FILTER_INDEX] = MATCHES PREDICATE,
    [FILTER_EXACT] = MATCHES "(s.exact = 1 AND s.body LIKE ? OR s.exact = 0 AND EXISTS "
                     "(SELECT 1 FROM `user` u WHERE u.id = s.id AND " PREDICATE ")) ",
};

/* The longest needle that can match: name and email hold at most 255 characters each. */
#define NEEDLE_MAX 255
/* The piece of the needle the index is asked for: its first run of 3 to 6 characters
 * without '"', '\' or control characters (which Groonga's query syntax or tokenizer would
 * treat apart). Longer pieces cost more to intersect than they save. */
#define PIECE_MIN 3
#define PIECE_MAX 6

static void format_order(char *out, size_t size, enum user_order order, bool desc,
                         enum filter_kind kind)
{
    const char *dir = desc ? "DESC" : "ASC";
    if (order == USER_ORDER_DEFAULT)
        dir = "DESC";   /* newest first, whatever was asked */
    if (kind == FILTER_EXACT)   /* the created_at order, from the index's copy */
        snprintf(out, size, "s.created_at %s, s.id %s", dir, dir);
    else if (order == USER_ORDER_GROUP)
        snprintf(out, size, "EXISTS (SELECT 1 FROM group_member om WHERE om.group_id = ? "
                 "AND om.user_id = u.id) %s, u.name ASC, u.id ASC", dir);
    else
        snprintf(out, size, "%s %s, u.id %s", order_column[order], dir, dir);
}

/* The statements, made once per variant: the ids of a page [order][descending][filtered],
 * the count [filtered], and the rows of n ids [n][with group ids]. */
static char ids_sql[USER_ORDER__MAX][2][FILTER__MAX][768];
static char count_sql[FILTER__MAX][256];
static char rows_sql[USER_COLUMNS__MAX][PAGE_MAX + 1][2][1536];

/* The ids of a page, read from the order's index alone (InnoDB appends the id to each
 * secondary index): a page deep into 100,000 users skips index entries, not rows, and
 * nothing is sorted but the group order's flags. */
/* A search matches few rows anywhere in the table: walking an order's index to find 30 of
 * them reads every row in index order (a random lookup each, seconds at 100,000 users),
 * while one pass over the table plus a sort of the matches is fast. So a search ignores
 * the order indexes, and counts its matches in the same pass (SQL_CALC_FOUND_ROWS). */
#define NO_ORDER_INDEX "IGNORE INDEX FOR ORDER BY (ix_user_name, uq_user_email, " \
    "uq_user_email_lower, ix_user_created_at, ix_user_created_at_seq, ix_user_last_active_at, " \
    "ix_user_updated_at, ix_user_role) "

static const char *ids_query(const struct user_query *q, enum filter_kind kind)
{
    bool desc = !q->ascending;
    char *sql = ids_sql[q->order][desc][kind];
    if (!sql[0]) {
        char order[256];
        format_order(order, sizeof(order), q->order, desc, kind);
        snprintf(sql, sizeof(ids_sql[0][0][0]), "SELECT %s%s.id FROM %s%s%sORDER BY %s "
                 "LIMIT ? OFFSET ?", kind ? "SQL_CALC_FOUND_ROWS " : "",
                 kind == FILTER_EXACT ? "s" : "u", filter_from[kind],
                 kind == FILTER_SCAN ? NO_ORDER_INDEX : "", filter_where[kind], order);
    }
    return sql;
}

/* The group ids of a row, as one column (after the user's), when asked: kept on the row
 * (db_groups.h), where a GROUP_CONCAT over group_member per user cost MariaDB about 4 us a
 * user, almost half of a page's statement. */
#define GROUP_IDS ", u.group_ids"

static unsigned fence_order(enum user_order order);

/* The rows of a page that starts inside the run of a fence (db_user_index_find), in one
 * statement: the ids walked up from a fence, or down from below one (bounded = false: from
 * the last user), with their keys, then joined to their rows and put in the page's order
 * (desc) by those keys. That sort is of the page's 30 ids and keys alone, before the join
 * (no temporary table), so no TEXT column is sorted (see rows_query). checked: the fences
 * came from the worker's copy, and the rows come only while the super-runs are still the
 * ones copied (one more parameter, the copy's check text), in the same snapshot. */
static const char *page_query(enum user_order order, bool walk_desc, bool bounded, bool desc,
                              enum user_columns cols, bool with_group_ids, bool checked)
{
    static char *sql[USER_ORDER__MAX][2][2][2][USER_COLUMNS__MAX][2][2];
    char **text = &sql[order][walk_desc][bounded][desc][cols][with_group_ids][checked];
    const char *col = order_column[order];
    const char *index = db_user_index_walked(fence_order(order));
    if (!index)
        return NULL;   /* no fences for this order */
    if (!*text) {
        const char *walk = walk_desc ? "DESC" : "ASC", *dir = desc ? "DESC" : "ASC";
        char where[256] = "";
        if (!walk_desc)
            snprintf(where, sizeof(where), "WHERE %s > ? OR (%s = ? AND u.id >= ?) ", col, col);
        else if (bounded)
            snprintf(where, sizeof(where), "WHERE %s < ? OR (%s = ? AND u.id < ?) ", col, col);
        /* email is unique: "u.email, u.id" would sort instead of reading uq_user_email */
        char by[96];
        if (order == USER_ORDER_EMAIL)
            snprintf(by, sizeof(by), "%s %s", col, walk);
        else
            snprintf(by, sizeof(by), "%s %s, u.id %s", col, walk, walk);
        char check[256] = "";
        if (checked)
            snprintf(check, sizeof(check), "WHERE %s = ? ",
                     db_user_index_check_sql(fence_order(order)));
        char buf[2048];
        snprintf(buf, sizeof(buf), "SELECT %s%s FROM (SELECT u.id, %s AS k FROM `user` u "
                 "FORCE INDEX (%s) %sORDER BY %s LIMIT ? OFFSET ?) p "
                 "STRAIGHT_JOIN `user` u ON u.id = p.id %sORDER BY p.k %s, p.id %s",
                 db_user_columns_of(cols), with_group_ids ? GROUP_IDS : "", col,
                 index, where, by, check, dir, dir);
        *text = strdup(buf);
    }
    return *text;
}

/* The fences that serve an order (0: none, the index is walked). */
static unsigned fence_order(enum user_order order)
{
    switch (order) {
    case USER_ORDER_DEFAULT:
    case USER_ORDER_CREATED_AT:
        return UIX_CREATED_AT;
    case USER_ORDER_NAME:
        return UIX_NAME;
    case USER_ORDER_EMAIL:
        return UIX_EMAIL;
    case USER_ORDER_LAST_ACTIVE_AT:
        return UIX_LAST_ACTIVE_AT;
    case USER_ORDER_ROLE:
        return UIX_ROLE;
    default:
        return 0;
    }
}

/* The rows of n ids, with their group ids when asked. No ORDER BY: the rows carry TEXT
 * columns, with which MariaDB would sort in an on-disk temporary table; they are put in the
 * page's order in C instead. */
static const char *rows_query(enum user_columns cols, size_t n, bool with_group_ids)
{
    char *sql = rows_sql[cols][n][with_group_ids];
    if (!sql[0]) {
        char marks[PAGE_MAX * 3];
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            m += (size_t)snprintf(marks + m, sizeof(marks) - m, i ? ",?" : "?");
        snprintf(sql, sizeof(rows_sql[0][0][0]), "SELECT %s%s FROM `user` u WHERE u.id IN (%s)",
                 db_user_columns_of(cols), with_group_ids ? GROUP_IDS : "", marks);
    }
    return sql;
}

/* text as a LIKE pattern: %text% with \, % and _ escaped (MariaDB's default escape). */
static char *like_pattern(struct arena *a, const char *text)
{
    size_t n = strlen(text);
    char *p = arena_alloc(a, 2 * n + 3), *o = p;
    *o++ = '%';
    for (const char *s = text; *s; s++) {
        if (*s == '%' || *s == '_' || *s == '\\')
            *o++ = '\\';
        *o++ = *s;
    }
    *o++ = '%';
    *o = '\0';
    return p;
}

/* The number of users matching the filter's parameters (params[0..np)): unfiltered, the
 * count every insert and delete keeps (db_counts.h, sql/004_user_count.sql). */
static int count(struct db *db, struct arena *a, enum filter_kind kind,
                 const struct db_param *params, size_t np, long long *total)
{
    char *sql = count_sql[kind];
    if (!sql[0]) {
        if (kind == FILTER_NONE)
            snprintf(sql, sizeof(count_sql[0]), "SELECT n FROM user_count WHERE id = 1");
        else
            snprintf(sql, sizeof(count_sql[0]), "SELECT COUNT(*) FROM %s%s", filter_from[kind],
                     filter_where[kind]);
    }
    const char *cell = NULL;
    int rc = db_query_cell(db, a, sql, params, np, &cell);
    if (rc == DB_ERROR)
        return DB_ERROR;
    *total = cell ? strtoll(cell, NULL, 10) : 0;
    return DB_OK;
}

/* Every matching user in one statement (GET /all: no paging, so no index walk to save). */
static int read_all(struct db *db, struct arena *a, const struct user_query *q,
                    enum filter_kind kind, const struct db_param *params, size_t np,
                    struct user_page *out)
{
    static char sql[USER_COLUMNS__MAX][USER_ORDER__MAX][2][FILTER__MAX][1536];
    bool desc = !q->ascending;
    char *text = sql[q->columns][q->order][desc][kind];
    if (!text[0]) {
        char order[256];
        format_order(order, sizeof(order), q->order, desc, kind);
        snprintf(text, sizeof(sql[0][0][0][0]), "SELECT %s FROM %s%sORDER BY %s",
                 db_user_columns_of(q->columns), filter_from[kind], filter_where[kind], order);
    }
    struct db_result r;
    if (db_query(db, a, text, params, np, &r) != DB_OK)
        return DB_ERROR;
    out->users = arena_calloc(a, r.nrows ? r.nrows : 1, sizeof(*out->users));
    if (q->with_group_ids)
        out->group_ids = arena_calloc(a, r.nrows ? r.nrows : 1, sizeof(*out->group_ids));
    for (size_t i = 0; i < r.nrows; i++)
        db_user_decode(a, &out->users[i], &r, i, 0);
    out->n = r.nrows;
    return DB_OK;
}

/* Reads the rows of ids[0..n) (n <= PAGE_MAX) into out, in the order of ids. */
static int read_rows(struct db *db, struct arena *a, enum user_columns cols,
                     const char *const *ids, size_t n, bool with_group_ids,
                     struct user_page *out)
{
    out->users = arena_calloc(a, n ? n : 1, sizeof(*out->users));
    if (with_group_ids)
        out->group_ids = arena_calloc(a, n ? n : 1, sizeof(*out->group_ids));
    if (n == 0)
        return DB_OK;
    struct db_param params[PAGE_MAX];
    for (size_t i = 0; i < n; i++)
        params[i] = db_str(ids[i]);
    struct db_result r;
    if (db_query(db, a, rows_query(cols, n, with_group_ids), params, n, &r) != DB_OK)
        return DB_ERROR;
    /* A row deleted between the two queries is left out. */
    for (size_t i = 0; i < n; i++)
        for (size_t row = 0; row < r.nrows; row++) {
            if (strcmp(db_cell(&r, row, 0), ids[i]) != 0)
                continue;
            db_user_decode(a, &out->users[out->n], &r, row, 0);
            if (with_group_ids)
                out->group_ids[out->n] = db_cell(&r, row, user_nfields);
            out->n++;
            break;
        }
    return DB_OK;
}

/* r's rows (the user's columns, then its group ids when asked) into out, in their order. */
static void decode_page(struct arena *a, const struct db_result *r, bool with_group_ids,
                        struct user_page *out)
{
    out->users = arena_calloc(a, r->nrows ? r->nrows : 1, sizeof(*out->users));
    if (with_group_ids)
        out->group_ids = arena_calloc(a, r->nrows ? r->nrows : 1, sizeof(*out->group_ids));
    for (size_t i = 0; i < r->nrows; i++) {
        db_user_decode(a, &out->users[i], r, i, 0);
        if (with_group_ids)
            out->group_ids[i] = db_cell(r, i, user_nfields);
    }
    out->n = r->nrows;
}

/* An unfiltered page: the user count (out->total; read with the fences when the order has
 * them), then, from the fences, the page's rows in one statement. *done false when they
 * cannot serve it (an order without fences, a rebuild under way): then the index is walked
 * as before. */
static int fenced_page(struct db *db, struct arena *a, const struct user_query *q,
                       struct user_page *out, bool *done)
{
    *done = false;
    unsigned order = fence_order(q->order);
    /* On Galera activity updates do not keep their fences (db_user_touch): walk. */
    if (order == UIX_LAST_ACTIVE_AT && db_wsrep(db))
        order = 0;
    bool desc = q->order == USER_ORDER_DEFAULT || !q->ascending;
    struct user_index_start at = {.count = -1};
    if (order && db_user_index_find(db, a, order, desc, q->offset, q->limit, &at) != DB_OK)
        return DB_ERROR;
    if (at.count < 0 && count(db, a, FILTER_NONE, NULL, 0, &at.count) != DB_OK)
        return DB_ERROR;
    out->total = at.count;
    struct db_result r = {0};
    if (q->offset >= out->total) {   /* past the last page: nothing to walk */
        decode_page(a, &r, q->with_group_ids, out);
        *done = true;
        return DB_OK;
    }
    /* A run grown long by writes since the last reindex: split it, then find again. */
    if (at.total == out->total && at.long_key &&
        db_user_index_split(db, a, order, at.long_key, at.long_key_id) == DB_OK) {
        if (db_user_index_find(db, a, order, desc, q->offset, q->limit, &at) != DB_OK)
            return DB_ERROR;
        if (at.count >= 0)
            out->total = at.count;
    }
    /* Fences that do not add up to the user count were not kept (users written in SQL by
     * hand, no `usherctl reindex` since): walk as before. */
    if (!order || at.total != out->total || !(at.usable || at.past))
        return DB_OK;
    if (at.past) {
        decode_page(a, &r, q->with_group_ids, out);
        *done = true;
        return DB_OK;
    }
    bool bounded = at.key != NULL;
    bool is_int = order == UIX_CREATED_AT || order == UIX_LAST_ACTIVE_AT;
    struct db_param params[6];
    size_t np = 0;
    if (bounded) {
        struct db_param k = is_int ? db_int(strtoll(at.key, NULL, 10)) : db_str(at.key);
        params[np++] = k;
        params[np++] = k;
        params[np++] = db_str(at.key_id);
    }
    params[np++] = db_int(at.limit);
    params[np++] = db_int(at.skip);
    if (at.check)
        params[np++] = db_str(at.check);
    const char *sql = page_query(q->order, at.walk_desc, bounded, desc, q->columns,
                                 q->with_group_ids, at.check != NULL);
    if (!sql || db_query(db, a, sql, params, np, &r) != DB_OK)
        return DB_ERROR;
    if (at.check && r.nrows == 0) {
        /* The fences changed since this worker copied them: read them, and the page, again
         * (the copy is forgotten, so this happens once). */
        db_user_index_forget(order);
        return fenced_page(db, a, q, out, done);
    }
    decode_page(a, &r, q->with_group_ids, out);
    *done = true;
    return DB_OK;
}

int db_user_list(struct db *db, struct arena *a, const struct user_query *q,
                 struct user_page *out)
{
    memset(out, 0, sizeof(*out));
    bool paged = q->limit > 0 && q->limit <= PAGE_MAX;
    enum filter_kind kind = q->text && q->text[0] ? FILTER_SCAN : FILTER_NONE;
    const char *lower = kind ? text_lower(a, q->text) : NULL;
    struct db_param params[8];
    size_t np = 0;
    if (kind) {
        if (utf8_length(lower, strlen(lower)) > NEEDLE_MAX) {
            /* longer than any name or email: nothing matches, nothing to read */
            out->users = arena_calloc(a, 1, sizeof(*out->users));
            return DB_OK;
        }
        const char *phrase = db_user_index_has_search(db) ? db_user_index_phrase(db, a, lower)
                                                          : NULL;
        if (phrase) {
            kind = FILTER_INDEX;
            params[np++] = db_str(phrase);
        }
        const char *pattern = like_pattern(a, lower);
        if (phrase && paged && !strchr(lower, '\n') &&
            (q->order == USER_ORDER_DEFAULT || q->order == USER_ORDER_CREATED_AT)) {
            kind = FILTER_EXACT;
            params[np++] = db_str(pattern);   /* the exact rows' own text */
        }
        params[np++] = db_str(pattern);
        params[np++] = db_str(pattern);
    }
    struct db_result r;
    struct user_query pq = *q;
    pq.offset = q->offset > 0 ? q->offset : 0;
    if (!kind && paged) {
        bool done = false;
        if (fenced_page(db, a, &pq, out, &done) != DB_OK)
            return DB_ERROR;
        if (done)
            return DB_OK;
    } else if (!paged && count(db, a, kind, params, np, &out->total) != DB_OK) {
        return DB_ERROR;
    }
    if (q->order == USER_ORDER_GROUP)
        params[np++] = db_str(q->group_id ? q->group_id : "");
    if (!paged)
        return read_all(db, a, q, kind, params, np, out);
    params[np] = db_int(q->limit);
    params[np + 1] = db_int(pq.offset);
    if (db_query(db, a, ids_query(q, kind), params, np + 2, &r) != DB_OK)
        return DB_ERROR;
    if (kind) {
        /* Counted in the same pass (SQL_CALC_FOUND_ROWS), also past the last page, and
         * without a window over every match. */
        static const char found_sql[] = "SELECT FOUND_ROWS()";
        const char *n = NULL;
        if (db_query_cell(db, a, found_sql, NULL, 0, &n) != DB_OK)
            return DB_ERROR;
        out->total = n ? strtoll(n, NULL, 10) : 0;
    }
    const char **ids = arena_calloc(a, r.nrows ? r.nrows : 1, sizeof(*ids));
    for (size_t i = 0; i < r.nrows; i++)
        ids[i] = db_cell(&r, i, 0);
    return read_rows(db, a, q->columns, ids, r.nrows, q->with_group_ids, out);
}
