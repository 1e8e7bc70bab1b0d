/* Groups and memberships (see db_groups.h). */
#include "config.h"
#include "usher/db_groups.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "usher/arena.h"
#include "usher/crypto.h"
#include "usher/db.h"
#include "usher/db_resources.h"
#include "usher/db_counts.h"
#include "usher/db_group_cache.h"
#include "usher/db_rows.h"

int db_group_get(struct db *db, struct arena *a, const char *id, struct group **out)
{
    static char sql[1024];
    if (!sql[0])
        snprintf(sql, sizeof(sql), "SELECT %s FROM `group` g WHERE g.id = ?", db_group_columns());
    struct db_result r;
    if (db_query(db, a, sql, DB_PARAMS(db_str(id)), &r) != DB_OK)
        return DB_ERROR;
    if (r.nrows == 0)
        return DB_NOT_FOUND;
    *out = arena_calloc(a, 1, sizeof(**out));
    db_group_decode(*out, &r, 0, 0);
    return DB_OK;
}

int db_group_list_of_user(struct db *db, struct arena *a, const char *user_id,
                          struct group **out, size_t *n)
{
    static char sql[1024];
    if (!sql[0])
        snprintf(sql, sizeof(sql),
                 "SELECT %s FROM group_member gm JOIN `group` g ON g.id = gm.group_id "
                 "WHERE gm.user_id = ?", db_group_columns());
    struct db_result r;
    if (db_query(db, a, sql, DB_PARAMS(db_str(user_id)), &r) != DB_OK)
        return DB_ERROR;
    *n = r.nrows;
    *out = arena_calloc(a, r.nrows ? r.nrows : 1, sizeof(**out));
    for (size_t i = 0; i < r.nrows; i++)
        db_group_decode(&(*out)[i], &r, i, 0);
    db_group_sort_recent(*out, *n);
    return DB_OK;
}

/* True when id is among the first n of ids. */
static bool id_in(const char *const *ids, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(ids[i], id) == 0)
            return true;
    return false;
}

/* ids[0..n) as the text of one JSON array, in the arena (the ids of a membership change
 * travel as one parameter, read back by JSON_TABLE). Ids longer than JSON_TABLE's column
 * are left out: no user or group has one. */
static const char *ids_json(struct arena *a, const char *const *ids, size_t n)
{
    struct json_object *arr = json_object_new_array_ext((int)(n ? n : 1));
    for (size_t i = 0; i < n; i++)
        if (strlen(ids[i]) <= 255)
            json_object_array_add(arr, json_object_new_string(ids[i]));
    const char *s = arena_strdup(a, json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN));
    json_object_put(arr);
    return s;
}

/* The rows of JSON_TABLE over a JSON array of ids (the parameter), as column j.uid. */
#define IDS_TABLE "JSON_TABLE(?, '$[*]' COLUMNS (uid VARCHAR(255) PATH '$')) j"

/* The group ids of user u's row (sql/017): its memberships' group ids sorted, comma-separated,
 * NULL in none. GET /users/{id} and the listing read them with the row: a GROUP_CONCAT over
 * group_member per user cost MariaDB about as much as the rest of the statement. */
#define GROUP_IDS_WHERE(cond) "(SELECT GROUP_CONCAT(gm.group_id ORDER BY gm.group_id " \
    "SEPARATOR ',') FROM group_member gm WHERE " cond ")"
#define GROUP_IDS_OF(u) GROUP_IDS_WHERE("gm.user_id = " u)

int db_group_ids_keep_one(struct db *db, const char *user_id)
{
    static const char sql[] = "UPDATE `user` SET group_ids = " GROUP_IDS_OF("?") " WHERE id = ?";
    return db_exec(db, sql, DB_PARAMS(db_str(user_id), db_str(user_id)), NULL);
}

/* The column of the users in json (ids_json), set again. */
static int keep_group_ids(struct db *db, const char *json)
{
    static const char sql[] =
        "UPDATE `user` u JOIN (SELECT DISTINCT CONVERT(j.uid USING utf8mb4) COLLATE utf8mb4_bin "
        "AS uid FROM " IDS_TABLE ") s ON u.id = s.uid SET u.group_ids = " GROUP_IDS_OF("u.id");
    return db_exec(db, sql, DB_PARAMS(db_str(json)), NULL);
}

int db_group_ids_keep(struct db *db, const char *const *user_ids, size_t n)
{
    if (n == 0)
        return DB_OK;
    struct arena *a = arena_new(n * 48 + 1024);
    if (!a)
        return DB_ERROR;
    int rc = keep_group_ids(db, ids_json(a, user_ids, n));
    arena_free(a);
    return rc;
}

/* Users per statement of db_group_ids_rebuild: each holds its rows' locks for a few
 * milliseconds (an activity update of one of them waits that long), never the table's. */
#define REBUILD_BATCH "1000"

int db_group_ids_rebuild(struct db *db)
{
    static const char next_sql[] =
        "SELECT MAX(id) FROM (SELECT id FROM `user` WHERE id > ? ORDER BY id LIMIT "
        REBUILD_BATCH ") b";
    /* the users in (from, to], written only where the column differs */
    static const char batch_sql[] =
        "UPDATE `user` u LEFT JOIN (SELECT user_id, GROUP_CONCAT(group_id ORDER BY group_id "
        "SEPARATOR ',') AS ids FROM group_member WHERE user_id > ? AND user_id <= ? "
        "GROUP BY user_id) m ON m.user_id = u.id SET u.group_ids = m.ids "
        "WHERE u.id > ? AND u.id <= ? AND NOT (u.group_ids <=> m.ids)";
    struct arena *a = arena_new(4096);
    if (!a)
        return DB_ERROR;
    char from[256] = "";
    int rc = DB_OK;
    for (;;) {
        const char *to = NULL;
        arena_reset(a);
        rc = db_query_cell(db, a, next_sql, DB_PARAMS(db_str(from)), &to);
        if (rc == DB_NOT_FOUND || (rc == DB_OK && !to)) {
            rc = DB_OK;
            break;
        }
        if (rc != DB_OK)
            break;
        if (strlen(to) >= sizeof(from)) {   /* no user id is that long (VARCHAR(64)) */
            rc = DB_ERROR;
            break;
        }
        rc = db_exec(db, batch_sql, DB_PARAMS(db_str(from), db_str(to), db_str(from), db_str(to)),
                     NULL);
        if (rc != DB_OK)
            break;
        strcpy(from, to);
    }
    arena_free(a);
    return rc;
}

int db_group_sync_user_by_names(struct db *db, const char *id, const char *const *names,
                                size_t n)
{
    /* Only what differs is written: a sign-in whose groups did not change writes nothing
     * and leaves the groups' version (and so every worker's copy, db_group_cache.h) as it
     * was; memberships that stay keep their rows. */
    static const char mine_sql[] = "SELECT group_id FROM group_member WHERE user_id = ?";
    static const char find_sql[] = "SELECT id FROM `group` WHERE name = ?";
    static const char del_sql[] = "DELETE FROM group_member WHERE user_id = ? AND group_id = ?";
    static const char add_sql[] =
        "INSERT IGNORE INTO group_member (id, group_id, user_id, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?)";
    long long now = (long long)time(NULL);
    struct arena *a = arena_new(1024);
    if (!a || db_begin(db) != DB_OK) {
        arena_free(a);
        return DB_ERROR;
    }
    struct db_result mine;
    const char **want = n ? arena_alloc(a, n * sizeof(*want)) : NULL;
    size_t nwant = 0;
    bool changed = false;
    if ((n && !want) || db_query(db, a, mine_sql, DB_PARAMS(db_str(id)), &mine) != DB_OK)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        const char *gid = NULL;
        int rc = db_query_cell(db, a, find_sql, DB_PARAMS(db_str(names[i])), &gid);
        if (rc == DB_NOT_FOUND)
            continue;   /* groups are not created by the sync */
        if (rc != DB_OK)
            goto fail;
        if (!id_in(want, nwant, gid))
            want[nwant++] = gid;
    }
    const char **have = arena_alloc(a, (mine.nrows + 1) * sizeof(*have));
    if (!have)
        goto fail;
    for (size_t r = 0; r < mine.nrows; r++) {
        have[r] = db_cell(&mine, r, 0);
        if (id_in(want, nwant, have[r]))
            continue;
        unsigned long long gone = 0;
        if (db_exec(db, del_sql, DB_PARAMS(db_str(id), db_str(have[r])), &gone) != DB_OK ||
            db_group_member_count_add(db, have[r], -(long long)gone) != DB_OK)
            goto fail;
        changed = changed || gone;
    }
    for (size_t i = 0; i < nwant; i++) {
        if (id_in(have, mine.nrows, want[i]))
            continue;
        char mid[37];
        unsigned long long added = 0;
        if (uuid4(mid) != 0 ||
            db_exec(db, add_sql, DB_PARAMS(db_str(mid), db_str(want[i]), db_str(id),
                                           db_int(now), db_int(now)), &added) != DB_OK ||
            db_group_member_count_add(db, want[i], (long long)added) != DB_OK)
            goto fail;
        changed = changed || added;
    }
    if (changed && (db_group_ids_keep_one(db, id) != DB_OK || db_groups_bump(db) != DB_OK))
        goto fail;
    arena_free(a);
    if (db_commit(db) == DB_OK)
        return DB_OK;
    db_rollback(db);
    return DB_ERROR;
fail:
    arena_free(a);
    db_rollback(db);
    return DB_ERROR;
}

/* ---- the groups router ---------------------------------------------------------------- */

/* "SELECT <group columns>, <member count> <rest>", made in buf the first time (the
 * statement cache keys on the address, which stays the same). The count is the one every
 * membership change keeps (db_counts.h, sql/007). No ORDER BY: the rows carry TEXT
 * columns, which MariaDB would sort in an on-disk temporary table; decode_counted orders
 * them. */
static const char *counted_sql(char *buf, size_t size, const char *rest)
{
    if (!buf[0])
        snprintf(buf, size, "SELECT %s, g.member_count %s", db_group_columns(), rest);
    return buf;
}
#define COUNTED_SQL(rest) \
    static char sql_buf_[2048]; \
    const char *sql = counted_sql(sql_buf_, sizeof(sql_buf_), rest)

struct counted { struct group g; long long count; };

static int counted_recent_first(const void *pa, const void *pb)
{
    return db_group_cmp_recent(&((const struct counted *)pa)->g,
                               &((const struct counted *)pb)->g);
}

/* The groups and their counts of r, most recently updated first. */
static void decode_counted(struct arena *a, const struct db_result *r, struct group **out,
                           long long **counts, size_t *n)
{
    *n = r->nrows;
    struct counted *rows = arena_calloc(a, r->nrows ? r->nrows : 1, sizeof(*rows));
    for (size_t i = 0; i < r->nrows; i++) {
        db_group_decode(&rows[i].g, r, i, 0);
        const char *cnt = db_cell(r, i, group_nfields);
        rows[i].count = db_text_ll(cnt);
    }
    qsort(rows, *n, sizeof(*rows), counted_recent_first);
    *out = arena_calloc(a, r->nrows ? r->nrows : 1, sizeof(**out));
    *counts = arena_calloc(a, r->nrows ? r->nrows : 1, sizeof(**counts));
    for (size_t i = 0; i < *n; i++) {
        (*out)[i] = rows[i].g;
        (*counts)[i] = rows[i].count;
    }
}

#define SHARE DB_GROUP_SHARE_SQL
/* Whole seconds of the precise clock: time() reads the coarse one, which lags a tick
 * behind what a client saw (a bump right after a second began could look older). */
static long long now_s(void)
{
    return clock_now_ms() / 1000;
}


int db_group_list_visible(struct db *db, struct arena *a, enum group_visibility vis,
                          const char *user_id, struct group **out, long long **counts,
                          size_t *n)
{
    struct db_result r;
    int rc;
    switch (vis) {
    case GROUPS_MEMBER: {
        COUNTED_SQL("FROM `group` g JOIN group_member gm ON gm.group_id = g.id "
                    "WHERE gm.user_id = ?");
        rc = db_query(db, a, sql, DB_PARAMS(db_str(user_id)), &r);
        break;
    }
    case GROUPS_SHARE_TRUE: {
        COUNTED_SQL("FROM `group` g WHERE g.data IS NULL OR " SHARE " IS NULL OR "
                    SHARE " IN ('true', '1') OR (" SHARE " = 'members' AND EXISTS "
                    "(SELECT 1 FROM group_member gm WHERE gm.group_id = g.id AND "
                    "gm.user_id = ?))");
        rc = db_query(db, a, sql, DB_PARAMS(db_str(user_id)), &r);
        break;
    }
    case GROUPS_SHARE_FALSE: {
        COUNTED_SQL("FROM `group` g JOIN group_member gm ON gm.group_id = g.id "
                    "WHERE gm.user_id = ? AND g.data IS NOT NULL AND " SHARE " = 'false'");
        rc = db_query(db, a, sql, DB_PARAMS(db_str(user_id)), &r);
        break;
    }
    default: {
        COUNTED_SQL("FROM `group` g");
        rc = db_query(db, a, sql, NULL, 0, &r);
        break;
    }
    }
    if (rc != DB_OK)
        return DB_ERROR;
    decode_counted(a, &r, out, counts, n);
    return DB_OK;
}

int db_group_get_counted(struct db *db, struct arena *a, const char *id, struct group **out,
                         long long *member_count)
{
    COUNTED_SQL("FROM `group` g WHERE g.id = ?");
    struct db_result r;
    if (db_query(db, a, sql, DB_PARAMS(db_str(id)), &r) != DB_OK)
        return DB_ERROR;
    if (r.nrows == 0)
        return DB_NOT_FOUND;
    long long *counts;
    size_t n;
    decode_counted(a, &r, out, &counts, &n);
    *member_count = counts[0];
    return DB_OK;
}

int db_group_create(struct db *db, struct arena *a, const char *creator,
                    const struct group_write *w, struct group **out)
{
    static const char sql[] =
        "INSERT INTO `group` (id, user_id, name, description, data, meta, permissions, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?)";
    char id[37];
    if (uuid4(id) != 0)
        return DB_ERROR;
    long long now = now_s();
    if (db_begin(db) != DB_OK)
        return DB_ERROR;
    int rc = db_exec(db, sql, DB_PARAMS(db_str(id), db_str_or_null(creator), db_str(w->name),
                                        db_str(w->description), db_str_or_null(w->data),
                                        db_str_or_null(w->permissions), db_int(now),
                                        db_int(now)), NULL);
    if (rc == DB_OK)
        rc = db_groups_bump(db);
    if (rc == DB_OK && db_commit(db) != DB_OK)
        rc = DB_ERROR;
    if (rc != DB_OK) {
        db_rollback(db);
        return rc;
    }
    struct group *g = arena_calloc(a, 1, sizeof(*g));
    g->id = arena_strdup(a, id);
    g->user_id = creator ? arena_strdup(a, creator) : NULL;
    g->name = w->name;
    g->description = w->description;
    g->data = w->data;
    g->permissions = w->permissions;
    g->created_at = g->updated_at = now;
    *out = g;
    return DB_OK;
}

int db_group_update(struct db *db, const char *id, const struct group_write *w)
{
    /* One statement for every combination: a NULL parameter keeps the column. */
    static const char sql[] =
        "UPDATE `group` SET name = COALESCE(?, name), description = COALESCE(?, description), "
        "permissions = COALESCE(?, permissions), data = COALESCE(?, data), updated_at = ?, "
        "row_version = row_version + 1 "
        "WHERE id = ?";
    unsigned long long matched = 0;
    if (db_begin(db) != DB_OK)
        return DB_ERROR;
    int rc = db_exec(db, sql, DB_PARAMS(db_str_or_null(w->name), db_str_or_null(w->description),
                                        db_str_or_null(w->permissions), db_str_or_null(w->data),
                                        db_int(now_s()), db_str(id)), &matched);
    if (rc == DB_OK && !matched)
        rc = DB_NOT_FOUND;
    if (rc == DB_OK)
        rc = db_groups_bump(db);
    if (rc == DB_OK && db_commit(db) != DB_OK)
        rc = DB_ERROR;
    if (rc != DB_OK)
        db_rollback(db);
    return rc;
}

static int change_members(struct db *db, const char *id, const char *const *ids, size_t n,
                          bool add)
{
    static const char lock_sql[] = "SELECT id FROM `group` WHERE id = ? FOR UPDATE";
    static const char add_sql[] =
        "INSERT IGNORE INTO group_member (id, group_id, user_id, created_at, updated_at) "
        "SELECT UUID(), ?, u.id, ?, ? FROM " IDS_TABLE " JOIN `user` u "
        "ON u.id = CONVERT(j.uid USING utf8mb4) COLLATE utf8mb4_bin GROUP BY u.id";
    static const char remove_sql[] =
        "DELETE FROM group_member WHERE group_id = ? AND user_id IN "
        "(SELECT CONVERT(j.uid USING utf8mb4) COLLATE utf8mb4_bin FROM " IDS_TABLE ")";
    static const char bump_sql[] =
        "UPDATE `group` SET updated_at = ?, row_version = row_version + 1 WHERE id = ?";
    struct arena *a = arena_new(n * 48 + 1024);
    if (!a)
        return DB_ERROR;
    long long now = now_s();
    struct db_result r;
    int rc = DB_ERROR;
    if (db_begin(db) != DB_OK)
        goto out;
    if (db_query(db, a, lock_sql, DB_PARAMS(db_str(id)), &r) != DB_OK)
        goto fail;
    if (r.nrows == 0) {
        db_rollback(db);
        rc = DB_NOT_FOUND;
        goto out;
    }
    const char *json = ids_json(a, ids, n);
    unsigned long long changed = 0;
    if (n && add && db_exec(db, add_sql, DB_PARAMS(db_str(id), db_int(now), db_int(now),
                                                   db_str(json)), &changed) != DB_OK)
        goto fail;
    if (n && !add && db_exec(db, remove_sql, DB_PARAMS(db_str(id), db_str(json)),
                             &changed) != DB_OK)
        goto fail;
    if (db_group_member_count_add(db, id, add ? (long long)changed : -(long long)changed) != DB_OK)
        goto fail;
    if (changed && keep_group_ids(db, json) != DB_OK)
        goto fail;
    if ((add || n) && db_exec(db, bump_sql, DB_PARAMS(db_int(now), db_str(id)), NULL) != DB_OK)
        goto fail;
    if ((add || n) && db_groups_bump(db) != DB_OK)
        goto fail;
    if (db_commit(db) == DB_OK) {
        rc = DB_OK;
        goto out;
    }
fail:
    db_rollback(db);
out:
    arena_free(a);
    return rc;
}

int db_group_add_users(struct db *db, const char *id, const char *const *ids, size_t n)
{
    return change_members(db, id, ids, n, true);
}

int db_group_remove_users(struct db *db, const char *id, const char *const *ids, size_t n)
{
    return change_members(db, id, ids, n, false);
}

int db_group_delete(struct db *db, const char *id)
{
    static const char grants_sql[] =
        "DELETE FROM access_grant WHERE principal_type = 'group' AND principal_id = ?";
    /* before the memberships go: their users' kept group ids without this group */
    static const char ids_sql[] =
        "UPDATE `user` u JOIN group_member m ON m.user_id = u.id AND m.group_id = ? "
        "SET u.group_ids = " GROUP_IDS_WHERE("gm.user_id = u.id AND gm.group_id <> ?");
    static const char members_sql[] = "DELETE FROM group_member WHERE group_id = ?";
    static const char group_sql[] = "DELETE FROM `group` WHERE id = ?";
    if (db_begin(db) != DB_OK)
        return DB_ERROR;
    unsigned long long grants = 0;
    if (db_exec(db, grants_sql, DB_PARAMS(db_str(id)), &grants) != DB_OK ||
        db_exec(db, ids_sql, DB_PARAMS(db_str(id), db_str(id)), NULL) != DB_OK ||
        db_exec(db, members_sql, DB_PARAMS(db_str(id)), NULL) != DB_OK ||
        db_exec(db, group_sql, DB_PARAMS(db_str(id)), NULL) != DB_OK ||
        db_groups_bump(db) != DB_OK || (grants && db_resources_bump(db) != DB_OK) ||
        db_commit(db) != DB_OK) {
        db_rollback(db);
        return DB_ERROR;
    }
    return DB_OK;
}

int db_group_user_ids(struct db *db, struct arena *a, const char *id, const char ***ids,
                      size_t *n)
{
    static const char sql[] =
        "SELECT user_id FROM group_member WHERE group_id = ? ORDER BY created_at, user_id";
    struct db_result r;
    if (db_query(db, a, sql, DB_PARAMS(db_str(id)), &r) != DB_OK)
        return DB_ERROR;
    *n = r.nrows;
    *ids = arena_calloc(a, r.nrows ? r.nrows : 1, sizeof(**ids));
    for (size_t i = 0; i < r.nrows; i++)
        (*ids)[i] = db_cell(&r, i, 0);
    return DB_OK;
}

struct member { struct user u; long long joined; };

static int joined_first(const void *pa, const void *pb)
{
    const struct member *a = pa, *b = pb;
    if (a->joined != b->joined)
        return a->joined < b->joined ? -1 : 1;
    return strcmp(a->u.id, b->u.id);
}

int db_group_members(struct db *db, struct arena *a, const char *id, struct user **out,
                     size_t *n)
{
    static char sql[2048];
    if (!sql[0])
        snprintf(sql, sizeof(sql), "SELECT %s, gm.created_at FROM group_member gm JOIN `user` u "
                 "ON u.id = gm.user_id WHERE gm.group_id = ?", db_user_columns_of(USER_COLUMNS_INFO));
    struct db_result r;
    if (db_query(db, a, sql, DB_PARAMS(db_str(id)), &r) != DB_OK)
        return DB_ERROR;
    /* In the order they joined (then by id), sorted here: MariaDB would sort these rows,
     * which carry TEXT columns, in an on-disk temporary table. */
    struct member *rows = arena_calloc(a, r.nrows ? r.nrows : 1, sizeof(*rows));
    for (size_t i = 0; i < r.nrows; i++) {
        db_user_decode(a, &rows[i].u, &r, i, 0);
        const char *joined = db_cell(&r, i, user_nfields);
        rows[i].joined = db_text_ll(joined);
    }
    qsort(rows, r.nrows, sizeof(*rows), joined_first);
    *n = r.nrows;
    *out = arena_calloc(a, r.nrows ? r.nrows : 1, sizeof(**out));
    for (size_t i = 0; i < r.nrows; i++)
        (*out)[i] = rows[i].u;
    return DB_OK;
}

int db_group_ids_of_users(struct db *db, struct arena *a, const char *const *user_ids,
                          size_t n, struct group_membership **pairs, size_t *npairs)
{
    static const char sql[] =
        "SELECT gm.user_id, g.id, g.name FROM " IDS_TABLE " JOIN group_member gm "
        "ON gm.user_id = CONVERT(j.uid USING utf8mb4) COLLATE utf8mb4_bin "
        "JOIN `group` g ON g.id = gm.group_id ORDER BY gm.user_id, g.updated_at DESC, g.id";
    *npairs = 0;
    *pairs = arena_calloc(a, 1, sizeof(**pairs));
    if (n == 0)
        return DB_OK;
    struct db_result r;
    if (db_query(db, a, sql, DB_PARAMS(db_str(ids_json(a, user_ids, n))), &r) != DB_OK)
        return DB_ERROR;
    *npairs = r.nrows;
    *pairs = arena_calloc(a, r.nrows ? r.nrows : 1, sizeof(**pairs));
    for (size_t i = 0; i < r.nrows; i++)
        (*pairs)[i] = (struct group_membership){ db_cell(&r, i, 0), db_cell(&r, i, 1),
                                                 db_cell(&r, i, 2) };
    return DB_OK;
}
