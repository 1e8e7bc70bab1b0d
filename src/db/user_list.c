/* Listing and searching users (see db_user_list.h). */
#include "config.h"
#include "usher/db_user_list.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usher/arena.h"
#include "usher/db.h"
#include "usher/db_users.h"
#include "usher/validate.h"

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
#define FILTER "WHERE (LOWER(u.name) COLLATE utf8mb4_bin LIKE ? OR u.email LIKE ?) "

static void format_order(char *out, size_t size, enum user_order order, bool desc)
{
    const char *dir = desc ? "DESC" : "ASC";
    if (order == USER_ORDER_DEFAULT)
        dir = "DESC";   /* newest first, whatever was asked */
    if (order == USER_ORDER_GROUP)
        snprintf(out, size, "EXISTS (SELECT 1 FROM group_member om WHERE om.group_id = ? "
                 "AND om.user_id = u.id) %s, u.name ASC, u.id ASC", dir);
    else
        snprintf(out, size, "%s %s, u.id %s", order_column[order], dir, dir);
}

/* The statements, made once per variant: [order][descending][filtered][with group ids]. */
static char page_sql[USER_ORDER__MAX][2][2][2][2048];
static char count_sql[2][128];

/* The page query. The ids of the page are picked first from the index alone (a deferred
 * join: a page deep into 100,000 users skips index entries, not rows), then its rows and
 * their group ids are read. The group order's ? comes in both ORDER BYs. */
static const char *page_query(const struct user_query *q, bool filtered)
{
    bool desc = !q->ascending;
    char *sql = page_sql[q->order][desc][filtered][q->with_group_ids];
    if (sql[0])
        return sql;
    char order[256];
    format_order(order, sizeof(order), q->order, desc);
    snprintf(sql, sizeof(page_sql[0][0][0][0]),
             "SELECT %s%s FROM (SELECT u.id FROM `user` u %sORDER BY %s LIMIT ? OFFSET ?) k "
             "JOIN `user` u ON u.id = k.id ORDER BY %s",
             db_user_columns(),
             q->with_group_ids ? ", (SELECT GROUP_CONCAT(gm.group_id ORDER BY gm.group_id "
                                 "SEPARATOR ',') FROM group_member gm WHERE gm.user_id = u.id)"
                               : "",
             filtered ? FILTER : "", order, order);
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

int db_user_list(struct db *db, struct arena *a, const struct user_query *q,
                 struct user_page *out)
{
    memset(out, 0, sizeof(*out));
    bool filtered = q->text && q->text[0];
    const char *pattern = filtered ? like_pattern(a, text_lower(a, q->text)) : NULL;
    struct db_param params[7];
    size_t np = 0;
    if (filtered) {
        params[np++] = db_str(pattern);
        params[np++] = db_str(pattern);
    }
    char *csql = count_sql[filtered];
    if (!csql[0])
        snprintf(csql, sizeof(count_sql[0]), "SELECT COUNT(*) FROM `user` u %s",
                 filtered ? FILTER : "");
    struct db_result r;
    if (db_query(db, a, csql, params, np, &r) != DB_OK)
        return DB_ERROR;
    out->total = r.nrows ? strtoll(db_cell(&r, 0, 0), NULL, 10) : 0;

    bool by_group = q->order == USER_ORDER_GROUP;
    if (by_group)
        params[np++] = db_str(q->group_id ? q->group_id : "");
    params[np++] = db_int(q->limit > 0 ? q->limit : LLONG_MAX);
    params[np++] = db_int(q->offset > 0 ? q->offset : 0);
    if (by_group)
        params[np++] = db_str(q->group_id ? q->group_id : "");
    if (db_query(db, a, page_query(q, filtered), params, np, &r) != DB_OK)
        return DB_ERROR;
    out->n = r.nrows;
    out->users = arena_calloc(a, r.nrows ? r.nrows : 1, sizeof(*out->users));
    if (q->with_group_ids)
        out->group_ids = arena_calloc(a, r.nrows ? r.nrows : 1, sizeof(*out->group_ids));
    for (size_t i = 0; i < r.nrows; i++) {
        db_user_decode(a, &out->users[i], &r, i, 0);
        if (q->with_group_ids)
            out->group_ids[i] = db_cell(&r, i, user_nfields);
    }
    return DB_OK;
}
