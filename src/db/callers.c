/* The caller lookup (see db_callers.h). */
#include "config.h"
#include "usher/db_callers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usher/arena.h"
#include "usher/db.h"
#include "usher/db_users.h"
#include "usher/settings_store.h"

/* The group trees as one text, most recently updated group first, separated by the ASCII
 * record separator (which valid JSON cannot hold unescaped): one cell, so the caller's row
 * comes once whatever the number of its groups. */
#define TREES_SEPARATOR '\x1e'
#define GROUP_TREES(user) \
    "(SELECT GROUP_CONCAT(g.permissions ORDER BY g.updated_at DESC, g.id SEPARATOR X'1E') " \
    "FROM group_member gm JOIN `group` g ON g.id = gm.group_id " \
    "WHERE gm.user_id = " user " AND g.permissions IS NOT NULL)"

/* The trees of the text of GROUP_TREES, as a new JSON array (NULL: none). */
static struct json_object *trees_from_text(const char *text)
{
    struct json_object *trees = json_object_new_array();
    for (const char *p = text; p && *p;) {
        const char *end = strchr(p, TREES_SEPARATOR);
        size_t len = end ? (size_t)(end - p) : strlen(p);
        struct json_tokener *tok = json_tokener_new();
        struct json_object *t = tok ? json_tokener_parse_ex(tok, p, (int)len) : NULL;
        json_tokener_free(tok);
        if (t)
            json_object_array_add(trees, t);
        p += len + (end ? 1 : 0);
    }
    return trees;
}

int db_caller_group_trees(struct db *db, struct arena *a, const char *user_id,
                          struct json_object **out)
{
    static const char sql[] = "SELECT " GROUP_TREES("?");
    const char *text = NULL;
    int rc = db_query_cell(db, a, sql, DB_PARAMS(db_str(user_id)), &text);
    *out = trees_from_text(rc == DB_OK ? text : NULL);
    return rc == DB_ERROR ? DB_ERROR : DB_OK;
}

/* The caller query: the user row, the revoked-token probe, the config version and the
 * permission trees of the user's groups (what follows the user columns, up to the WHERE). */
#define CALLER_SQL(where) \
    ", rt.jti, " \
    "(SELECT cf.value FROM config cf WHERE cf.`key` = '" SETTINGS_VERSION_KEY "'), " \
    GROUP_TREES("u.id") " " where

static int load(struct db *db, struct arena *a, char *buf, size_t size, const char *rest,
                const char *jti, const char *key, struct db_caller *out)
{
    if (!buf[0])
        snprintf(buf, size, "SELECT %s %s", db_user_columns(), rest);
    struct db_result r;
    if (db_query(db, a, buf, DB_PARAMS(db_str(jti), db_str(key)), &r) != DB_OK)
        return DB_ERROR;
    if (r.nrows == 0)
        return DB_NOT_FOUND;
    out->user = arena_calloc(a, 1, sizeof(*out->user));
    db_user_decode(a, out->user, &r, 0, 0);
    out->revoked = db_cell(&r, 0, user_nfields) != NULL;
    out->config_version = db_cell(&r, 0, user_nfields + 1);
    out->group_trees = trees_from_text(db_cell(&r, 0, user_nfields + 2));
    return DB_OK;
}

#define CALLER_GROUPS "LEFT JOIN revoked_token rt ON rt.jti = ? "

int db_caller_load_by_id(struct db *db, struct arena *a, const char *user_id, const char *jti,
                         struct db_caller *out)
{
    static char sql[2048];
    return load(db, a, sql, sizeof(sql),
                CALLER_SQL("FROM `user` u " CALLER_GROUPS "WHERE u.id = ?"), jti, user_id, out);
}

int db_caller_load_by_key_digest(struct db *db, struct arena *a, const char *digest,
                                 struct db_caller *out)
{
    static char sql[2048];
    return load(db, a, sql, sizeof(sql),
                CALLER_SQL("FROM api_key k JOIN `user` u ON u.id = k.user_id " CALLER_GROUPS
                           "WHERE k.key_digest = ?"), "", digest, out);
}
