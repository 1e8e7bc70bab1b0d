#ifndef USHER_DB_USERS_H
#define USHER_DB_USERS_H
/* Users and their password credentials in MariaDB (tables `user` and auth): the queries of
 * sign-up, sign-in, sessions, profiles and the users router. The data layer: no HTTP here.
 * Rows come back as struct user (user.h) in the caller's arena, decoded through the user
 * model's field table. Every function returns DB_OK, DB_NOT_FOUND (no such user),
 * DB_DUPLICATE (a unique key said no) or DB_ERROR (already logged by db.c). */
#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>
#include "usher/user.h"

struct db;
struct arena;
struct db_result;

/* One user by id or by email (email_normalize'd; matched byte for byte, trailing spaces
 * included, though the column's collation pads); *out is allocated in a. */
int db_user_get(struct db *db, struct arena *a, const char *id, struct user **out);
int db_user_get_by_email(struct db *db, struct arena *a, const char *email, struct user **out);
struct group;
/* The groups user id is a member of, most recently updated first (an arena array of
 * *ngroups): with groups_version, ids and names from the worker's copy of the groups (no
 * query when it remembers the user's memberships); else, or when the copy lacks one, every
 * column is read. */
int db_user_group_names(struct db *db, struct arena *a, const char *id,
                        const char *groups_version, struct group **groups, size_t *ngroups);
/* The groups of user id given as list (its group ids comma-separated, in any order, as the
 * caller lookup read them with a target: db_callers.h), as db_user_group_names answers them:
 * from the copy at groups_version, or every column from SQL when the copy lacks one. */
int db_user_group_names_listed(struct db *db, struct arena *a, const char *id,
                               const char *groups_version, const char *list,
                               struct group **groups, size_t *ngroups);
/* One user and the groups it is a member of (most recently updated first: *groups is an
 * arena array of *ngroups), in two queries (the row once, then its groups). With
 * groups_version (the caller lookup's, db_callers.h) the groups come from the worker's
 * copy (db_group_cache.h) and only their id and name are set; without it, or when the copy
 * lacks one, every column is read. */
int db_user_get_with_groups(struct db *db, struct arena *a, const char *id,
                            const char *groups_version, struct user **out,
                            struct group **groups, size_t *ngroups);
/* The primary admin: earliest created_at, ties broken by creation order (seq). */
int db_user_get_primary(struct db *db, struct arena *a, struct user **out);
/* For sign-in: the user with this (email_normalize'd, matched without padding) email, its
 * password hash and whether its auth row is active. The user is read without its JSON
 * documents (USER_COLUMNS_CALLER). */
int db_user_get_credentials(struct db *db, struct arena *a, const char *email,
                            struct user **out, const char **password_hash, bool *active);
int db_user_get_password_hash(struct db *db, struct arena *a, const char *id, const char **hash);
int db_user_count(struct db *db, long long *count);

struct new_user {
    const char *id;                 /* filled by db_user_create (uuid4) */
    const char *email;              /* lowercased */
    const char *name;
    const char *password_hash;
    const char *profile_image_url;
    const char *oauth;              /* the oauth column (JSON text), NULL: SQL NULL */
    const char *role;               /* the role unless first_becomes_admin promotes */
    const char *default_group_id;   /* joined when the group exists; may be NULL/"" */
    bool first_becomes_admin;       /* the first account becomes admin */
    bool closes_signup;             /* the first account stores ui.enable_signup = false */
    /* Sign-up's gate, decided under the lock so racing sign-ups cannot slip past a sign-up
     * that another one just closed: CREATE_ALWAYS (admins, usherctl), CREATE_IF_FIRST, or
     * CREATE_IF_FIRST_OR_OPEN (then ui.enable_signup as stored, else open_default). A
     * refusal is DB_REFUSED. */
    enum { CREATE_ALWAYS, CREATE_IF_FIRST, CREATE_IF_FIRST_OR_OPEN } gate;
    bool open_default;
    /* provisioning (SCIM): a deactivated account (auth.active 0), and its externalId under
     * ext_provider (user_external_id; a taken one is DB_EXTERNAL_TAKEN)
     * with the scim JSON document that holds it */
    bool inactive;
    const char *ext_provider, *ext_id, *scim;
};
#define DB_REFUSED (-4)
/* An externalId another user has under the same provider (nothing written). */
#define DB_EXTERNAL_TAKEN (-5)
/* Creates the user and auth rows (and the default-group membership) in one transaction
 * serialised by a lock row, so "the first user becomes admin" and the sign-up gate hold
 * under concurrency. A duplicate email is DB_DUPLICATE, a closed gate DB_REFUSED. Sets
 * nu->id and nu->role to what was stored. */
int db_user_create(struct db *db, struct arena *a, struct new_user *nu);

/* Sets the user's time zone (as given; /users/usage reads it). */
int db_user_set_timezone(struct db *db, const char *id, const char *tz);
/* After a committed password change: moves the revocation mark (never back) to now + 1 ms,
 * so a sign-in that read the old hash before the commit (its token stamped before that
 * read) is refused, whenever it finishes; returns once the clock has reached the mark (at
 * most about 1 ms later), so a sign-in after the answer is valid. The kept jti stays kept.
 * DB_OK or DB_ERROR. */
int db_user_mark_after_commit(struct db *db, const char *id);
/* last_active_at = now (not updated_at: activity is not an edit of the row). */
int db_user_touch(struct db *db, const char *id, long long now);

#endif
