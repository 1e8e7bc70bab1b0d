#ifndef USHER_DB_IMPORT_H
#define USHER_DB_IMPORT_H
/* Bulk writes of `usherctl import-openwebui`: what usher already has (to tell new rows from
 * unchanged ones and conflicts, without a round trip per row) and multi-row INSERTs, one
 * transaction per call. The data layer: rows come as text cells (NULL for SQL NULL) in the
 * column order given below. Functions return DB_OK, DB_DUPLICATE (a unique key refused a
 * row: the whole call was rolled back) or DB_ERROR (logged; rolled back). */
#include <stddef.h>

struct db;
struct arena;
struct db_result;

enum import_table {
    IMPORT_USERS,      /* existing: id, email_lower, created_at */
    IMPORT_KEYS,       /* existing: user_id, key_digest, is the user's main key ("1": id
                        * "key_" + user_id; other keys are named ones) */
    IMPORT_GROUPS,     /* existing: id, name */
    IMPORT_MEMBERS,    /* existing: group_id, user_id */
    IMPORT_GRANTS,     /* existing: resource_type, resource_id, principal_type,
                        * principal_id, permission */
    IMPORT_MODELS,     /* existing: id */
    IMPORT_KNOWLEDGE,  /* existing: id */
    IMPORT_TOOLS,      /* existing: id */
    IMPORT__COUNT
};
/* Rows per INSERT statement (and per transaction) that the callers should send. */
#define IMPORT_BATCH 500

/* What usher has of table t, in the columns listed above (arena). */
int db_import_existing(struct db *db, struct arena *a, enum import_table t,
                       struct db_result *out);

/* Inserts n rows of t, all or none, in one transaction. The cells per row:
 *   IMPORT_USERS: the 23 user columns of owui.h (OU_ID .. OU_CREATED_AT), then the auth
 *     password and active; each user also gets an audit_log row "user.add" (status 200,
 *     detail "imported from Open WebUI", user agent audit_agent, e.g. "usher import");
 *   IMPORT_KEYS: id ("key_" + user_id), user_id, key_digest, key_sealed, data, expires_at,
 *     last_used_at, created_at, updated_at;
 *   IMPORT_GROUPS: id, user_id, name, description, data, meta, permissions, created_at,
 *     updated_at;
 *   IMPORT_MEMBERS: id, group_id, user_id, created_at, updated_at;
 *   IMPORT_GRANTS: id, resource_type, resource_id, principal_type, principal_id,
 *     permission, created_at;
 *   IMPORT_MODELS: id, user_id, name, is_active, created_at, updated_at;
 *   IMPORT_KNOWLEDGE, IMPORT_TOOLS: id, user_id, name, created_at, updated_at.
 * n at most IMPORT_BATCH. */
int db_import_insert(struct db *db, enum import_table t, const char *const *cells, size_t n,
                     const char *audit_agent);
/* The number of cells per row db_import_insert takes for t. */
size_t db_import_columns(enum import_table t);
/* One audit_log row for the whole run: action "user.import", target "import" path (cut to
 * the column), detail the summary, user agent audit_agent. */
int db_import_audit_run(struct db *db, const char *path, const char *detail,
                        const char *audit_agent, int status);

#endif
