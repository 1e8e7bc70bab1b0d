#ifndef USHER_DB_GROUPS_H
#define USHER_DB_GROUPS_H
/* Groups and memberships (tables `group` and group_member). The data layer: no HTTP here.
 * Rows come back as struct group (group.h) in the caller's arena. Functions return DB_OK,
 * DB_NOT_FOUND, DB_DUPLICATE or DB_ERROR (logged by db.c). */
#include <stddef.h>
#include "usher/group.h"

struct db;
struct arena;
struct db_result;

/* The group columns over the alias g, built once; and the decoding of the group_nfields
 * columns from col of row. */
const char *db_group_columns(void);
void db_group_decode(struct group *g, const struct db_result *r, size_t row, size_t col);

/* Sorts groups most recently updated first (ties by id): done in C, since an ORDER BY
 * would cost MariaDB a temporary table for a handful of rows. */
void db_group_sort_recent(struct group *groups, size_t n);
/* One group by id; *out is allocated in a. DB_NOT_FOUND when there is none. */
int db_group_get(struct db *db, struct arena *a, const char *id, struct group **out);
/* The groups user_id is a member of, most recently updated first: *out gets an arena
 * array of *n groups. */
int db_group_list_of_user(struct db *db, struct arena *a, const char *user_id,
                          struct group **out, size_t *n);
/* Replaces the user's memberships by the existing groups named in names (the trusted
 * groups header), in one transaction. */
int db_group_sync_user_by_names(struct db *db, const char *user_id, const char *const *names,
                                size_t n);

#endif
