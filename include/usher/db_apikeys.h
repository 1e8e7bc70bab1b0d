#ifndef USHER_DB_APIKEYS_H
#define USHER_DB_APIKEYS_H
/* API keys at rest (table api_key): a SHA-256 digest for lookup and, for the user's one
 * default key (id "key_" + user id, Open WebUI's single-key routes), an optional sealed
 * copy for GET /auths/api_key. The named keys are db_apikey_list.h's. The data layer.
 * Functions return DB_OK or DB_ERROR (logged). */
#include <stdbool.h>

struct db;
struct arena;

/* Stores the user's default key (replacing any earlier one); sealed may be NULL
 * (show-once); prefix: its first 7 characters. */
int db_apikey_put(struct db *db, const char *user_id, const char *digest, const char *sealed,
                  const char *prefix);
/* *exists tells whether the user has a default key; *sealed is its sealed copy (arena) or NULL. */
int db_apikey_get_sealed(struct db *db, struct arena *a, const char *user_id,
                         const char **sealed, bool *exists);
/* Deletes the user's default key (named keys stay); no key is not an error. */
int db_apikey_delete(struct db *db, const char *user_id);

#endif
