#ifndef USHER_SETTINGS_STORE_H
#define USHER_SETTINGS_STORE_H
/* The config table (key -> JSON text): the data layer under model/settings.c. */
#include <json-c/json.h>
struct db;

/* Reads every row into a new JSON object {key: parsed value}; rows whose value does not
 * parse are skipped and logged. Returns DB_OK or DB_ERROR. */
int settings_store_load(struct db *db, struct json_object **out);
/* Inserts or replaces key with the JSON text of value. */
int settings_store_put(struct db *db, const char *key, struct json_object *value);

#endif
