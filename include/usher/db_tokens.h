#ifndef USHER_DB_TOKENS_H
#define USHER_DB_TOKENS_H
/* Revoked token ids (table revoked_token): sign-out really revokes, on every worker. */
struct db;

/* Records jti as revoked until expires_at (0: the token never expires, keep it for ever),
 * purging up to 100 entries that expired. Returns DB_OK or DB_ERROR (logged). */
int db_token_revoke(struct db *db, const char *jti, const char *user_id, long long expires_at);

#endif
