#ifndef USHER_USERS_H
#define USHER_USERS_H
/* Users and their credentials in MariaDB (tables user, auth, api_key, revoked_token,
 * signin_attempt, group_member). The data layer: no HTTP here. Rows come back as strings
 * in the caller's arena (NULL for SQL NULL). Functions return DB_OK, DB_NOT_FOUND,
 * DB_DUPLICATE or DB_ERROR (already logged). */
#include <stdbool.h>
#include <json-c/json.h>

struct db;
struct arena;

struct user {
    const char *id, *email, *username, *role, *name, *profile_image_url,
        *profile_banner_image_url, *bio, *gender, *date_of_birth, *timezone, *presence_state,
        *status_emoji, *status_message, *status_expires_at, *info, *settings, *oauth, *scim;
    long long last_active_at, updated_at, created_at;
    long long tokens_valid_after_ms;    /* usher's per-user revocation mark */
};

/* The column list every user query selects, in struct order (for SQL written elsewhere). */
#define USER_COLUMNS \
    "u.id, u.email, u.username, u.role, u.name, u.profile_image_url, " \
    "u.profile_banner_image_url, u.bio, u.gender, DATE_FORMAT(u.date_of_birth, '%Y-%m-%d'), " \
    "u.timezone, u.presence_state, u.status_emoji, u.status_message, u.status_expires_at, " \
    "u.info, u.settings, u.oauth, u.scim, u.last_active_at, u.updated_at, u.created_at, " \
    "u.tokens_valid_after_ms"
#define USER_NCOLUMNS 23

struct db_result;
/* Fills u from row of a result whose first USER_NCOLUMNS columns are USER_COLUMNS. */
void user_from_row(struct user *u, const struct db_result *r, size_t row);

int users_get(struct db *db, struct arena *a, const char *id, struct user **out);
/* For sign-in: the user with this (lowercased) email and its auth row. */
int users_get_credentials(struct db *db, struct arena *a, const char *email, struct user **out,
                          const char **password_hash, bool *active);
int users_get_password_hash(struct db *db, struct arena *a, const char *id, const char **hash);
int users_count(struct db *db, long long *count);
/* The primary admin: earliest created_at, ties broken by creation order (seq). */
int users_first(struct db *db, struct arena *a, struct user **out);
int users_get_by_email(struct db *db, struct arena *a, const char *email, struct user **out);

struct new_user {
    const char *id;                 /* filled by users_create (uuid4) */
    const char *email;              /* lowercased */
    const char *name;
    const char *password_hash;
    const char *profile_image_url;
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
};
/* Creates the user and auth rows (and the default-group membership) in one transaction
 * serialised by a lock row, so "the first user becomes admin" and the sign-up gate hold
 * under concurrency; a duplicate email is DB_DUPLICATE, a closed gate DB_REFUSED. Sets
 * nu->id and nu->role to what was stored. */
#define DB_REFUSED (-4)
int users_create(struct db *db, struct arena *a, struct new_user *nu);

int users_update_profile(struct db *db, const char *id, const char *name, const char *image,
                         const char *bio, const char *gender, const char *date_of_birth);
int users_update_timezone(struct db *db, const char *id, const char *tz);
/* Sets the password hash and the revocation mark (tokens issued before now are invalid). */
int users_update_password(struct db *db, const char *id, const char *hash, long long mark_ms);
int users_set_role(struct db *db, const char *id, const char *role, long long mark_ms);
int users_touch(struct db *db, const char *id, long long now);

/* Replaces the user's memberships by the existing groups named in names (trusted header). */
int users_sync_groups_by_name(struct db *db, const char *id, const char *const *names, size_t n);

/* Tokens */
int tokens_revoke(struct db *db, const char *jti, const char *user_id, long long expires_at);

/* API keys: at most one per user. */
int apikeys_put(struct db *db, const char *user_id, const char *digest, const char *sealed);
int apikeys_get_sealed(struct db *db, struct arena *a, const char *user_id, const char **sealed,
                       bool *exists);
int apikeys_delete(struct db *db, const char *user_id);

/* Sign-in attempts: counts this attempt and returns the total in the window. */
int ratelimit_hit(struct db *db, const char *email, long long now, long long *count);

#endif
