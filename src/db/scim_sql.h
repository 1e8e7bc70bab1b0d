#ifndef USHER_DB_SCIM_SQL_H
#define USHER_DB_SCIM_SQL_H
/* The statements of a SCIM listing built from a resolved filter (db/scim_filter.c):
 * private to db/scim.c. */
#include <stddef.h>

struct arena;
struct scim_filter;
struct db_param;

struct scim_sql {
    const char *sql;            /* kept for the process (the statement cache keys on it) */
    struct db_param *params;    /* in the arena */
    size_t np;
};

/* The page's ids (ids: SELECT id ... ORDER BY created_at, id LIMIT limit OFFSET offset) and
 * the number of matches (count) of the users matching filter (NULL: all). DB_OK, or
 * DB_REFUSED_FILTER for a comparison the data layer does not know (an unresolved filter),
 * DB_ERROR when out of memory. */
int scim_sql_users(struct arena *a, const struct scim_filter *filter, const char *provider,
                   long long offset, long long limit, struct scim_sql *ids,
                   struct scim_sql *count);
int scim_sql_groups(struct arena *a, const struct scim_filter *filter, long long offset,
                    long long limit, struct scim_sql *ids, struct scim_sql *count);

#endif
