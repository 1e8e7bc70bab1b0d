/* The listing's fence tables, one per order, and the search index's text
 * (sql/010_user_index.sql): shared by the upkeep (user_index.c), the search piece
 * (user_search_piece.c) and usherctl reindex (user_reindex.c). Private to src/db/. */
#ifndef USHER_DB_USER_FENCES_H
#define USHER_DB_USER_FENCES_H

#include <stdbool.h>

#include "usher/db_user_index.h"

/* In the order of the UIX_ bits and of user_order_lock.ord - 1. */
struct user_fence_order {
    const char *table;
    const char *table2;   /* its super-runs (sql/014_user_fence2.sql) */
    const char *col;
    bool is_int;   /* an integer key (created_at, last_active_at), else text */
    const char *index;    /* the user table's index of col (sql/), which a page's walk
                           * names (db_user_index_walked) */
};
extern const struct user_fence_order user_fence_orders[UIX_ORDERS];

/* The place in user_fence_orders of order (one UIX_ bit); UIX_ORDERS for anything else. */
static inline unsigned user_fence_index(unsigned order)
{
    unsigned i = 0;
    while (i < UIX_ORDERS && order != (1u << i))
        i++;
    return i;
}

/* The super-runs of an order made again from its fences (printf format: the super-run
 * table, then the fence table; sql/014_user_fence2.sql fills them with the same statement):
 * every 32nd fence in key order (UIX_SUPER) starts one, counting the users of its runs, NULL
 * while one of them is; v (sql/018) the time of the rebuild in microseconds, so that the sum
 * of the new super-runs' v is larger than the old ones' (the workers' copies check it). */
#define UIX_SUPER 32
#define FENCE2_FILL_FMT \
    "INSERT INTO %s (k, id, n, v) SELECT k, id, IF(cn = c, s, NULL), " \
    "CAST(UNIX_TIMESTAMP(NOW(6)) * 1000000 AS SIGNED) FROM (SELECT k, id, r, " \
    "SUM(n) OVER (PARTITION BY r DIV 32) AS s, COUNT(n) OVER (PARTITION BY r DIV 32) AS cn, " \
    "COUNT(*) OVER (PARTITION BY r DIV 32) AS c FROM (SELECT k, id, n, " \
    "ROW_NUMBER() OVER (ORDER BY k, id) - 1 AS r FROM %s) f) g WHERE r MOD 32 = 0"

/* The text the search index holds for a user (its columns prefixed by t: "" or "u."): the
 * exact text search compares, lowercased name and e-mail. */
#define USER_SEARCH_BODY(t) "CONCAT(LOWER(" t "name) COLLATE utf8mb4_bin, '\\n', " t "email)"

/* The search index's table (sql/015_user_search_exact.sql: why exact comes first and id may
 * be NULL) and its n-gram index. */
#define USER_SEARCH_TABLE(name) \
    "CREATE TABLE " name " (exact TINYINT NOT NULL DEFAULT 0, id VARCHAR(64) NULL, " \
    "body TEXT NOT NULL, created_at BIGINT NOT NULL DEFAULT 0, " \
    "UNIQUE KEY uq_user_search_id (id)) ENGINE=Mroonga DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
#define USER_SEARCH_FULLTEXT \
    "ADD FULLTEXT KEY ft_user_search (body) " \
    "COMMENT 'tokenizer \"TokenBigram\", normalizer \"none\"'"

#endif
