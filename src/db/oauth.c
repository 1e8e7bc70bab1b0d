/* OAuth session rows (see db_oauth.h). */
#include "config.h"
#include "usher/db_oauth.h"

#include <stdlib.h>

#include "usher/arena.h"
#include "usher/db.h"

int db_oauth_session_delete(struct db *db, const char *user_id, const char *provider)
{
    static const char sql[] = "DELETE FROM oauth_session WHERE user_id = ? AND provider = ?";
    unsigned long long n = 0;
    if (db_exec(db, sql, DB_PARAMS(db_str(user_id), db_str(provider)), &n) != DB_OK)
        return DB_ERROR;
    return n ? DB_OK : DB_NOT_FOUND;
}

static struct json_object *int_or_null(const char *s)
{
    return s ? json_object_new_int64(strtoll(s, NULL, 10)) : NULL;
}

int db_oauth_session_list(struct db *db, struct arena *a, const char *user_id,
                          struct json_object **out)
{
    static const char sql[] =
        "SELECT id, user_id, provider, expires_at, created_at, updated_at FROM oauth_session "
        "WHERE user_id = ? ORDER BY created_at, id";
    struct db_result r;
    if (db_query(db, a, sql, DB_PARAMS(db_str(user_id)), &r) != DB_OK)
        return DB_ERROR;
    *out = json_object_new_array();
    for (size_t i = 0; i < r.nrows; i++) {
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "id", json_object_new_string(db_cell(&r, i, 0)));
        json_object_object_add(o, "user_id", json_object_new_string(db_cell(&r, i, 1)));
        json_object_object_add(o, "provider", json_object_new_string(db_cell(&r, i, 2)));
        json_object_object_add(o, "expires_at", int_or_null(db_cell(&r, i, 3)));
        json_object_object_add(o, "created_at", int_or_null(db_cell(&r, i, 4)));
        json_object_object_add(o, "updated_at", int_or_null(db_cell(&r, i, 5)));
        json_object_array_add(*out, o);
    }
    return DB_OK;
}
