/* The listing's fence tables, one per order (sql/010_user_index.sql): shared by the
 * upkeep (user_index.c) and usherctl reindex (user_reindex.c). Private to src/db/. */
#ifndef USHER_DB_USER_FENCES_H
#define USHER_DB_USER_FENCES_H

#include <stdbool.h>

#include "usher/db_user_index.h"

/* In the order of the UIX_ bits and of user_order_lock.ord - 1. */
struct user_fence_order {
    const char *table;
    const char *col;
    bool is_int;   /* an integer key (created_at, last_active_at), else text */
};
extern const struct user_fence_order user_fence_orders[UIX_ORDERS];

#endif
