#ifndef USHER_DB_SESSIONS_H
#define USHER_DB_SESSIONS_H
/* Session rows (table user_session of sql/009_account_security.sql): one per token usher
 * issues, keyed by its jti. The data layer: no HTTP here. Returns DB_OK or DB_ERROR (logged)
 * unless said otherwise. */
#include <stdbool.h>
#include <stddef.h>

struct db;
struct arena;

struct db_session {
    const char *id, *user_id;
    long long issued_ms, created_at, last_seen_at;
    long long expires_at;          /* 0: none */
    const char *ip, *user_agent;   /* NULL when unknown */
    const char *method;            /* password, signup, add, trusted_header, no_auth */
    bool mfa;
};

/* Records a new session (expired rows are purged on the way). user_agent is cut to 255
 * characters here. */
int db_session_create(struct db *db, const struct db_session *s);
/* The live sessions of user_id at now (not revoked, signed out, expired, or older than the
 * user's revocation mark unless kept), newest first: an arena array in *out of *n. */
int db_session_list(struct db *db, struct arena *a, const char *user_id, long long now,
                    struct db_session **out, size_t *n);
/* Writes last_seen_at of session id. */
int db_session_touch(struct db *db, const char *id, long long now);
/* Moves user_id's revocation mark (never back) to mark_ms: every token issued before it
 * ends, but the one whose jti is keep_jti (NULL: none is kept). Returns once the clock has
 * reached mark_ms (clock_wait_until_ms). */
int db_session_mark_user(struct db *db, const char *user_id, long long mark_ms,
                         const char *keep_jti);

#endif
