#ifndef USHER_DB_APIKEYS_H
#define USHER_DB_APIKEYS_H
/* API keys at rest (table api_key): at most one per user, stored as a SHA-256 digest for
 * lookup and an optional sealed copy for GET /auths/api_key. The data layer. Functions
 * return DB_OK or DB_ERROR (logged). */
#include <stdbool.h>

struct db;
struct arena;

/* Stores the user's key (replacing any earlier one); sealed may be NULL (show-once). */
int db_apikey_put(struct db *db, const char *user_id, const char *digest, const char *sealed);
/* *exists tells whether the user has a key; *sealed is its sealed copy (arena) or NULL. */
int db_apikey_get_sealed(struct db *db, struct arena *a, const char *user_id,
                         const char **sealed, bool *exists);
/* Deletes the user's key; no key is not an error. */
int db_apikey_delete(struct db *db, const char *user_id);

#endif
