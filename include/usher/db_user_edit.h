#ifndef USHER_DB_USER_EDIT_H
#define USHER_DB_USER_EDIT_H
/* Writes of a user: the field-table write of the account service (profile, the admin's
 * update, role and password), the deletion, the atomic merges of a
 * user's settings and info, status and variables. Every write refreshes updated_at
 * (usher's difference #5) except variables, as the reference. The data layer: no HTTP
 * here. Functions return DB_OK, DB_NOT_FOUND (no such user), DB_DUPLICATE or DB_ERROR
 * (logged by db.c). */
#include <stdbool.h>
#include <json-c/json.h>

struct db;
struct arena;

/* One write of a user row, its columns named by the user field table (user.h): the
 * columns of cols (bit i: user_fields[i]) get their values in *values. */
struct user_write {
    const struct user *values;
    unsigned long long cols;     /* bits over user_fields (the table has fewer than 64 rows) */
    const char *password_hash;   /* NULL: the password stays */
    long long mark_ms;           /* > 0: tokens issued before are invalid (a role or password
                                  * change), except keep_jti's (NULL: none is spared); the
                                  * write returns once the clock has reached it */
    const char *keep_jti;
    /* usher's additions for provisioning (SCIM); zero: unchanged. */
    enum { USER_ACTIVE_KEEP, USER_ACTIVE_ON, USER_ACTIVE_OFF } active;   /* auth.active */
    const char *ext_provider;    /* not NULL: the user's externalId under this provider key
                                  * (user_external_id) becomes ext_id (NULL: none) */
    const char *ext_id;
};
/* A taken externalId is DB_EXTERNAL_TAKEN (db_users.h). */
/* Applies w to the user row (and the auth row, for the email and the password) in one
 * transaction; updated_at becomes now and row_version moves on. The UPDATE is built from the table for the set of
 * columns and prepared once per connection and column set. An email another user has is
 * DB_DUPLICATE (nothing written); DB_NOT_FOUND for an unknown id. A new password or a
 * deactivation also moves the mark on once committed (db_user_mark_after_commit,
 * db_users.h). */
int db_user_write(struct db *db, const char *id, const struct user_write *w);

/* Deletes the user and everything usher keeps about them in one transaction: memberships
 * (their groups get a new updated_at), API key, access grants to the user, OAuth sessions,
 * the auth and the user row. Their tokens die with the row (the caller lookup finds no
 * user). DB_NOT_FOUND when there is no such user. */
int db_user_delete(struct db *db, struct arena *a, const char *id);

enum user_json_column { USER_COLUMN_SETTINGS, USER_COLUMN_INFO };
struct user_doc_limits;
/* Shallow-merges the members of patch (an object) into the column's stored object (NULL or
 * not an object counts as {}), under a row lock, so concurrent merges of different keys all
 * land. *merged gets a new reference to the stored result. A merged document over limits
 * (user_doc.h; NULL: none) is not written: DB_REFUSED (db_users.h), with the answer's detail
 * naming the limit in *refused (in a). */
int db_user_merge_json(struct db *db, struct arena *a, const char *id,
                       enum user_json_column column, struct json_object *patch,
                       const struct user_doc_limits *limits, struct json_object **merged,
                       const char **refused);

/* Sets the status fields that are not NULL (NULL cannot clear one). */
int db_user_set_status(struct db *db, const char *id, const char *emoji, const char *message,
                       const long long *expires_at);

/* The user's variables as stored JSON text (*json NULL when none). */
int db_user_get_variables(struct db *db, struct arena *a, const char *id, const char **json);
/* Replaces the user's variables with the JSON text json (updated_at untouched, as the
 * reference). */
int db_user_set_variables(struct db *db, const char *id, const char *json);

/* last_active_at of the user (DB_NOT_FOUND for an unknown id). */
int db_user_get_last_active(struct db *db, struct arena *a, const char *id, long long *at);

#endif
