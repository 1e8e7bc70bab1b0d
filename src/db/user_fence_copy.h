/* Each worker's copy of the listing's super-runs and of the fences of a few of them, per
 * order (sql/018_user_fence2_version.sql): a page found in the copy is one statement, the
 * page's own, which checks in its snapshot that the super-runs are still the ones copied
 * (db_user_index_check_sql) and answers no row otherwise; then the copy is forgotten and
 * the page found again from the tables. Private to src/db/ (user_index.c). */
#ifndef USHER_DB_USER_FENCE_COPY_H
#define USHER_DB_USER_FENCE_COPY_H

#include <stddef.h>

#include "usher/db.h"

/* Keeps sup (rows k, id, n, ..., v at column v_col, in key order) as order i's super-runs,
 * read in one snapshot with the user count; forgets what was kept of the order before.
 * Nothing is kept past the copy's bound (it then stays empty). */
void fence_copy_keep_supers(const struct db *db, unsigned i, const struct db_result *sup,
                            size_t v_col, long long count);
/* Keeps fences (rows k, id, n) as the fences of super-run s of the copy of order i. */
void fence_copy_keep_fences(unsigned i, size_t s, const struct db_result *fences);
/* The copy of order i's super-runs (rows k, id, n), with the user count and the check
 * text the page's statement compares with; NULL when none is held (or for another db). */
const struct db_result *fence_copy_supers(const struct db *db, unsigned i, long long *count,
                                          const char **check);
/* The copy's fences of super-run s of order i, or NULL. */
const struct db_result *fence_copy_fences(unsigned i, size_t s);
/* Forgets the copy of order i. */
void fence_copy_forget(unsigned i);

#endif
