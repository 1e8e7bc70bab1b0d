/* The config table: admin settings as key -> JSON rows. */
#include "config.h"
#include "usher/settings_store.h"

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

int settings_store_put(struct db *db, const char *key, struct json_object *value)
{
    static const char sql[] =
        "INSERT INTO config (`key`, value, updated_at) VALUES (?, ?, ?) "
        "ON DUPLICATE KEY UPDATE value = VALUES(value), updated_at = VALUES(updated_at)";
    const char *text = json_object_to_json_string_ext(value, JSON_C_TO_STRING_PLAIN);
    return db_exec(db, sql, DB_PARAMS(db_str(key), db_str(text), db_int((long long)time(NULL))),
                   NULL);
}
