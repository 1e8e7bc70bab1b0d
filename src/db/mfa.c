/* Two-factor sign-in's rows (see db_mfa.h). */
#include "config.h"
#include "usher/db_mfa.h"

#include <stdlib.h>
#include <string.h>

#include "usher/arena.h"
#include "usher/db.h"

int db_mfa_get(struct db *db, struct arena *a, const char *user_id, struct db_mfa *out)
{
    static const char sql[] =
        "SELECT m.secret_sealed, m.pending_sealed, m.enabled_at, m.last_step, "
        "(SELECT COUNT(*) FROM user_mfa_recovery r WHERE r.user_id = m.user_id) "
        "FROM user_mfa m WHERE m.user_id = ?";
    memset(out, 0, sizeof(*out));
    struct db_result r;
    if (db_query(db, a, sql, DB_PARAMS(db_str(user_id)), &r) != DB_OK)
        return DB_ERROR;
    if (r.nrows == 0)
        return DB_NOT_FOUND;
    out->secret_sealed = db_cell(&r, 0, 0);
    out->pending_sealed = db_cell(&r, 0, 1);
    out->enabled_at = db_cell(&r, 0, 2) ? strtoll(db_cell(&r, 0, 2), NULL, 10) : 0;
    out->last_step = strtoll(db_cell(&r, 0, 3), NULL, 10);
    out->recovery_remaining = out->secret_sealed ? strtoll(db_cell(&r, 0, 4), NULL, 10) : 0;
    return DB_OK;
}

int db_mfa_set_pending(struct db *db, const char *user_id, const char *sealed, long long now)
{
    static const char sql[] =
        "INSERT INTO user_mfa (user_id, pending_sealed, updated_at) VALUES (?, ?, ?) "
        "ON DUPLICATE KEY UPDATE pending_sealed = VALUES(pending_sealed), "
        "updated_at = VALUES(updated_at)";
    return db_exec(db, sql, DB_PARAMS(db_str(user_id), db_str(sealed), db_int(now)), NULL);
}

static int put_recovery(struct db *db, const char *user_id, const char *const *hashes,
                        size_t n, long long now)
{
    static const char del_sql[] = "DELETE FROM user_mfa_recovery WHERE user_id = ?";
    static const char ins_sql[] =
        "INSERT INTO user_mfa_recovery (user_id, code_hash, created_at) VALUES (?, ?, ?)";
    if (db_exec(db, del_sql, DB_PARAMS(db_str(user_id)), NULL) != DB_OK)
        return DB_ERROR;
    for (size_t i = 0; i < n; i++)
        if (db_exec(db, ins_sql, DB_PARAMS(db_str(user_id), db_str(hashes[i]), db_int(now)),
                    NULL) != DB_OK)
            return DB_ERROR;
    return DB_OK;
}

int db_mfa_confirm(struct db *db, const char *user_id, const char *pending, long long step,
                   long long now, const char *const *hashes, size_t n)
{
    static const char sql[] =
        "UPDATE user_mfa SET secret_sealed = pending_sealed, pending_sealed = NULL, "
        "enabled_at = ?, last_step = ?, updated_at = ? "
        "WHERE user_id = ? AND pending_sealed = ? AND secret_sealed IS NULL";
    if (db_begin(db) != DB_OK)
        return DB_ERROR;
    unsigned long long affected = 0;
    int rc = db_exec(db, sql, DB_PARAMS(db_int(now), db_int(step), db_int(now),
                                        db_str(user_id), db_str(pending)), &affected);
    if (rc == DB_OK && affected == 0)
        rc = DB_NOT_FOUND;
    if (rc == DB_OK)
        rc = put_recovery(db, user_id, hashes, n, now);
    if (rc != DB_OK) {
        db_rollback(db);
        return rc;
    }
    return db_commit(db);
}

int db_mfa_take_step(struct db *db, const char *user_id, long long step)
{
    static const char sql[] =
        "UPDATE user_mfa SET last_step = ? "
        "WHERE user_id = ? AND last_step < ? AND secret_sealed IS NOT NULL";
    unsigned long long affected = 0;
    if (db_exec(db, sql, DB_PARAMS(db_int(step), db_str(user_id), db_int(step)), &affected) != DB_OK)
        return DB_ERROR;
    return affected ? DB_OK : DB_NOT_FOUND;
}

int db_mfa_take_recovery(struct db *db, const char *user_id, const char *hash)
{
    static const char sql[] =
        "DELETE FROM user_mfa_recovery WHERE user_id = ? AND code_hash = ?";
    unsigned long long affected = 0;
    if (db_exec(db, sql, DB_PARAMS(db_str(user_id), db_str(hash)), &affected) != DB_OK)
        return DB_ERROR;
    return affected ? DB_OK : DB_NOT_FOUND;
}

int db_mfa_set_recovery(struct db *db, const char *user_id, const char *const *hashes,
                        size_t n, long long now)
{
    if (db_begin(db) != DB_OK)
        return DB_ERROR;
    if (put_recovery(db, user_id, hashes, n, now) != DB_OK) {
        db_rollback(db);
        return DB_ERROR;
    }
    return db_commit(db);
}

int db_mfa_delete(struct db *db, const char *user_id, bool *changed)
{
    static const char rec_sql[] = "DELETE FROM user_mfa_recovery WHERE user_id = ?";
    static const char sql[] = "DELETE FROM user_mfa WHERE user_id = ?";
    unsigned long long a1 = 0, a2 = 0;
    if (db_begin(db) != DB_OK)
        return DB_ERROR;
    if (db_exec(db, rec_sql, DB_PARAMS(db_str(user_id)), &a1) != DB_OK ||
        db_exec(db, sql, DB_PARAMS(db_str(user_id)), &a2) != DB_OK) {
        db_rollback(db);
        return DB_ERROR;
    }
    if (changed)
        *changed = a1 || a2;
    return db_commit(db);
}

int db_mfa_challenge_put(struct db *db, const char *digest, const char *user_id,
                         long long issued_ms, long long expires_at)
{
    static const char purge_sql[] = "DELETE FROM mfa_challenge WHERE expires_at < ? LIMIT 100";
    static const char sql[] =
        "INSERT INTO mfa_challenge (id, user_id, issued_ms, expires_at) VALUES (?, ?, ?, ?)";
    db_exec(db, purge_sql, DB_PARAMS(db_int(issued_ms / 1000 - 60)), NULL);
    return db_exec(db, sql, DB_PARAMS(db_str(digest), db_str(user_id), db_int(issued_ms),
                                      db_int(expires_at)), NULL);
}

int db_mfa_challenge_get(struct db *db, struct arena *a, const char *digest, long long now,
                         const char **user_id, long long *issued_ms)
{
    static const char sql[] =
        "SELECT user_id, issued_ms FROM mfa_challenge "
        "WHERE id = ? AND used_at IS NULL AND expires_at > ?";
    struct db_result r;
    if (db_query(db, a, sql, DB_PARAMS(db_str(digest), db_int(now)), &r) != DB_OK)
        return DB_ERROR;
    if (r.nrows == 0)
        return DB_NOT_FOUND;
    *user_id = db_cell(&r, 0, 0);
    *issued_ms = strtoll(db_cell(&r, 0, 1), NULL, 10);
    return DB_OK;
}

int db_mfa_challenge_take(struct db *db, const char *digest, long long now)
{
    static const char sql[] =
        "UPDATE mfa_challenge SET used_at = ? WHERE id = ? AND used_at IS NULL "
        "AND expires_at > ?";
    unsigned long long affected = 0;
    if (db_exec(db, sql, DB_PARAMS(db_int(now), db_str(digest), db_int(now)), &affected) != DB_OK)
        return DB_ERROR;
    return affected ? DB_OK : DB_NOT_FOUND;
}
