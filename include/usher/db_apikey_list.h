#ifndef USHER_DB_APIKEY_LIST_H
#define USHER_DB_APIKEY_LIST_H
/* Named API keys (usher-account-security.md §2) in table api_key beside the default key
 * (db_apikeys.h): listing, creating, deleting one, and last_used_at. The data layer: no HTTP.
 * Returns DB_OK or DB_ERROR (logged) unless said otherwise. */
#include <stdbool.h>
#include <stddef.h>

struct db;
struct arena;

struct db_apikey {
    const char *id, *name, *prefix;  /* name, prefix: NULL when unknown (a migrated key) */
    long long created_at, created_ms;
    long long expires_at, last_used_at;  /* 0: none */
    const char *endpoints;           /* JSON array text, or NULL */
    const char *sealed;              /* the default key's sealed copy, or NULL */
    bool is_default;
};

/* The keys of user_id, newest first: an arena array in *out of *n. */
int db_apikey_list(struct db *db, struct arena *a, const char *user_id,
                   struct db_apikey **out, size_t *n);
/* How many keys user_id holds; *has_default: one of them is the default key. */
int db_apikey_count(struct db *db, const char *user_id, long long *n, bool *has_default);
/* Stores a named key of user_id: k->id, name, prefix, created_*, expires_at, endpoints, and
 * the key's digest (never the key). DB_DUPLICATE when the digest exists (never, in
 * practice). */
int db_apikey_create(struct db *db, const char *user_id, const char *digest,
                     const struct db_apikey *k);
/* Deletes key id of user_id (named or default). DB_NOT_FOUND when user_id has no such key. */
int db_apikey_delete_id(struct db *db, const char *user_id, const char *id);
/* Writes last_used_at of key id. */
int db_apikey_touch(struct db *db, const char *id, long long now);

#endif
