#ifndef USHER_DB_OAUTH_H
#define USHER_DB_OAUTH_H
/* OpenID Connect rows: the logins waiting for their callback (oauth_pending), the stored
 * token answers (oauth_session, sealed by the caller: this layer never sees a token in
 * clear) and the account of a provider subject. */
#include <json-c/json.h>

struct db;
struct arena;
struct user;

/* ---- pending logins -------------------------------------------------------------------- */

struct db_oauth_pending {
    const char *state, *binding, *nonce, *verifier, *redirect_uri, *next_path;
    long long expires_at;
};
/* Stores p (and deletes up to 100 expired rows first). DB_OK or DB_ERROR. */
int db_oauth_pending_put(struct db *db, const struct db_oauth_pending *p, long long now);
/* The pending login of state (arena copies): DB_OK, DB_NOT_FOUND or DB_ERROR. Spends
 * nothing. */
int db_oauth_pending_get(struct db *db, struct arena *a, const char *state,
                         struct db_oauth_pending *out);
/* Spends it: DB_OK when this call deleted the row, DB_NOT_FOUND when another did first. */
int db_oauth_pending_take(struct db *db, const char *state);

/* ---- sessions ---------------------------------------------------------------------------- */

/* Deletes the user's sessions of provider: DB_OK, DB_NOT_FOUND (there were none) or
 * DB_ERROR. */
int db_oauth_session_delete(struct db *db, const char *user_id, const char *provider);
/* Deletes every session of the user: DB_OK or DB_ERROR. */
int db_oauth_session_delete_user(struct db *db, const char *user_id);
/* The user's sessions as a new JSON array of {id, user_id, provider, expires_at,
 * created_at, updated_at} (the token itself is never shown). DB_OK or DB_ERROR. */
int db_oauth_session_list(struct db *db, struct arena *a, const char *user_id,
                          struct json_object **out);
/* Stores a session (sealed: the token column gets it as a JSON string) after deleting the
 * user's sessions of provider beyond the newest keep - 1, in one transaction. */
int db_oauth_session_put(struct db *db, struct arena *a, const char *id, const char *user_id,
                         const char *provider, const char *sealed, long long expires_at,
                         long long now, long keep);
/* The sealed token of session id (arena) and its owner: DB_OK, DB_NOT_FOUND, DB_ERROR. */
int db_oauth_session_sealed(struct db *db, struct arena *a, const char *id,
                            const char **user_id, const char **provider, const char **sealed);

/* ---- accounts ------------------------------------------------------------------------------ */

/* The user linked to provider `oidc`'s subject sub (user.oauth.oidc.sub): DB_OK,
 * DB_NOT_FOUND or DB_ERROR. */
int db_user_get_by_oidc_sub(struct db *db, struct arena *a, const char *sub, struct user **out);

#endif
