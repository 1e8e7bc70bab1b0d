#ifndef USHER_DB_SIGNIN_H
#define USHER_DB_SIGNIN_H
/* Sign-in attempts (table signin_attempt), counted in MariaDB so the rate limit holds
 * across workers and hosts (usher's difference #3). */
struct db;

/* Counts one attempt for email (the email_normalize'd address; sign-in also counts one
 * under "user:" + the resolved account's id, so every spelling of an address shares it)
 * at now (epoch seconds) and sets *count to the attempts of
 * the current minute and the three before it (the reference's 60 s buckets). Old buckets
 * are purged at most once a minute per worker. Returns DB_OK or DB_ERROR (logged). */
int db_signin_attempt_hit(struct db *db, const char *email, long long now, long long *count);

#endif
