#ifndef USHER_DB_OAUTH_H
#define USHER_DB_OAUTH_H
/* OAuth sessions (table oauth_session). usher runs no OAuth flow, but keeps the rows an
 * import may bring and answers the two endpoints that touch them. */
#include <json-c/json.h>

struct db;
struct arena;

/* Deletes the user's sessions of provider: DB_OK, DB_NOT_FOUND (there were none) or
 * DB_ERROR. */
int db_oauth_session_delete(struct db *db, const char *user_id, const char *provider);
/* The user's sessions as a new JSON array of {id, user_id, provider, expires_at,
 * created_at, updated_at} (the token itself is never shown). DB_OK or DB_ERROR. */
int db_oauth_session_list(struct db *db, struct arena *a, const char *user_id,
                          struct json_object **out);

#endif
