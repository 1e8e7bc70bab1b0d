#ifndef USHER_DB_LOCKOUT_H
#define USHER_DB_LOCKOUT_H
/* The sign-in lockout's rows (signin_lockout, signin_address_failure of
 * sql/008_account_security.sql); the policy is auth/lockout.c's. The data layer: no HTTP.
 * Returns DB_OK or DB_ERROR (logged) unless said otherwise. */
struct db;

/* The epoch second until which subject is locked into *until (0: never locked). */
int db_lockout_get(struct db *db, const char *subject, long long *until);
/* Counts a failure of subject at now: the count starts again when the last failure is
 * older than window. *failures gets the count including this one. When that reaches a
 * multiple of threshold (> 0), lock_for(k) seconds of lock are set, k = failures /
 * threshold, and *locked gets 1 (else 0). One transaction. */
int db_lockout_fail(struct db *db, const char *subject, long long now, long long window,
                    long long threshold, long long (*lock_for)(long long k),
                    long long *failures, int *locked);
/* Ends the lock and clears the count of subject (a completed sign-in, an unlock). */
int db_lockout_clear(struct db *db, const char *subject);
/* Counts a failed sign-in from address at now (minute buckets) and sums those since
 * now - window into *count. */
int db_lockout_address_fail(struct db *db, const char *address, long long now,
                            long long window, long long *count);
/* The failures from address since now - window into *count, and into *oldest the epoch
 * minute of the oldest of them (0 when none). */
int db_lockout_address_count(struct db *db, const char *address, long long now,
                             long long window, long long *count, long long *oldest);

#endif
