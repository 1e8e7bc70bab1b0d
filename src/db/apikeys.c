/* API keys at rest: a SHA-256 digest for lookup and a sealed copy for GET /api_key. */
#include "config.h"
#include "usher/db_apikeys.h"

#include <string.h>
#include <time.h>

#include "usher/arena.h"
#include "usher/crypto.h"
#include "usher/db.h"

int db_apikey_put(struct db *db, const char *user_id, const char *digest, const char *sealed,
                  const char *prefix)
{
    /* The default key: the id is "key_" + user id, as the reference, so REPLACE swaps it
     * and leaves the user's named keys alone. */
    static const char sql[] =
        "REPLACE INTO api_key (id, user_id, key_digest, key_sealed, prefix, created_ms, "
        "created_at, updated_at) VALUES (CONCAT('key_', ?), ?, ?, ?, ?, ?, ?, ?)";
    long long now = (long long)time(NULL);
    return db_exec(db, sql, DB_PARAMS(db_str(user_id), db_str(user_id), db_str(digest),
                                      db_str_or_null(sealed), db_str_or_null(prefix),
                                      db_int(clock_now_ms()), db_int(now), db_int(now)), NULL);
}

int db_apikey_get_sealed(struct db *db, struct arena *a, const char *user_id, const char **sealed,
                       bool *exists)
{
    static const char sql[] = "SELECT key_sealed FROM api_key WHERE id = CONCAT('key_', ?)";
    struct db_result r;
    if (db_query(db, a, sql, DB_PARAMS(db_str(user_id)), &r) != DB_OK)
        return DB_ERROR;
    *exists = r.nrows > 0;
    *sealed = r.nrows ? db_cell(&r, 0, 0) : NULL;
    return DB_OK;
}

int db_apikey_delete(struct db *db, const char *user_id)
{
    static const char sql[] = "DELETE FROM api_key WHERE id = CONCAT('key_', ?)";
    return db_exec(db, sql, DB_PARAMS(db_str(user_id)), NULL);
}

