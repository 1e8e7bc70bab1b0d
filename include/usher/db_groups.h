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

/* Each user's row keeps its group ids (column group_ids, sql/017: sorted, comma-separated,
 * NULL in none), which GET /users/{id} and the listing read with the row. Every function
 * here that writes group_member sets them again in its transaction; a write of
 * group_member elsewhere in src/db/ calls one of these after it, in its transaction. */
/* Sets the column of user_id from its memberships. */
int db_group_ids_keep_one(struct db *db, const char *user_id);
/* The same for user_ids[0..n) (in one statement). */
int db_group_ids_keep(struct db *db, const char *const *user_ids, size_t n);
/* Sets it for every user whose column differs (`usherctl recount`: memberships written by
 * hand), 1,000 users a statement, each its own transaction (not inside the caller's). */
int db_group_ids_rebuild(struct db *db);

/* ---- the groups router (api/groups.c) ------------------------------------------------- */

/* Which groups GET /groups/ lists (contract §5). */
enum group_visibility {
    GROUPS_ALL,          /* every group (admins) */
    GROUPS_MEMBER,       /* the groups user_id is a member of */
    GROUPS_SHARE_TRUE,   /* data.config.share unset, true or "1"; or "members" and user_id
                          * is a member */
    GROUPS_SHARE_FALSE,  /* data.config.share explicitly false and user_id is a member
                          * (Open WebUI lists them to anyone: usher does not show a group
                          * that is not shared to a non-member) */
};
/* The visible groups, most recently updated first (ties by id), each with its member
 * count: *out and *counts get arena arrays of *n. user_id is unused for GROUPS_ALL.
 * One query. */
int db_group_list_visible(struct db *db, struct arena *a, enum group_visibility vis,
                          const char *user_id, struct group **out, long long **counts,
                          size_t *n);
/* One group and its member count, in one query. DB_NOT_FOUND when there is none. */
int db_group_get_counted(struct db *db, struct arena *a, const char *id, struct group **out,
                         long long *member_count);

/* The writable fields of a group. NULL members are not written by db_group_update (the
 * reference's exclude_none); permissions and data are JSON text. */
struct group_write {
    const char *name, *description;
    const char *permissions, *data;
};
/* Creates a group owned by creator (uuid4 id, created_at = updated_at = now, meta NULL)
 * and returns it in *out (arena). A name another group has is DB_DUPLICATE. */
int db_group_create(struct db *db, struct arena *a, const char *creator,
                    const struct group_write *w, struct group **out);
/* Writes the non-NULL fields of w and updated_at = now. DB_NOT_FOUND for an unknown id,
 * DB_DUPLICATE for another group's name. */
int db_group_update(struct db *db, const char *id, const struct group_write *w);
/* Adds the users among ids[0..n) that exist (unknown ids dropped, duplicates and present
 * members ignored) and bumps updated_at, even when nobody was added (as the reference).
 * Removes them, for db_group_remove_users, bumping updated_at only when n > 0. One
 * transaction and a fixed number of statements whatever n (the ids travel as one JSON
 * array). DB_NOT_FOUND when the group does not exist. */
int db_group_add_users(struct db *db, const char *id, const char *const *ids, size_t n);
int db_group_remove_users(struct db *db, const char *id, const char *const *ids, size_t n);
/* Deletes the group, its memberships and every access grant to it, in one transaction.
 * An unknown id is DB_OK (nothing to delete). */
int db_group_delete(struct db *db, const char *id);
/* The member ids of a group (arena array of *n strings), oldest membership first. */
int db_group_user_ids(struct db *db, struct arena *a, const char *id, const char ***ids,
                      size_t *n);
struct user;
/* The members of a group as users (arena array of *n), oldest membership first; an
 * unknown group has none. Only the fields VIEW_INFO shows are read (USER_COLUMNS_INFO). */
int db_group_members(struct db *db, struct arena *a, const char *id, struct user **out,
                     size_t *n);
/* For listings of many users (GET /users/ group_ids, /users/{id} groups): the memberships
 * of user_ids[0..n) in one query, as *pairs arena pairs {user_id, group id, group name}
 * ordered by user, then group updated_at descending. */
struct group_membership {
    const char *user_id, *group_id, *group_name;
};
int db_group_ids_of_users(struct db *db, struct arena *a, const char *const *user_ids,
                          size_t n, struct group_membership **pairs, size_t *npairs);

#endif

