#ifndef USHER_OWUI_READ_H
#define USHER_OWUI_READ_H
/* Reading Open WebUI's webui.db with libsqlite3 (usherctl import-openwebui): opened
 * read-only (never written; a WAL-mode file gets its -wal and -shm files, as for any
 * reader), everything read inside one read
 * transaction so a running Open WebUI cannot change it half-way. Legacy shapes come out in
 * the v0.11.0 shape: user.api_key becomes key rows, group.user_ids member rows, the config
 * blob per-key values, access_control columns grant rows, oauth_sub the oauth JSON. Rows
 * and texts live in the caller's arena. Errors are a sentence in err. */
#include <stddef.h>
#include "usher/owui.h"

struct arena;
struct owui_db;

/* Opens path: checks it is an SQLite file and not truncated, opens it read-only, waits up
 * to wait_ms for a writer's lock, and tells the shape. NULL with err on failure. */
struct owui_db *owui_open(const char *path, int wait_ms, char *err, size_t errlen);
/* Ends the read transaction and closes. NULL accepted. */
void owui_close(struct owui_db *db);
const struct owui_shape *owui_db_shape(const struct owui_db *db);

/* Each returns 0, or -1 with err (the file could not be read: nothing should be written).
 * Rows come in the column order of owui.h's enums. warn (may be NULL) is called for each
 * legacy cell that could not be converted (an invalid user_ids or access_control), naming
 * the row. */
typedef void (*owui_warn_fn)(void *ctx, const char *table, const char *id, const char *what);

/* Users with their auth row's password and active (NULL when no auth row), oldest first. */
int owui_read_users(struct owui_db *db, struct arena *a, struct owui_rows *out, char *err,
                    size_t errlen);
int owui_read_keys(struct owui_db *db, struct arena *a, struct owui_rows *out, char *err,
                   size_t errlen);
int owui_read_groups(struct owui_db *db, struct arena *a, struct owui_rows *out, char *err,
                     size_t errlen);
/* Memberships; legacy ones get id NULL (the caller makes one). */
int owui_read_members(struct owui_db *db, struct arena *a, struct owui_rows *out,
                      owui_warn_fn warn, void *ctx, char *err, size_t errlen);
/* Grants; legacy ones (from model, knowledge, tool, prompt access_control) get id NULL. */
int owui_read_grants(struct owui_db *db, struct arena *a, struct owui_rows *out,
                     owui_warn_fn warn, void *ctx, char *err, size_t errlen);
/* The rows of table model, knowledge or tool (none when the file has no such table). */
int owui_read_resources(struct owui_db *db, struct arena *a, const char *table,
                        struct owui_rows *out, char *err, size_t errlen);
/* The JSON texts of the n config keys (values[i] NULL where the file has none). */
int owui_read_config(struct owui_db *db, struct arena *a, const char *const *keys, size_t n,
                     const char **values, char *err, size_t errlen);

#endif
