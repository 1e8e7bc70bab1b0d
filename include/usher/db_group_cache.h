#ifndef USHER_DB_GROUP_CACHE_H
#define USHER_DB_GROUP_CACHE_H
/* Every group as its GroupResponse JSON, held by each worker and read again only when the
 * groups' version changes (sql/011): the group listings (GET /api/v1/groups/, with or
 * without share) are then answered without a query, as the settings are. The version comes
 * with the caller's row (db_callers.h), so a change made by any worker is seen by every
 * worker at its next request. Every usher write of `group` or group_member calls
 * db_groups_bump in its transaction; rows written by hand (memberships too: a worker
 * remembers its callers' groups per version) need `usherctl recount`.
 * The data layer: no HTTP here. */
#include <stdbool.h>
#include <stddef.h>

struct db;
struct arena;

/* One group as the listings need it. */
struct group_cached {
    const char *id;
    const char *name;
    const char *json;        /* GroupResponse: the group's fields and member_count */
    size_t json_len;
    size_t perm_at, perm_len; /* where json holds the permission tree (perm_len 0: none);
                               * not kept twice: a worker holds every group */
    bool anyone;             /* share unset, null, true or "1" (or no data): listed by
                              * share=true to anyone */
    bool members;            /* share "members": listed by share=true to members */
    bool not_shared;         /* share false (data present): share=false, to members */
};

struct group_cache {
    size_t n;
    const struct group_cached *groups;   /* most recently updated first, ties by id */
};

/* The most groups a worker holds; with more, the listings query as before. */
#define GROUP_CACHE_MAX 5000

/* The worker's groups as of version (the caller lookup's groups_version), read again if it
 * holds another version. Returns a table valid until the next call, or NULL when there is
 * no version (a schema before 011), more than GROUP_CACHE_MAX groups or a read failed
 * (logged by db.c): the caller then answers from SQL. */
const struct group_cache *db_group_cache_get(struct db *db, const char *version);
/* The group with id in cache, or NULL. */
const struct group_cached *db_group_cache_find(const struct group_cache *cache, const char *id);

/* The groups ids[0..n) (a caller's, as read with its row) as of version: reorders ids (an
 * arena array the caller made) most recently updated first and sets *perms and *names
 * (each may be NULL: not wanted) to new arena arrays of their permission texts and names,
 * copied into a. DB_OK; DB_NOT_FOUND when there is no copy of the groups (see
 * db_group_cache_get) or one of the ids is not in it (a group written by hand since): read
 * them from SQL then. */
int db_group_cache_pick(struct db *db, struct arena *a, const char *version,
                        const char **ids, size_t n, const char *const **perms,
                        const char *const **names);

/* The groups of user_id as of version, most recently updated first: new arena arrays of
 * their ids, permission texts (NULL where none) and names in *ids, *perms and *names (*n
 * of each; perms and names may be NULL: not wanted). A
 * worker remembers the memberships of its last few hundred callers at that version (every
 * membership write gives the groups a new one), else reads them (one query) and, when
 * remember is set (a caller, not a user looked at), keeps them. DB_OK;
 * DB_NOT_FOUND when there is no copy of the groups or a group is not in it (written by
 * hand since): read them with the groups from SQL then; DB_ERROR. */
int db_group_cache_user_groups(struct db *db, struct arena *a, const char *version,
                               const char *user_id, bool remember, const char *const **ids,
                               size_t *n, const char *const **perms, const char *const **names);
/* Gives the groups a new random version. Call inside the transaction of every write of
 * `group` or group_member, as its last statement before the commit (the row lock it takes
 * is then held for the shortest time and never before another lock). DB_OK or DB_ERROR. */
int db_groups_bump(struct db *db);

#endif
