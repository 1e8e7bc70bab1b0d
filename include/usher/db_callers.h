#ifndef USHER_DB_CALLERS_H
#define USHER_DB_CALLERS_H
/* Who is calling, in one round trip: the lookup every authenticated request makes (the
 * floor of every endpoint). It brings the user row, whether the token id was revoked, the
 * version of the config table (so a worker re-reads settings only when they changed) and
 * the permission trees of the user's groups. The data layer: no HTTP here. */
#include <stdbool.h>
#include <json-c/json.h>

struct db;
struct arena;
struct user;

struct db_caller {
    struct user *user;                /* in the arena; without the JSON documents (info,
                                       * settings, oauth and scim are NULL: an answer that
                                       * shows them reads the row, db_user_get) */
    bool revoked;                     /* the token id is in revoked_token */
    bool has_session;                 /* the token id has a user_session row of this user */
    long long session_last_seen;      /* its last_seen_at */
    const char *key_id;               /* the API key's id (NULL for a token) */
    long long key_expires_at;         /* 0: no expiry */
    long long key_last_used_at;       /* 0: never used */
    const char *key_endpoints;        /* JSON array of paths the key is narrowed to, or NULL */
    const char *config_version;       /* the config table's version, NULL when it has none */
    const char *groups_version;       /* group_version's value (sql/011), NULL without one */
    const char *resources_version;    /* its resources_v (sql/016), NULL without one */
    size_t ngroups;                   /* the user's groups, newest updated first: */
    const char *const *group_ids;     /*   their ids (arena) */
    const char *const *group_perms;   /*   their permissions as stored (JSON text, arena;
                                       *   NULL where the column is NULL) */
    bool target_read;                 /* a target was asked for (db_caller_target): */
    struct user *target;              /*   its row, every column; NULL: no such user */
    const char *target_group_ids;     /*   with_groups: its group ids, comma-separated in no
                                       *   order; NULL when it is in none */
};

/* A user the request is about (a route's {user_id}), read in the same round trip as the
 * caller, before the caller is known to be allowed to see it: the session keeps it for
 * the route only once the caller passed the route's access check. */
struct db_caller_target {
    const char *id;       /* NULL: no target */
    bool with_groups;     /* also its group ids */
};

/* The caller behind a JWT: user_id from the token, jti its id ("" for none), with target's
 * row when target is not NULL. Returns DB_OK, DB_NOT_FOUND (no such user) or DB_ERROR; out
 * is filled only on DB_OK. */
int db_caller_load_by_id(struct db *db, struct arena *a, const char *user_id, const char *jti,
                         const struct db_caller_target *target, struct db_caller *out);
/* The caller behind an API key, by the key's SHA-256 digest (hex). Same returns; the key of
 * a deactivated account (auth.active 0) is DB_NOT_FOUND. */
int db_caller_load_by_key_digest(struct db *db, struct arena *a, const char *digest,
                                 const struct db_caller_target *target,
                                 struct db_caller *out);
/* The permission trees of the groups of any user, newest updated first: a new array in
 * *out (empty on DB_ERROR too, so callers may always use it). Returns DB_OK or DB_ERROR. */
/* The permission texts perms[0..n) parsed, in order, as a new array (texts that are NULL
 * or do not parse are left out). Pure; the caller puts the array. */
struct json_object *db_caller_parse_trees(const char *const *perms, size_t n);
int db_caller_group_trees(struct db *db, struct arena *a, const char *user_id,
                          struct json_object **out);

#endif
