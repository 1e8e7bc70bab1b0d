/* Revoked token ids (usher's difference #1: sign-out really revokes, on every worker). */
#include "config.h"
#include "usher/db_tokens.h"

#include <time.h>

#include "usher/arena.h"
#include "usher/db.h"

int db_token_revoke(struct db *db, const char *jti, const char *user_id, long long expires_at)
{
    /* Expired entries are purged as new ones arrive, so the table stays the size of the
     * live revoked set. */
    static const char purge_sql[] =
        "DELETE FROM revoked_token WHERE expires_at IS NOT NULL AND expires_at < ? LIMIT 100";
    static const char sql[] = "INSERT IGNORE INTO revoked_token (jti, user_id, expires_at) "
                              "VALUES (?, ?, ?)";
    db_exec(db, purge_sql, DB_PARAMS(db_int((long long)time(NULL))), NULL);
    return db_exec(db, sql, DB_PARAMS(db_str(jti), db_str_or_null(user_id),
                                      expires_at ? db_int(expires_at) : db_null()), NULL);
}

