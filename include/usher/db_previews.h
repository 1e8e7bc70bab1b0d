#ifndef USHER_DB_PREVIEWS_H
#define USHER_DB_PREVIEWS_H
/* The access previews (what a user or a group can read, deltas §2.6, contract §1a/§1c),
 * answered from the resource registries (model, knowledge, tool) and their read grants as
 * each worker holds them: read again only when their version changes (sql/016: a column
 * of the groups' version row, which the caller lookup reads with the caller's row), so a
 * preview costs no query. Every usher write of those tables calls db_resources_bump
 * (db_resources.h) in its transaction; rows written by hand need `usherctl recount`. The
 * data layer: no HTTP here. */
#include <stdbool.h>
#include <stddef.h>

#include "usher/db_resources.h"

struct db;
struct arena;

/* The most rows (resources and read grants together) a worker holds; with more, the
 * previews query as before. */
#define RESOURCE_CACHE_MAX 10000

/* One registered resource, as read. */
struct resource_row {
    int type;                  /* enum resource_type */
    const char *id, *name;     /* name NULL for SQL NULL */
    const char *owner;         /* user_id; NULL: none */
    long long updated_at;
    bool active;               /* models: is_active; always true for the other types */
};

enum grant_principal { GRANT_TO_USER, GRANT_TO_ANYONE, GRANT_TO_GROUP };

/* One read grant on a resource of the three types, as read. */
struct grant_row {
    int type;                  /* enum resource_type of the resource */
    const char *resource_id;
    int principal;             /* enum grant_principal */
    const char *principal_id;
};

/* The copy: made once per version, then asked per request. */
struct resource_copy;

/* A copy of res[0..nres) and grants[0..ngrants) in mem (their texts copied too). Ids are
 * compared as MariaDB compares them in these utf8mb4_bin columns: by code point, trailing
 * spaces ignored. Grants on resources that do not exist (or inactive models) are dropped.
 * Never NULL (an arena aborts on ENOMEM). */
struct resource_copy *resource_copy_build(struct arena *mem, const struct resource_row *res,
                                          size_t nres, const struct grant_row *grants,
                                          size_t ngrants);
/* What the principal can read, as db_resource_preview describes it: for a user (user_id,
 * with the ids of its groups group_ids[0..ngroups)), or for a group (group_id; user_id
 * NULL). lists[] get arena arrays in a. The copy keeps a per-entry mark between calls,
 * so it is not const: one worker, one request at a time. */
void resource_copy_preview(struct resource_copy *copy, struct arena *a, const char *user_id,
                           const char *const *group_ids, size_t ngroups, const char *group_id,
                           struct preview_list lists[RESOURCE__COUNT]);

/* The worker's copy as of version (the caller lookup's resources_version), read again if
 * it holds another version. NULL when there is no version (no group_version row), more
 * than RESOURCE_CACHE_MAX rows, or a read failed (logged by db.c): the caller then answers
 * from SQL. Valid until the next call. */
struct resource_copy *db_preview_copy_get(struct db *db, const char *version);

/* The resources the principal can read: public ones (grant to user "*" or to anyone), and
 * for a user (user_id non-NULL, group_id NULL) those granted to the user or to a group the
 * user is in, or owned by the user (D19); for a group (group_id non-NULL, user_id NULL)
 * those granted to the group. Models only when active. lists[RESOURCE__COUNT] is filled
 * (arena). With version (the caller lookup's resources_version) the answer comes from the
 * worker's copy (db_previews.h), the user's groups being group_ids[0..ngroups) (as
 * the caller's copy of the groups gave them); without one, or when the copy cannot be
 * had, from one query whatever the number of resources, grants or groups. */
int db_resource_preview(struct db *db, struct arena *a, const char *version,
                        const char *user_id, const char *const *group_ids, size_t ngroups,
                        const char *group_id, struct preview_list lists[RESOURCE__COUNT]);

#endif
