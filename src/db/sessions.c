/* Session rows (see db_sessions.h). */
#include "config.h"
#include "usher/db_sessions.h"

#include <stdlib.h>
#include <string.h>

#include "usher/arena.h"
#include "usher/crypto.h"
#include "usher/db.h"

/* The first max characters of a UTF-8 string, in bytes. */
static size_t utf8_prefix(const char *s, size_t max)
{
    size_t chars = 0, i = 0;
    for (; s[i]; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (chars == max)
                break;
            chars++;
        }
    }
    return i;
}

int db_session_create(struct db *db, const struct db_session *s)
{
    static const char purge_sql[] =
        "DELETE FROM user_session WHERE expires_at < ? LIMIT 100";
    static const char sql[] =
        "INSERT INTO user_session (id, user_id, issued_ms, created_at, last_seen_at, "
        "expires_at, ip, user_agent, method, mfa) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    db_exec(db, purge_sql, DB_PARAMS(db_int(s->created_at - 86400)), NULL);
    struct db_param ua = s->user_agent ? db_strn(s->user_agent, utf8_prefix(s->user_agent, 255))
                                       : db_null();
    return db_exec(db, sql, DB_PARAMS(db_str(s->id), db_str(s->user_id), db_int(s->issued_ms),
                                      db_int(s->created_at), db_int(s->last_seen_at),
                                      s->expires_at ? db_int(s->expires_at) : db_null(),
                                      db_str_or_null(s->ip), ua, db_str(s->method),
                                      db_int(s->mfa)), NULL);
}

int db_session_list(struct db *db, struct arena *a, const char *user_id, long long now,
                    struct db_session **out, size_t *n)
{
    static const char sql[] =
        "SELECT s.id, s.issued_ms, s.created_at, s.last_seen_at, s.expires_at, s.ip, "
        "s.user_agent, s.method, s.mfa FROM user_session s "
        "JOIN `user` u ON u.id = s.user_id "
        "LEFT JOIN revoked_token rt ON rt.jti = s.id "
        "WHERE s.user_id = ? AND rt.jti IS NULL AND (s.expires_at IS NULL OR s.expires_at > ?) "
        "AND (s.issued_ms >= u.tokens_valid_after_ms OR s.id <=> u.tokens_kept_jti) "
        "ORDER BY s.issued_ms DESC";
    struct db_result r;
    *out = NULL;
    *n = 0;
    if (db_query(db, a, sql, DB_PARAMS(db_str(user_id), db_int(now)), &r) != DB_OK)
        return DB_ERROR;
    struct db_session *rows = arena_calloc(a, r.nrows ? r.nrows : 1, sizeof(*rows));
    for (size_t i = 0; i < r.nrows; i++) {
        struct db_session *s = &rows[i];
        s->id = db_cell(&r, i, 0);
        s->user_id = user_id;
        s->issued_ms = strtoll(db_cell(&r, i, 1), NULL, 10);
        s->created_at = strtoll(db_cell(&r, i, 2), NULL, 10);
        s->last_seen_at = strtoll(db_cell(&r, i, 3), NULL, 10);
        s->expires_at = db_cell(&r, i, 4) ? strtoll(db_cell(&r, i, 4), NULL, 10) : 0;
        s->ip = db_cell(&r, i, 5);
        s->user_agent = db_cell(&r, i, 6);
        s->method = db_cell(&r, i, 7);
        s->mfa = strcmp(db_cell(&r, i, 8), "0") != 0;
    }
    *out = rows;
    *n = r.nrows;
    return DB_OK;
}

int db_session_touch(struct db *db, const char *id, long long now)
{
    static const char sql[] = "UPDATE user_session SET last_seen_at = ? WHERE id = ?";
    return db_exec_bounded(db, sql, DB_PARAMS(db_int(now), db_str(id)), NULL);
}

int db_session_mark_user(struct db *db, const char *user_id, long long mark_ms,
                         const char *keep_jti)
{
    static const char sql[] =
        "UPDATE `user` SET tokens_valid_after_ms = GREATEST(tokens_valid_after_ms, ?), "
        "tokens_kept_jti = ? WHERE id = ?";
    int rc = db_exec(db, sql, DB_PARAMS(db_int(mark_ms), db_str_or_null(keep_jti),
                                        db_str(user_id)), NULL);
    clock_wait_until_ms(mark_ms);
    return rc;
}
