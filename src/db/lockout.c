/* The sign-in lockout's rows (see db_lockout.h). */
#include "config.h"
#include "usher/db_lockout.h"

#include <stdlib.h>

#include "usher/arena.h"
#include "usher/db.h"

int db_lockout_get(struct db *db, const char *subject, long long *until)
{
    static const char sql[] = "SELECT locked_until FROM signin_lockout WHERE subject_key = ?";
    struct arena *a = arena_new(512);
    const char *cell = NULL;
    int rc = db_query_cell(db, a, sql, DB_PARAMS(db_str(subject)), &cell);
    *until = rc == DB_OK && cell ? strtoll(cell, NULL, 10) : 0;
    arena_free(a);
    return rc == DB_ERROR ? DB_ERROR : DB_OK;
}

int db_lockout_fail(struct db *db, const char *subject, long long now, long long window,
                    long long threshold, long long (*lock_for)(long long k),
                    long long *failures, int *locked)
{
    static const char hit_sql[] =
        "INSERT INTO signin_lockout (subject_key, failures, last_failure_at) VALUES (?, 1, ?) "
        "ON DUPLICATE KEY UPDATE failures = IF(last_failure_at < ?, 1, failures + 1), "
        "last_failure_at = VALUES(last_failure_at)";
    static const char get_sql[] = "SELECT failures FROM signin_lockout WHERE subject_key = ?";
    static const char lock_sql[] =
        "UPDATE signin_lockout SET locked_until = ? WHERE subject_key = ?";
    *failures = 0;
    *locked = 0;
    if (db_begin(db) != DB_OK)
        return DB_ERROR;
    struct arena *a = arena_new(512);
    const char *cell = NULL;
    int rc = db_exec(db, hit_sql, DB_PARAMS(db_str(subject), db_int(now), db_int(now - window)),
                     NULL);
    if (rc == DB_OK)
        rc = db_query_cell(db, a, get_sql, DB_PARAMS(db_str(subject)), &cell);
    if (rc == DB_OK && cell) {
        *failures = strtoll(cell, NULL, 10);
        if (threshold > 0 && *failures > 0 && *failures % threshold == 0) {
            rc = db_exec(db, lock_sql, DB_PARAMS(db_int(now + lock_for(*failures / threshold)),
                                                 db_str(subject)), NULL);
            *locked = rc == DB_OK;
        }
    }
    arena_free(a);
    if (rc != DB_OK) {
        db_rollback(db);
        *locked = 0;
        return DB_ERROR;
    }
    rc = db_commit(db);
    /* Counts past their window and locks past their end are gone, at most once a minute
     * per worker (an address no account has leaves a row per address tried). */
    static const char purge_sql[] =
        "DELETE FROM signin_lockout WHERE last_failure_at < ? AND locked_until < ? LIMIT 1000";
    static long long last_purge;
    if (rc == DB_OK && now / 60 != last_purge) {
        last_purge = now / 60;
        db_exec(db, purge_sql, DB_PARAMS(db_int(now - window), db_int(now)), NULL);
    }
    return rc;
}

int db_lockout_clear(struct db *db, const char *subject)
{
    static const char sql[] = "DELETE FROM signin_lockout WHERE subject_key = ?";
    return db_exec(db, sql, DB_PARAMS(db_str(subject)), NULL);
}

int db_lockout_address_fail(struct db *db, const char *address, long long now,
                            long long window, long long *count)
{
    static const char hit_sql[] =
        "INSERT INTO signin_address_failure (address, bucket, failures) VALUES (?, ?, 1) "
        "ON DUPLICATE KEY UPDATE failures = failures + 1";
    static const char purge_sql[] =
        "DELETE FROM signin_address_failure WHERE bucket < ? LIMIT 1000";
    static long long last_purge;
    if (db_exec(db, hit_sql, DB_PARAMS(db_str(address), db_int(now / 60)), NULL) != DB_OK)
        return DB_ERROR;
    if (now / 60 != last_purge) {   /* at most once a minute per worker */
        last_purge = now / 60;
        db_exec(db, purge_sql, DB_PARAMS(db_int((now - 7 * 86400) / 60)), NULL);
    }
    long long oldest;
    return db_lockout_address_count(db, address, now, window, count, &oldest);
}

int db_lockout_address_count(struct db *db, const char *address, long long now,
                             long long window, long long *count, long long *oldest)
{
    static const char sql[] =
        "SELECT COALESCE(SUM(failures), 0), COALESCE(MIN(bucket), 0) "
        "FROM signin_address_failure WHERE address = ? AND bucket >= ?";
    struct arena *a = arena_new(512);
    struct db_result r;
    /* The minute buckets of the window: those that end after now - window. */
    int rc = db_query(db, a, sql, DB_PARAMS(db_str(address), db_int((now - window) / 60 + 1)), &r);
    *count = rc == DB_OK && r.nrows ? strtoll(db_cell(&r, 0, 0), NULL, 10) : 0;
    *oldest = rc == DB_OK && r.nrows ? strtoll(db_cell(&r, 0, 1), NULL, 10) : 0;
    arena_free(a);
    return rc;
}
