/* The caller lookup (see db_callers.h). */
#include "config.h"
#include "usher/db_callers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usher/arena.h"
#include "usher/db.h"
#include "usher/db_group_cache.h"
#include "usher/db_rows.h"
#include "usher/db_users.h"
#include "usher/settings_store.h"

struct group_row { long long updated_at; const char *id; const char *permissions; };

static int group_row_cmp(const void *pa, const void *pb)
{
    const struct group_row *a = pa, *b = pb;
    if (a->updated_at != b->updated_at)
        return a->updated_at > b->updated_at ? -1 : 1;
    return strcmp(a->id, b->id);
}

/* The groups in columns col (group updated_at), col+1 (group id) and col+2 (its
 * permissions) of r, newest updated first, into out (ids and permission texts in the
 * arena). Rows without a group (the LEFT JOIN of a user in none) are skipped. The groups
 * are ordered here, not with ORDER BY, which would cost MariaDB a temporary table on every
 * request; and they come as rows of a join, not one GROUP_CONCAT: with the TEXT trees that
 * also made an on-disk temporary table per request (measured: the caller lookup took twice
 * as long, in a user with no group). The texts are not parsed here: the session parses
 * them only when a permission is asked, and the merged tree is cached by their text. */
static void groups_from_rows(struct arena *a, const struct db_result *r, size_t col,
                             struct db_caller *out)
{
    struct group_row *rows = arena_calloc(a, r->nrows ? r->nrows : 1, sizeof(*rows));
    size_t n = 0;
    for (size_t i = 0; i < r->nrows; i++) {
        const char *upd = db_cell(r, i, col), *id = db_cell(r, i, col + 1);
        if (id)
            rows[n++] = (struct group_row){ db_text_ll(upd), id,
                                            db_cell(r, i, col + 2) };
    }
    qsort(rows, n, sizeof(*rows), group_row_cmp);
    const char **ids = arena_calloc(a, n ? n : 1, sizeof(*ids));
    const char **perms = arena_calloc(a, n ? n : 1, sizeof(*perms));
    for (size_t i = 0; i < n; i++) {
        ids[i] = rows[i].id;
        perms[i] = rows[i].permissions;
    }
    out->ngroups = n;
    out->group_ids = ids;
    out->group_perms = perms;
}

struct json_object *db_caller_parse_trees(const char *const *perms, size_t n)
{
    struct json_object *trees = json_object_new_array_ext((int)(n ? n : 1));
    for (size_t i = 0; i < n; i++) {
        struct json_object *t = perms[i] ? json_tokener_parse(perms[i]) : NULL;
        if (t)
            json_object_array_add(trees, t);
    }
    return trees;
}

int db_caller_group_trees(struct db *db, struct arena *a, const char *user_id,
                          struct json_object **out)
{
    static const char sql[] =
        "SELECT g.updated_at, g.id, g.permissions FROM group_member gm "
        "JOIN `group` g ON g.id = gm.group_id WHERE gm.user_id = ?";
    struct db_result r;
    if (db_query(db, a, sql, DB_PARAMS(db_str(user_id)), &r) != DB_OK) {
        *out = json_object_new_array();
        return DB_ERROR;
    }
    struct db_caller dc;
    groups_from_rows(a, &r, 0, &dc);
    *out = db_caller_parse_trees(dc.group_perms, dc.ngroups);
    return DB_OK;
}

/* The caller query, one round trip: the user row (only the columns authentication and the
 * session's answers need: never settings, info, oauth or scim), whether the token id was
 * revoked, the session row's last_seen_at (user_session, by the token's jti), the API key's
 * id, expiry, last use and endpoints (NULL for a token), the config version, the groups'
 * version (sql/011) and the resources' (sql/016, in the same row). The versions are
 * joined rows, not subqueries: MariaDB reads a joined row by its key once, at plan time,
 * where each scalar subquery cost it about 12 us per request. The user's groups (their
 * ids, order and permission trees) then come from the worker's copy of every group at that
 * version (db_group_cache.h), which remembers its recent callers' memberships: reading the
 * 20 group_member entries of a user with its row cost MariaDB more than the user row
 * itself. A GET route about a user adds that user's row
 * and group ids (caller_sql below). */
#define CALLER_PROBES \
    "LEFT JOIN revoked_token rt ON rt.jti = ? " \
    "LEFT JOIN user_session us ON us.id = ? AND us.user_id = u.id " \
    "LEFT JOIN config cf ON cf.`key` = '" SETTINGS_VERSION_KEY "' " \
    "LEFT JOIN group_version gv ON gv.id = 1 "

/* The user's groups into out: from the worker's copy of the groups, else (no copy, a group
 * it does not have) with the groups from SQL. */
static int caller_groups(struct db *db, struct arena *a, struct db_caller *out)
{
    const char *const *ids, *const *perms;
    size_t n;
    int rc = db_group_cache_user_groups(db, a, out->groups_version, out->user->id, true, &ids,
                                        &n, &perms, NULL);
    if (rc == DB_OK) {
        out->ngroups = n;
        out->group_ids = ids;
        out->group_perms = perms;
        return DB_OK;
    }
    if (rc != DB_NOT_FOUND)
        return rc;
    static const char sql[] =
        "SELECT g.updated_at, g.id, g.permissions FROM group_member gm "
        "JOIN `group` g ON g.id = gm.group_id WHERE gm.user_id = ?";
    struct db_result r;
    if (db_query(db, a, sql, DB_PARAMS(db_str(out->user->id)), &r) != DB_OK)
        return DB_ERROR;
    groups_from_rows(a, &r, 0, out);
    return DB_OK;
}

/* Runs the caller query sql (made once by the caller, with caller_sql) for jti and key. */
static int load(struct db *db, struct arena *a, const char *buf, const char *jti,
                const char *key, const struct db_caller_target *target, struct db_caller *out)
{
    struct db_result r;
    memset(out, 0, sizeof(*out));
    /* in the order of the marks: the probes, the target's join, the key */
    struct db_param params[4];
    size_t np = 0;
    bool with_target = target && target->id;
    params[np++] = db_str(jti);
    params[np++] = db_str(jti);
    if (with_target)
        params[np++] = db_str(target->id);
    params[np++] = db_str(key);
    /* causal (galera): a revocation, role or settings change committed on any node counts */
    if (db_query_causal(db, a, buf, params, np, &r) != DB_OK)
        return DB_ERROR;
    if (r.nrows == 0 || !db_cell(&r, 0, 0))
        return DB_NOT_FOUND;
    size_t row = 0;
    out->user = arena_calloc(a, 1, sizeof(*out->user));
    db_user_decode(a, out->user, &r, row, 0);
    out->revoked = db_cell(&r, row, user_nfields) != NULL;
    const char *seen = db_cell(&r, row, user_nfields + 1);
    out->has_session = seen != NULL;
    out->session_last_seen = db_text_ll(seen);
    size_t k = user_nfields + 2;
    out->key_id = db_cell(&r, row, k);
    out->key_expires_at = db_cell_ll(&r, row, k + 1);
    out->key_last_used_at = db_cell_ll(&r, row, k + 2);
    out->key_endpoints = db_cell(&r, row, k + 3);
    out->config_version = db_cell(&r, row, k + 4);
    out->groups_version = db_cell(&r, row, k + 5);
    out->resources_version = db_cell(&r, row, k + 6);
    if (with_target) {
        size_t t = k + 7;
        out->target_read = true;
        if (db_cell(&r, row, t)) {
            out->target = arena_calloc(a, 1, sizeof(*out->target));
            db_user_decode(a, out->target, &r, row, t);
        }
        if (target->with_groups)
            out->target_group_ids = db_cell(&r, row, t + user_nfields);
    }
    return caller_groups(db, a, out);
}

/* The caller query of a credential kind (0: by user id, 1: by API key digest) and a target
 * (none, its row, its row and group ids), built once each. The target is a LEFT JOIN on
 * its primary key: the row (and group ids) a route would read next in two more statements
 * come in the same round trip. */
static const char *caller_sql(int by_key, const struct db_caller_target *target)
{
    static char sql[2][3][6144];
    int mode = !target || !target->id ? 0 : target->with_groups ? 2 : 1;
    char *text = sql[by_key][mode];
    if (text[0])
        return text;
    snprintf(text, sizeof(sql[0][0]),
             "SELECT %s, rt.jti, us.last_seen_at, %s, cf.value, gv.v, gv.resources_v%s%s%s %s"
             CALLER_PROBES
             "%sWHERE %s = ?",
             db_user_columns_of(USER_COLUMNS_CALLER),
             by_key ? "k.id, k.expires_at, k.last_used_at, k.endpoints" : "NULL, NULL, NULL, NULL",
             mode ? ", " : "", mode ? db_user_columns_over_t(USER_COLUMNS_ALL) : "",
             /* kept on the row (db_groups.h): a GROUP_CONCAT over group_member here cost
              * MariaDB a third of the statement under load */
             mode == 2 ? ", t.group_ids" : "",
             by_key ? "FROM api_key k JOIN `user` u ON u.id = k.user_id "
                      /* a deactivated account's key finds no caller (SCIM, B.6) */
                      "JOIN auth au ON au.id = u.id AND au.active = 1 "
                    : "FROM `user` u ",
             mode ? "LEFT JOIN `user` t ON t.id = ? " : "", by_key ? "k.key_digest" : "u.id");
    return text;
}

int db_caller_load_by_id(struct db *db, struct arena *a, const char *user_id, const char *jti,
                         const struct db_caller_target *target, struct db_caller *out)
{
    return load(db, a, caller_sql(0, target), jti, user_id, target, out);
}

int db_caller_load_by_key_digest(struct db *db, struct arena *a, const char *digest,
                                 const struct db_caller_target *target, struct db_caller *out)
{
    return load(db, a, caller_sql(1, target), "", digest, target, out);
}
