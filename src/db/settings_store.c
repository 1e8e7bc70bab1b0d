/* The config table: admin settings as key -> JSON rows. */
#include "config.h"
#include "usher/settings_store.h"

#include <openssl/rand.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "usher/arena.h"
#include "usher/db.h"
#include "usher/log.h"

int settings_store_load(struct db *db, struct json_object **out)
{
    static const char sql[] = "SELECT `key`, value FROM config";
    struct arena *a = arena_new(8192);
    struct db_result r;
    int rc = db_query(db, a, sql, NULL, 0, &r);
    if (rc == DB_OK) {
        *out = json_object_new_object();
        for (size_t i = 0; i < r.nrows; i++) {
            const char *k = db_cell(&r, i, 0), *v = db_cell(&r, i, 1);
            enum json_tokener_error jerr = json_tokener_success;
            struct json_object *val = v ? json_tokener_parse_verbose(v, &jerr) : NULL;
            if (!v || jerr != json_tokener_success) {
                log_warning("config row '%s' is not valid JSON; ignored", k);
                continue;
            }
            json_object_object_add(*out, k, val);
        }
    }
    arena_free(a);
    return rc;
}

static const char upsert_sql[] =
    "INSERT INTO config (`key`, value, updated_at) VALUES (?, ?, ?) "
    "ON DUPLICATE KEY UPDATE value = VALUES(value), updated_at = VALUES(updated_at)";

int settings_store_bump(struct db *db)
{
    /* Random, not a counter: a counter could come back to a value a worker still holds
     * after the table was emptied and written again. */
    uint64_t v = 0;
    if (RAND_bytes((unsigned char *)&v, sizeof(v)) != 1)
        return DB_ERROR;
    char text[24];
    snprintf(text, sizeof(text), "%llu", (unsigned long long)(v >> 11));  /* < 2^53: exact */
    return db_exec(db, upsert_sql, DB_PARAMS(db_str(SETTINGS_VERSION_KEY), db_str(text),
                                             db_int((long long)time(NULL))), NULL);
}

int settings_store_put(struct db *db, const char *key, struct json_object *value)
{
    const char *text = json_object_to_json_string_ext(value, JSON_C_TO_STRING_PLAIN);
    int rc = db_exec(db, upsert_sql,
                     DB_PARAMS(db_str(key), db_str(text), db_int((long long)time(NULL))), NULL);
    return rc == DB_OK ? settings_store_bump(db) : rc;
}

int settings_store_put_many(struct db *db, const char *const *keys,
                            struct json_object *const *values, size_t n)
{
    if (db_begin(db) != DB_OK)
        return DB_ERROR;
    long long now = (long long)time(NULL);
    for (size_t i = 0; i < n; i++) {
        const char *text = json_object_to_json_string_ext(values[i], JSON_C_TO_STRING_PLAIN);
        if (db_exec(db, upsert_sql, DB_PARAMS(db_str(keys[i]), db_str(text), db_int(now)),
                    NULL) != DB_OK) {
            db_rollback(db);
            return DB_ERROR;
        }
    }
    if (settings_store_bump(db) != DB_OK || db_commit(db) != DB_OK) {
        db_rollback(db);
        return DB_ERROR;
    }
    return DB_OK;
}
