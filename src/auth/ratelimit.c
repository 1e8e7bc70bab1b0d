/* The sign-in rate limit (§3.7), kept in MariaDB so it holds across workers and hosts
 * (usher's difference #3): one row per (email, minute); the current minute and the three
 * before it are summed, as the reference's 60-second buckets. */
#include "config.h"
#include "usher/users.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usher/arena.h"
#include "usher/db.h"

/* Emails can be long; the key is their SHA-256 so the primary key stays small. */
static void email_key(const char *email, char out[65])
{
    unsigned char md[32];
    unsigned int len = 0;
    EVP_Digest(email, strlen(email), md, &len, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

int ratelimit_hit(struct db *db, const char *email, long long now, long long *count)
{
    static const char hit_sql[] =
        "INSERT INTO signin_attempt (email_key, bucket, attempts) VALUES (?, ?, 1) "
        "ON DUPLICATE KEY UPDATE attempts = attempts + 1";
    static const char sum_sql[] =
        "SELECT COALESCE(SUM(attempts), 0) FROM signin_attempt "
        "WHERE email_key = ? AND bucket BETWEEN ? AND ?";
    static const char purge_sql[] = "DELETE FROM signin_attempt WHERE bucket < ? LIMIT 1000";
    static long long last_purge_bucket;
    char key[65];
    email_key(email, key);
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
