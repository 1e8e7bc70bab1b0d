#ifndef USHER_SETTINGS_STORE_H
#define USHER_SETTINGS_STORE_H
/* The config table (key -> JSON text): the data layer under model/settings.c. */
#include <json-c/json.h>
struct db;

#include <stddef.h>

/* Reads every row into a new JSON object {key: parsed value}; rows whose value does not
 * parse are skipped and logged. Returns DB_OK or DB_ERROR. */
int settings_store_load(struct db *db, struct json_object **out);
/* Inserts or replaces key with the JSON text of value, and gives the table a new version.
 * Returns DB_OK or DB_ERROR (logged). */
int settings_store_put(struct db *db, const char *key, struct json_object *value);
/* The same for n keys at once, in one transaction (all or nothing). The values stay the
 * caller's. Returns DB_OK or DB_ERROR (logged). */
int settings_store_put_many(struct db *db, const char *const *keys,
                            struct json_object *const *values, size_t n);

/* The config table carries a version, the row SETTINGS_VERSION_KEY, which every write
 * replaces with a new random number. Workers keep the table they read last and read it
 * again only when the version they see with the caller's row differs, so a change made by
 * any worker or host is seen by all at the next request, without reading the whole table
 * on every request. Whoever edits the table by hand changes the version too (or reloads
 * the pool). */
#define SETTINGS_VERSION_KEY "usher.settings_version"
/* The keys the data layer writes or reads itself, named once (settings.c's table names
 * the rest, and uses these): ui.enable_signup is closed by the first account's creation in
 * the same transaction; usher.signup_lock is the row every account creation locks first. */
#define CONFIG_KEY_ENABLE_SIGNUP "ui.enable_signup"
#define CONFIG_KEY_SIGNUP_LOCK "usher.signup_lock"
/* Gives the table a new version (inside the caller's transaction, if any). DB_OK or
 * DB_ERROR. */
int settings_store_bump(struct db *db);

#endif
