#ifndef USHER_DB_USER_LIST_H
#define USHER_DB_USER_LIST_H
/* Listing and searching users (GET /users/, /users/all, /users/search): a page of users in
 * a deterministic order, with the total counted before paging, in a fixed number of
 * queries (three: the count, the page's ids read from an index, and their rows with their
 * group ids). The ORDER BY comes
 * from enum user_order, never from request text. The data layer: no HTTP here. */
#include <stdbool.h>
#include <stddef.h>
#include "usher/db_rows.h"
#include "usher/user.h"

struct db;
struct arena;

enum user_order {
    USER_ORDER_DEFAULT,         /* created_at, newest first, then id (direction ignored) */
    USER_ORDER_NAME,
    USER_ORDER_EMAIL,
    USER_ORDER_CREATED_AT,
    USER_ORDER_LAST_ACTIVE_AT,
    USER_ORDER_UPDATED_AT,
    USER_ORDER_ROLE,
    USER_ORDER_GROUP,           /* members of group_id first when descending, non-members
                                 * first when ascending; then name, id ascending */
    USER_ORDER__MAX,
};

struct user_query {
    const char *text;           /* case-insensitive substring of name or email; NULL or ""
                                 * for every user. %, _ and \ are taken literally. */
    enum user_order order;
    const char *group_id;       /* for USER_ORDER_GROUP */
    bool ascending;             /* else descending; a column order breaks ties by id in
                                 * the same direction */
    long long offset;
    long long limit;            /* a page: at most 30; 0: every user (then no group ids) */
    bool with_group_ids;        /* fill group_ids (pages only) */
    enum user_columns columns;  /* what is read of each user (db_rows.h); the default,
                                 * USER_COLUMNS_ALL, reads every column */
};

struct user_page {
    struct user *users;         /* n users, in the arena */
    size_t n;
    const char **group_ids;     /* with_group_ids: per user, its group ids joined by ',' or
                                 * NULL for none */
    long long total;            /* users matching text, counted before paging */
};

/* Runs q. Returns DB_OK or DB_ERROR (logged); out lives in a. */
int db_user_list(struct db *db, struct arena *a, const struct user_query *q,
                 struct user_page *out);

#endif
