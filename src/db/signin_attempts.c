/* The sign-in rate limit (§3.7), kept in MariaDB so it holds across workers and hosts
 * (usher's difference #3): one row per (email, minute); the current minute and the three
 * before it are summed, as the reference's 60-second buckets. */
#include "config.h"
#include "usher/db_signin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usher/arena.h"
#include "usher/crypto.h"
#include "usher/db.h"

int db_signin_attempt_hit(struct db *db, const char *email, long long now, long long *count)
{
    static const char hit_sql[] =
        "INSERT INTO signin_attempt (email_key, bucket, attempts) VALUES (?, ?, 1) "
        "ON DUPLICATE KEY UPDATE attempts = attempts + 1";
    static const char sum_sql[] =
        "SELECT COALESCE(SUM(attempts), 0) FROM signin_attempt "
        "WHERE email_key = ? AND bucket BETWEEN ? AND ?";
    static const char purge_sql[] = "DELETE FROM signin_attempt WHERE bucket < ? LIMIT 1000";
    static long long last_purge_bucket;
    /* Emails can be long; the key is their SHA-256 so the primary key stays small. */
    char key[65];
    sha256_hex(email, strlen(email), key);
    long long bucket = now / 60;
    if (db_exec(db, hit_sql, DB_PARAMS(db_str(key), db_int(bucket)), NULL) != DB_OK)
        return DB_ERROR;
    struct arena *a = arena_new(1024);
    struct db_result r;
    int rc = db_query(db, a, sum_sql, DB_PARAMS(db_str(key), db_int(bucket - 3), db_int(bucket)), &r);
    if (rc == DB_OK)
        *count = r.nrows ? strtoll(db_cell(&r, 0, 0), NULL, 10) : 0;
    arena_free(a);
    if (bucket != last_purge_bucket) {  /* at most once a minute per worker */
        last_purge_bucket = bucket;
        db_exec(db, purge_sql, DB_PARAMS(db_int(bucket - 10)), NULL);
    }
    return rc;
}
