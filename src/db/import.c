/* Bulk writes of the Open WebUI import (see db_import.h). Multi-row INSERTs are built once
 * per table and row count and kept, so the statement cache (keyed by the SQL's address)
 * prepares each shape once: one text for full batches, one for the last, shorter one. */
#include "config.h"
#include "usher/db_import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "usher/arena.h"
#include "usher/db.h"
#include "usher/db_resources.h"
#include "usher/db_group_cache.h"
#include "usher/db_counts.h"
#include "usher/db_groups.h"
#include "usher/db_user_index.h"
#include "usher/utf8.h"

#define USER_COLS 23

struct table_sql {
    const char *existing;
    const char *head;        /* "INSERT INTO t (cols) VALUES " */
    size_t ncols;            /* placeholders per row */
    const char *tuple;       /* one row's "(?, ...)" */
};

static const struct table_sql tables[IMPORT__COUNT] = {
    [IMPORT_USERS] = {
        "SELECT id, email_lower, created_at FROM `user`",
        "INSERT INTO `user` (id, email, username, role, name, profile_image_url, "
        "profile_banner_image_url, bio, gender, date_of_birth, timezone, presence_state, "
        "status_emoji, status_message, status_expires_at, info, settings, variables, oauth, "
        "scim, last_active_at, updated_at, created_at) VALUES ",
        USER_COLS + 2,
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    },
    [IMPORT_KEYS] = {
        "SELECT user_id, key_digest, id = CONCAT('key_', user_id) FROM api_key",
        "INSERT INTO api_key (id, user_id, key_digest, key_sealed, data, expires_at, "
        "last_used_at, created_at, updated_at, created_ms) VALUES ",
        9, "(?, ?, ?, ?, ?, ?, ?, ?, ?, created_at * 1000)",
    },
    [IMPORT_GROUPS] = {
        "SELECT id, name FROM `group`",
        "INSERT INTO `group` (id, user_id, name, description, data, meta, permissions, "
        "created_at, updated_at) VALUES ",
        9, "(?, ?, ?, ?, ?, ?, ?, ?, ?)",
    },
    [IMPORT_MEMBERS] = {
        "SELECT group_id, user_id FROM group_member",
        "INSERT INTO group_member (id, group_id, user_id, created_at, updated_at) VALUES ",
        5, "(?, ?, ?, ?, ?)",
    },
    [IMPORT_GRANTS] = {
        "SELECT resource_type, resource_id, principal_type, principal_id, permission "
        "FROM access_grant",
        "INSERT INTO access_grant (id, resource_type, resource_id, principal_type, "
        "principal_id, permission, created_at) VALUES ",
        7, "(?, ?, ?, ?, ?, ?, ?)",
    },
    [IMPORT_MODELS] = {
        "SELECT id FROM model",
        "INSERT INTO model (id, user_id, name, is_active, created_at, updated_at) VALUES ",
        6, "(?, ?, ?, ?, ?, ?)",
    },
    [IMPORT_KNOWLEDGE] = {
        "SELECT id FROM knowledge",
        "INSERT INTO knowledge (id, user_id, name, created_at, updated_at) VALUES ",
        5, "(?, ?, ?, ?, ?)",
    },
    [IMPORT_TOOLS] = {
        "SELECT id FROM tool",
        "INSERT INTO tool (id, user_id, name, created_at, updated_at) VALUES ",
        5, "(?, ?, ?, ?, ?)",
    },
};

/* The auth and audit rows that go with each user. */
static const char auth_head[] = "INSERT INTO auth (id, email, password, active) VALUES ";
static const char auth_tuple[] = "(?, ?, ?, ?)";
static const char audit_head[] =
    "INSERT INTO audit_log (at, action, status, target_type, target_id, detail, user_agent) "
    "VALUES ";
static const char audit_tuple[] = "(?, 'user.add', 200, 'user', ?, 'imported from Open WebUI', ?)";

size_t db_import_columns(enum import_table t)
{
    return tables[t].ncols;
}

int db_import_existing(struct db *db, struct arena *a, enum import_table t,
                       struct db_result *out)
{
    return db_query(db, a, tables[t].existing, NULL, 0, out);
}

/* The statement text for n rows: kept per head, one for IMPORT_BATCH rows and one for the
 * last count asked (rebuilt in place when it changes). */
struct built {
    const char *head;
    char *full, *other;
    size_t other_n;
};

static const char *multi_sql(const char *head, const char *tuple, size_t n)
{
    static struct built cache[IMPORT__COUNT + 2];
    struct built *b = NULL;
    for (size_t i = 0; i < sizeof cache / sizeof cache[0] && !b; i++)
        if (cache[i].head == head || !cache[i].head)
            b = &cache[i];
    if (!b)
        return NULL;
    b->head = head;
    char **slot = n == IMPORT_BATCH ? &b->full : &b->other;
    if (*slot && (n == IMPORT_BATCH || b->other_n == n))
        return *slot;
    size_t hl = strlen(head), tl = strlen(tuple);
    size_t need = hl + n * (tl + 2) + 1, cap = hl + IMPORT_BATCH * (tl + 2) + 1;
    if (!*slot && !(*slot = malloc(cap)))
        return NULL;
    if (need > cap)
        return NULL;
    char *p = *slot;
    memcpy(p, head, hl);
    p += hl;
    for (size_t i = 0; i < n; i++) {
        if (i) {
            *p++ = ',';
            *p++ = ' ';
        }
        memcpy(p, tuple, tl);
        p += tl;
    }
    *p = '\0';
    if (n != IMPORT_BATCH)
        b->other_n = n;
    return *slot;
}

static int insert_rows(struct db *db, const char *head, const char *tuple, size_t ncols,
                       const struct db_param *params, size_t n)
{
    const char *sql = multi_sql(head, tuple, n);
    if (!sql)
        return DB_ERROR;
    return db_exec(db, sql, params, n * ncols, NULL);
}

static struct db_param cell(const char *s)
{
    return db_str_or_null(s);
}

/* The indexed copy of an imported user's SCIM externalIds (sql/013_scim.sql keeps the same
 * rule for rows that were there before it): one row per provider entry of the `scim` JSON
 * with a string external_id; a taken one stays with its first user (INSERT IGNORE). */
enum { USER_SCIM_COL = 19 };   /* `scim` in the user tuple above */
static const char external_ids_sql[] =
    "INSERT IGNORE INTO user_external_id (user_id, provider, external_id) "
    "SELECT u.id, k.provider, "
    "JSON_UNQUOTE(JSON_EXTRACT(u.scim, CONCAT('$.\"', k.provider, '\".external_id'))) "
    "FROM `user` u, "
    "JSON_TABLE(JSON_KEYS(u.scim), '$[*]' COLUMNS (provider VARCHAR(64) PATH '$')) k "
    "WHERE u.id = ? AND JSON_TYPE(u.scim) = 'OBJECT' AND k.provider NOT LIKE '%\"%' "
    "AND JSON_TYPE(JSON_EXTRACT(u.scim, CONCAT('$.\"', k.provider, '\".external_id'))) = 'STRING' "
    "AND CHAR_LENGTH(JSON_UNQUOTE(JSON_EXTRACT(u.scim, CONCAT('$.\"', k.provider, "
    "'\".external_id')))) BETWEEN 1 AND 255";

static int insert_users(struct db *db, const char *const *cells, size_t n, const char *agent)
{
    size_t stride = tables[IMPORT_USERS].ncols;
    struct db_param *p = malloc(n * USER_COLS * sizeof(*p));
    if (!p)
        return DB_ERROR;
    for (size_t r = 0; r < n; r++)
        for (size_t c = 0; c < USER_COLS; c++)
            p[r * USER_COLS + c] = cell(cells[r * stride + c]);
    int rc = insert_rows(db, tables[IMPORT_USERS].head, tables[IMPORT_USERS].tuple, USER_COLS,
                         p, n);
    for (size_t r = 0; rc == DB_OK && r < n; r++) {
        const char *const *row = cells + r * stride;
        p[r * 4] = cell(row[0]);                 /* id */
        p[r * 4 + 1] = cell(row[1]);             /* email */
        p[r * 4 + 2] = cell(row[USER_COLS]);     /* password */
        p[r * 4 + 3] = cell(row[USER_COLS + 1]); /* active */
    }
    if (rc == DB_OK)
        rc = insert_rows(db, auth_head, auth_tuple, 4, p, n);
    long long now = (long long)time(NULL);
    for (size_t r = 0; rc == DB_OK && r < n; r++) {
        p[r * 3] = db_int(now);
        p[r * 3 + 1] = cell(cells[r * stride]);
        p[r * 3 + 2] = cell(agent);
    }
    if (rc == DB_OK)
        rc = insert_rows(db, audit_head, audit_tuple, 3, p, n);
    for (size_t r = 0; rc == DB_OK && r < n; r++)
        if (cells[r * stride + USER_SCIM_COL])
            rc = db_exec(db, external_ids_sql, DB_PARAMS(cell(cells[r * stride])), NULL);
    free(p);
    return rc;
}

/* The counts the listings show (db_counts.h), in the batch's own transaction: the users
 * it added, and the members of each group (a run of rows of one group is one statement). */
enum { MEMBER_GROUP_COL = 1, MEMBER_USER_COL = 2 };   /* of group_member (id, group_id, ...) */

static int keep_counts(struct db *db, struct arena *a, enum import_table t,
                       const char *const *cells, size_t n, const char *const *user_ids)
{
    if (t == IMPORT_USERS) {
        /* and the listing's fences and the search index (db_user_index.h): a few
         * statements for the whole batch */
        int rc = db_user_index_join_many(db, a, user_ids, n);
        return rc == DB_OK ? db_user_count_add(db, (long long)n) : rc;
    }
    if (t != IMPORT_MEMBERS)
        return DB_OK;
    size_t nc = tables[t].ncols;
    /* and the group ids kept on the members' rows (db_groups.h) */
    const char **members = arena_alloc(a, n * sizeof(*members));
    if (!members)
        return DB_ERROR;
    for (size_t r = 0; r < n; r++)
        members[r] = cells[r * nc + MEMBER_USER_COL];
    if (db_group_ids_keep(db, members, n) != DB_OK)
        return DB_ERROR;
    for (size_t r = 0; r < n;) {
        const char *gid = cells[r * nc + MEMBER_GROUP_COL];
        size_t run = 1;
        while (r + run < n && strcmp(cells[(r + run) * nc + MEMBER_GROUP_COL], gid) == 0)
            run++;
        if (db_group_member_count_add(db, gid, (long long)run) != DB_OK)
            return DB_ERROR;
        r += run;
    }
    return DB_OK;
}

int db_import_insert(struct db *db, enum import_table t, const char *const *cells, size_t n,
                     const char *audit_agent)
{
    if (n == 0)
        return DB_OK;
    if (n > IMPORT_BATCH || db_begin(db) != DB_OK)
        return DB_ERROR;
    struct arena *a = arena_new(n * 64 + 4096);
    const char **ids = t == IMPORT_USERS ? malloc(n * sizeof(*ids)) : NULL;
    int rc = a && (ids || t != IMPORT_USERS) ? DB_OK : DB_ERROR;
    if (rc == DB_OK && t == IMPORT_USERS) {
        for (size_t r = 0; r < n; r++)
            ids[r] = cells[r * tables[IMPORT_USERS].ncols];
        rc = db_user_index_enter(db, a, UIX_ALL);
        if (rc == DB_OK)
            rc = insert_users(db, cells, n, audit_agent);
    } else if (rc == DB_OK) {
        size_t nc = tables[t].ncols;
        struct db_param *p = malloc(n * nc * sizeof(*p));
        rc = p ? DB_OK : DB_ERROR;
        for (size_t i = 0; p && i < n * nc; i++)
            p[i] = cell(cells[i]);
        if (p)
            rc = insert_rows(db, tables[t].head, tables[t].tuple, nc, p, n);
        free(p);
    }
    if (rc == DB_OK)
        rc = keep_counts(db, a, t, cells, n, ids);
    if (rc == DB_OK && (t == IMPORT_GROUPS || t == IMPORT_MEMBERS))
        rc = db_groups_bump(db);   /* the workers' copies of the groups (db_group_cache.h) */
    if (rc == DB_OK && (t == IMPORT_GRANTS || t == IMPORT_MODELS || t == IMPORT_KNOWLEDGE ||
                        t == IMPORT_TOOLS))
        rc = db_resources_bump(db);   /* and of the registries (db_previews.h) */
    if (rc == DB_OK && db_commit(db) != DB_OK)
        rc = DB_ERROR;
    if (rc != DB_OK)
        db_rollback(db);
    /* The batch's search rows: exact once committed; after a rollback back to the committed
     * text, since Mroonga kept what the batch added (the users then retried one by one add
     * theirs again). */
    if (ids && a)
        db_user_index_search_set_many(db, a, ids, n);
    free(ids);
    arena_free(a);
    return rc;
}

int db_import_audit_run(struct db *db, const char *path, const char *detail,
                        const char *audit_agent, int status)
{
    static const char sql[] =
        "INSERT INTO audit_log (at, action, status, target_type, target_id, detail, user_agent) "
        "VALUES (?, 'user.import', ?, 'import', ?, ?, ?)";
    size_t pl = strlen(path), dl = strlen(detail);
    return db_exec(db, sql,
                   DB_PARAMS(db_int((long long)time(NULL)), db_int(status),
                             db_strn(path, pl <= 255 ? pl : utf8_truncate(path, pl, 255)),
                             db_strn(detail, dl <= 255 ? dl : utf8_truncate(detail, dl, 255)),
                             db_str(audit_agent)), NULL);
}
