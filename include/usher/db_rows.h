#ifndef USHER_DB_ROWS_H
#define USHER_DB_ROWS_H
/* The rows of `user` and `group` as the data layer selects and decodes them, from the
 * models' field tables (user.h, group.h): db/users.c, db/groups.c and the listings share
 * these, so neither entity's module decodes the other's columns itself. */
#include <stdbool.h>
#include <stddef.h>
#include "usher/group.h"
#include "usher/user.h"

struct arena;
struct db_result;

/* The user columns of user_fields as a SELECT list over the alias u ("u.id, u.email, ..."),
 * built once. For SQL of the data layer that selects users beside other columns. */
const char *db_user_columns(void);
/* Which of them a query reads: the others are selected as NULL, in their places, so
 * db_user_decode reads any set (what is not read decodes as NULL, or 0). A read selects
 * only what its answer shows: a row may hold megabytes of settings and info (imported, or
 * from before user_data.max_size), which cost only the reads that answer them. */
enum user_columns {
    USER_COLUMNS_ALL,      /* every column */
    USER_COLUMNS_CALLER,   /* all but the JSON documents info, settings, oauth and scim:
                            * authentication and the session's answers */
    USER_COLUMNS_INFO,     /* the fields VIEW_INFO shows (search, /all, group members) */
    USER_COLUMNS_BRIEF,    /* the fields VIEW_SIGNIN shows: id, email, role, name, image */
    USER_COLUMNS__MAX
};
/* The SELECT list of a set, as db_user_columns (which is USER_COLUMNS_ALL's). */
const char *db_user_columns_of(enum user_columns set);
/* The same over the alias t, for a statement that reads a second user beside u. */
const char *db_user_columns_over_t(enum user_columns set);
/* Decodes the user_nfields columns that start at col of row into u (strings point into
 * the result, which lives in the arena a). */
void db_user_decode(struct arena *a, struct user *u, const struct db_result *r, size_t row,
                    size_t col);
/* The group columns over the alias g, built once; and the decoding of the group_nfields
 * columns from col of row. */
const char *db_group_columns(void);
void db_group_decode(struct group *g, const struct db_result *r, size_t row, size_t col);

/* The share setting of a group g as the reference reads it: data->config->share as text,
 * lowercased, a JSON true reading "true" and a JSON null as SQL NULL (not JSON_VALUE, which
 * turns booleans into 1 and 0). SQL text for the listings and the group cache. */
#define DB_GROUP_SHARE_SQL \
    "LOWER(JSON_UNQUOTE(NULLIF(JSON_EXTRACT(g.data, '$.config.share'), 'null')))"

/* Sorts groups most recently updated first (ties by id): done in C, since an ORDER BY
 * would cost MariaDB a temporary table for a handful of rows. */
void db_group_sort_recent(struct group *groups, size_t n);
/* The order of db_group_sort_recent: negative when a comes first. */
int db_group_cmp_recent(const struct group *a, const struct group *b);

#endif
