#ifndef USHER_LOCKOUT_H
#define USHER_LOCKOUT_H
/* The sign-in lockout (usher-account-security.md §4; Keycloak's brute-force detection as
 * the model), for every sign-in step that checks a password or a second-factor code:
 * per account (an unknown address is a subject of its own, counted and locked alike) with a
 * lock that doubles, and per client address across accounts. Settings: the lockout.* keys
 * of usher.conf. Locks and counts live in MariaDB, so they hold on every worker. */
#include <stdbool.h>

struct ctx;

/* The length of the k-th lock (k >= 1): duration * 2^(k-1) seconds, at most max_duration
 * (pure; saturates instead of overflowing). */
long long lockout_length(long long duration, long long max_duration, long long k);

/* The subject an attempt counts against: the account when user_id is known, else the
 * typed (normalised) e-mail address. An arena string (a SHA-256 hex). */
const char *lockout_subject(struct ctx *c, const char *user_id, const char *email);

/* Before any password or code check: answers 429 ADDRESS_LOCKED (the client address has
 * lockout.ip_threshold failures within lockout.ip_window) or 429 ACCOUNT_LOCKED (subject
 * is locked; subject NULL skips this), each with Retry-After, and returns -1; or returns 0.
 * A database failure answers 500 and returns -1. */
int lockout_check(struct ctx *c, const char *subject);
/* Counts a failed attempt of subject (and of the client address): an account reaching a
 * multiple of lockout.threshold locks (audit auth.lockout, target user_id; none for an
 * unknown address); an address reaching lockout.ip_threshold writes auth.address_lockout.
 * Failures to count are logged; the answer does not change. */
void lockout_fail(struct ctx *c, const char *subject, const char *user_id);
/* A completed sign-in of user_id: its count starts again. */
void lockout_success(struct ctx *c, const char *user_id);
/* Ends the lock of user_id and clears its count (the admin route, usherctl). Returns
 * DB_OK or DB_ERROR. */
struct db;
int lockout_unlock(struct db *db, const char *user_id);

#endif
