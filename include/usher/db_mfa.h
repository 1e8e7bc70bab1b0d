#ifndef USHER_DB_MFA_H
#define USHER_DB_MFA_H
/* Two-factor sign-in's rows (tables user_mfa, user_mfa_recovery, mfa_challenge of
 * sql/008_account_security.sql). Secrets come in sealed and recovery codes hashed: nothing
 * here sees a usable secret. The data layer: no HTTP here. Returns are DB_OK, DB_NOT_FOUND
 * (as each function says) or DB_ERROR (logged by db.c). */
#include <stdbool.h>
#include <stddef.h>

struct db;
struct arena;

struct db_mfa {
    const char *secret_sealed;   /* two-factor on when not NULL (arena) */
    const char *pending_sealed;  /* an enrolment waits for its confirmation (arena) */
    long long enabled_at;        /* 0 when off */
    long long last_step;         /* the last accepted TOTP step */
    long long recovery_remaining;
};

/* The two-factor row of user_id into out; DB_NOT_FOUND (out zeroed) when there is none. */
int db_mfa_get(struct db *db, struct arena *a, const char *user_id, struct db_mfa *out);
/* Starts or restarts a pending enrolment with sealed (two-factor stays as it is). */
int db_mfa_set_pending(struct db *db, const char *user_id, const char *sealed, long long now);
/* Turns two-factor on with the pending secret `pending` (as read before: a newer enrolment
 * makes this DB_NOT_FOUND), step counting as used, and the n recovery code hashes replacing
 * any earlier ones; one transaction. */
int db_mfa_confirm(struct db *db, const char *user_id, const char *pending, long long step,
                   long long now, const char *const *hashes, size_t n);
/* Takes TOTP step `step` for user_id when it is later than the last one taken (atomic on
 * every worker). DB_OK, or DB_NOT_FOUND when it is not (a replay) or two-factor is off. */
int db_mfa_take_step(struct db *db, const char *user_id, long long step);
/* Uses up the recovery code whose hash is given. DB_OK, or DB_NOT_FOUND (no such code). */
int db_mfa_take_recovery(struct db *db, const char *user_id, const char *hash);
/* Replaces the recovery codes of user_id by the n hashes (one transaction). */
int db_mfa_set_recovery(struct db *db, const char *user_id, const char *const *hashes,
                        size_t n, long long now);
/* Two-factor off: the secret, a pending enrolment and the recovery codes go. *changed (may
 * be NULL) says whether there was anything. */
int db_mfa_delete(struct db *db, const char *user_id, bool *changed);

/* Records a second-step challenge by the SHA-256 hex of its token (expired ones are purged
 * on the way). */
int db_mfa_challenge_put(struct db *db, const char *digest, const char *user_id,
                         long long issued_ms, long long expires_at);
/* The user and first-step time of a live (unexpired, unused) challenge; DB_NOT_FOUND when
 * there is none. */
int db_mfa_challenge_get(struct db *db, struct arena *a, const char *digest, long long now,
                         const char **user_id, long long *issued_ms);
/* Uses the challenge up (its one completed sign-in). DB_OK, or DB_NOT_FOUND when another
 * request used it first or it expired meanwhile. */
int db_mfa_challenge_take(struct db *db, const char *digest, long long now);

#endif
