#ifndef USHER_DB_SCIM_H
#define USHER_DB_SCIM_H
/* The reads of SCIM provisioning (api/scim_*.c): users and groups as SCIM shows them, with
 * their version counters (row_version), active state (auth.active) and externalIds
 * (user_external_id, group_external_id: sql/013_scim.sql), listings by a parsed filter
 * (translated here to a WHERE clause with bound parameters), and the few writes of groups
 * that the groups data functions lack (the externalId, the version). Accounts are written
 * by the account service only (accounts.h). The data layer: no HTTP here. Functions return
 * DB_OK, DB_NOT_FOUND, DB_DUPLICATE or DB_ERROR (logged by db.c). */
#include <stdbool.h>
#include <stddef.h>

struct db;
struct arena;
struct scim_filter;

/* A user as SCIM shows it; strings in the arena. */
struct scim_user {
    const char *id, *email, *name, *profile_image_url;
    const char *external_id;        /* under the provider asked for; NULL when none */
    long long created_at, updated_at, version;
    bool active;                    /* auth.active */
};

/* A group as SCIM shows it. */
struct scim_group {
    const char *id, *name, *external_id;
    long long created_at, updated_at, version, member_count;
};

/* One user by id with its externalId under provider. DB_NOT_FOUND for none. */
int db_scim_user_get(struct db *db, struct arena *a, const char *id, const char *provider,
                     struct scim_user **out);
/* The id of the user whose externalId under provider is ext (*id NULL and DB_NOT_FOUND
 * when none). An index lookup. */
int db_scim_user_by_external_id(struct db *db, struct arena *a, const char *provider,
                                const char *ext, const char **id);

/* A page of users: those matching filter (NULL: all), oldest first (created_at, id),
 * skipping offset and at most limit (limit 0: none, only the total). *out gets an arena
 * array of *n, *total the number of all matches. Filters on `userName eq` and
 * `externalId eq` are index lookups. A filter the data layer cannot translate is
 * DB_REFUSED_FILTER (nothing read). */
#define DB_REFUSED_FILTER (-6)
int db_scim_user_list(struct db *db, struct arena *a, const struct scim_filter *filter,
                      const char *provider, long long offset, long long limit,
                      struct scim_user **out, size_t *n, long long *total);

/* One group. DB_NOT_FOUND for none. */
int db_scim_group_get(struct db *db, struct arena *a, const char *id, struct scim_group **out);
/* The id of the group with this externalId, or with this name (the name's collation:
 * case-insensitive). DB_NOT_FOUND when none. */
int db_scim_group_by_external_id(struct db *db, struct arena *a, const char *ext,
                                 const char **id);
int db_scim_group_by_name(struct db *db, struct arena *a, const char *name, const char **id);
/* A page of groups as db_scim_user_list (oldest first: created_at, id). */
int db_scim_group_list(struct db *db, struct arena *a, const struct scim_filter *filter,
                       long long offset, long long limit, struct scim_group **out, size_t *n,
                       long long *total);
/* Sets (ext not NULL) or clears the group's externalId and moves its version on, in one
 * transaction. DB_DUPLICATE when another group has ext; DB_NOT_FOUND for no such group. */
int db_scim_group_set_external_id(struct db *db, const char *id, const char *ext);
/* Moves the group's version on (after a write of the groups data functions, which move it
 * too: this is for a write that changed nothing they track). */
int db_scim_group_touch(struct db *db, const char *id);
/* Of ids[0..n), the first that is no user's id (*missing; NULL when all exist). One query. */
int db_scim_users_missing(struct db *db, struct arena *a, const char *const *ids, size_t n,
                          const char **missing);

#endif
