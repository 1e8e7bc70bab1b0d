/* The reads of SCIM provisioning and its few group writes (see db_scim.h). A listing is
 * two statements: the ids of the page (and the count) from the indexes, ordered by
 * created_at and id (ix_user_created_at), then the rows of those ids; the rows carry TEXT
 * columns, which MariaDB would sort in an on-disk temporary table. The filter's WHERE
 * clause is built by db/scim_filter.c. */
#include "config.h"
#include "usher/db_scim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "usher/arena.h"
#include "usher/db.h"
#include "usher/db_group_cache.h"
#include "usher/scim_filter.h"
#include "scim_sql.h"

/* The page's ids into *r and the number of matches: counted by the count statement only
 * when the page does not tell it (a full page, or an empty one past the start). A lookup
 * or a filter with few matches costs one statement. */
static int page_ids(struct db *db, struct arena *a, const struct scim_sql *ids,
                    const struct scim_sql *count, long long offset, long long limit,
                    struct db_result *r, long long *total)
{
    memset(r, 0, sizeof(*r));
    if (limit > 0) {
        if (db_query(db, a, ids->sql, ids->params, ids->np, r) != DB_OK)
            return DB_ERROR;
        if ((long long)r->nrows < limit && (r->nrows > 0 || offset == 0)) {
            *total = offset + (long long)r->nrows;
            return DB_OK;
        }
    }
    struct db_result c;
    if (db_query(db, a, count->sql, count->params, count->np, &c) != DB_OK)
        return DB_ERROR;
    *total = c.nrows ? db_cell_ll(&c, 0, 0) : 0;
    return DB_OK;
}

/* ---- users ------------------------------------------------------------------------------ */

/* The columns of a struct scim_user over u (user), au (auth) and x (user_external_id,
 * LEFT JOINed on the provider: the first parameter). */
#define USER_COLS \
    "u.id, u.email, u.name, u.profile_image_url, x.external_id, u.created_at, u.updated_at, " \
    "u.row_version, au.active "
#define USER_JOINS \
    "JOIN auth au ON au.id = u.id " \
    "LEFT JOIN user_external_id x ON x.user_id = u.id AND x.provider = ? "

static void decode_user(struct scim_user *s, const struct db_result *r, size_t i)
{
    s->id = db_cell(r, i, 0);
    s->email = db_cell(r, i, 1);
    s->name = db_cell(r, i, 2) ? db_cell(r, i, 2) : "";
    s->profile_image_url = db_cell(r, i, 3);
    s->external_id = db_cell(r, i, 4);
    s->created_at = db_cell_ll(r, i, 5);
    s->updated_at = db_cell_ll(r, i, 6);
    s->version = db_cell_ll(r, i, 7);
    s->active = db_cell(r, i, 8) && strcmp(db_cell(r, i, 8), "0") != 0;
}

int db_scim_user_get(struct db *db, struct arena *a, const char *id, const char *provider,
                     struct scim_user **out)
{
    static const char sql[] = "SELECT " USER_COLS "FROM `user` u " USER_JOINS "WHERE u.id = ?";
    struct db_result r;
    if (db_query(db, a, sql, DB_PARAMS(db_str(provider), db_str(id)), &r) != DB_OK)
        return DB_ERROR;
    if (r.nrows == 0)
        return DB_NOT_FOUND;
    *out = arena_calloc(a, 1, sizeof(**out));
    decode_user(*out, &r, 0);
    return DB_OK;
}

int db_scim_user_by_external_id(struct db *db, struct arena *a, const char *provider,
                                const char *ext, const char **id)
{
    static const char sql[] =
        "SELECT user_id FROM user_external_id WHERE provider = ? AND external_id = ?";
    *id = NULL;
    return db_query_cell(db, a, sql, DB_PARAMS(db_str(provider), db_str(ext)), id);
}

/* ids of r's first column as one JSON array (the parameter of JSON_TABLE). */
static const char *ids_json(struct arena *a, const struct db_result *r)
{
    struct json_object *arr = json_object_new_array_ext((int)(r->nrows ? r->nrows : 1));
    for (size_t i = 0; arr && i < r->nrows; i++)
        json_object_array_add(arr, json_object_new_string(db_cell(r, i, 0)));
    const char *s = arena_strdup(a, arr ? json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN)
                                        : "[]");
    json_object_put(arr);
    return s;
}
#define IDS_TABLE "JSON_TABLE(?, '$[*]' COLUMNS (ord FOR ORDINALITY, uid VARCHAR(255) PATH '$')) j"

/* `userName eq` and `externalId eq`: at most one row, read with its columns in one
 * statement through the unique index (uq_user_email_lower, uq_user_external_id). */
static int user_lookup(struct db *db, struct arena *a, enum scim_attr attr, const char *value,
                       const char *provider, long long offset, long long limit,
                       struct scim_user **out, size_t *n, long long *total)
{
    static const char by_email[] =
        "SELECT " USER_COLS "FROM `user` u " USER_JOINS "WHERE u.email_lower = LOWER(?)";
    static const char by_ext[] =
        "SELECT " USER_COLS "FROM user_external_id xl JOIN `user` u ON u.id = xl.user_id "
        USER_JOINS "WHERE xl.provider = ? AND xl.external_id = ?";
    struct db_result r;
    int rc = attr == SCIM_ATTR_USER_NAME
                 ? db_query(db, a, by_email, DB_PARAMS(db_str(provider), db_str(value)), &r)
                 : db_query(db, a, by_ext, DB_PARAMS(db_str(provider), db_str(provider),
                                                     db_str(value)), &r);
    if (rc != DB_OK)
        return DB_ERROR;
    *total = (long long)r.nrows;
    if (limit <= 0 || offset >= (long long)r.nrows)
        return DB_OK;
    *out = arena_calloc(a, r.nrows, sizeof(**out));
    if (r.nrows && !*out)
        return DB_ERROR;
    for (size_t i = (size_t)offset; i < r.nrows && *n < (size_t)limit; i++)
        decode_user(&(*out)[(*n)++], &r, i);
    return DB_OK;
}

int db_scim_user_list(struct db *db, struct arena *a, const struct scim_filter *filter,
                      const char *provider, long long offset, long long limit,
                      struct scim_user **out, size_t *n, long long *total)
{
    static const char rows_sql[] =
        "SELECT " USER_COLS ", j.ord FROM " IDS_TABLE " JOIN `user` u "
        "ON u.id = CONVERT(j.uid USING utf8mb4) COLLATE utf8mb4_bin " USER_JOINS;
    *n = 0;
    *total = 0;
    *out = arena_calloc(a, 1, sizeof(**out));
    const char *value = NULL;
    enum scim_attr lookup = scim_filter_lookup(filter, &value);
    if (lookup == SCIM_ATTR_USER_NAME || lookup == SCIM_ATTR_EXTERNAL_ID)
        return user_lookup(db, a, lookup, value, provider, offset, limit, out, n, total);
    struct scim_sql ids, count;
    int rc = scim_sql_users(a, filter, provider, offset, limit, &ids, &count);
    if (rc != DB_OK)
        return rc;
    struct db_result r;
    if ((rc = page_ids(db, a, &ids, &count, offset, limit, &r, total)) != DB_OK || r.nrows == 0)
        return rc;
    struct db_result rows;
    if (db_query(db, a, rows_sql, DB_PARAMS(db_str(ids_json(a, &r)), db_str(provider)),
                 &rows) != DB_OK)
        return DB_ERROR;
    /* back in the order of the ids (j.ord, 1-based) */
    *out = arena_calloc(a, r.nrows, sizeof(**out));
    if (r.nrows && !*out)
        return DB_ERROR;
    for (size_t i = 0; i < rows.nrows; i++) {
        long long ord = db_cell_ll(&rows, i, 9);
        if (ord >= 1 && (size_t)ord <= r.nrows)
            decode_user(&(*out)[ord - 1], &rows, i);
    }
    /* a user deleted between the two statements leaves a hole: close it */
    size_t k = 0;
    for (size_t i = 0; i < r.nrows; i++)
        if ((*out)[i].id)
            (*out)[k++] = (*out)[i];
    *n = k;
    return DB_OK;
}

/* ---- groups ----------------------------------------------------------------------------- */

#define GROUP_COLS \
    "g.id, g.name, gx.external_id, g.created_at, g.updated_at, g.row_version, g.member_count "
#define GROUP_JOINS "LEFT JOIN group_external_id gx ON gx.group_id = g.id "

static void decode_group(struct scim_group *s, const struct db_result *r, size_t i)
{
    s->id = db_cell(r, i, 0);
    s->name = db_cell(r, i, 1) ? db_cell(r, i, 1) : "";
    s->external_id = db_cell(r, i, 2);
    s->created_at = db_cell_ll(r, i, 3);
    s->updated_at = db_cell_ll(r, i, 4);
    s->version = db_cell_ll(r, i, 5);
    s->member_count = db_cell_ll(r, i, 6);
}

int db_scim_group_get(struct db *db, struct arena *a, const char *id, struct scim_group **out)
{
    static const char sql[] = "SELECT " GROUP_COLS "FROM `group` g " GROUP_JOINS "WHERE g.id = ?";
    struct db_result r;
    if (db_query(db, a, sql, DB_PARAMS(db_str(id)), &r) != DB_OK)
        return DB_ERROR;
    if (r.nrows == 0)
        return DB_NOT_FOUND;
    *out = arena_calloc(a, 1, sizeof(**out));
    decode_group(*out, &r, 0);
    return DB_OK;
}

int db_scim_group_by_external_id(struct db *db, struct arena *a, const char *ext,
                                 const char **id)
{
    static const char sql[] = "SELECT group_id FROM group_external_id WHERE external_id = ?";
    *id = NULL;
    return db_query_cell(db, a, sql, DB_PARAMS(db_str(ext)), id);
}

int db_scim_group_by_name(struct db *db, struct arena *a, const char *name, const char **id)
{
    static const char sql[] = "SELECT id FROM `group` WHERE name = ? LIMIT 1";
    *id = NULL;
    return db_query_cell(db, a, sql, DB_PARAMS(db_str(name)), id);
}

int db_scim_group_list(struct db *db, struct arena *a, const struct scim_filter *filter,
                       long long offset, long long limit, struct scim_group **out, size_t *n,
                       long long *total)
{
    static const char rows_sql[] =
        "SELECT " GROUP_COLS ", j.ord FROM " IDS_TABLE " JOIN `group` g "
        "ON g.id = CONVERT(j.uid USING utf8mb4) COLLATE utf8mb4_bin " GROUP_JOINS;
    *n = 0;
    *total = 0;
    *out = arena_calloc(a, 1, sizeof(**out));
    struct scim_sql ids, count;
    int rc = scim_sql_groups(a, filter, offset, limit, &ids, &count);
    if (rc != DB_OK)
        return rc;
    struct db_result r;
    if ((rc = page_ids(db, a, &ids, &count, offset, limit, &r, total)) != DB_OK || r.nrows == 0)
        return rc;
    struct db_result rows;
    if (db_query(db, a, rows_sql, DB_PARAMS(db_str(ids_json(a, &r))), &rows) != DB_OK)
        return DB_ERROR;
    *out = arena_calloc(a, r.nrows, sizeof(**out));
    if (r.nrows && !*out)
        return DB_ERROR;
    for (size_t i = 0; i < rows.nrows; i++) {
        long long ord = db_cell_ll(&rows, i, 7);
        if (ord >= 1 && (size_t)ord <= r.nrows)
            decode_group(&(*out)[ord - 1], &rows, i);
    }
    size_t k = 0;
    for (size_t i = 0; i < r.nrows; i++)
        if ((*out)[i].id)
            (*out)[k++] = (*out)[i];
    *n = k;
    return DB_OK;
}

int db_scim_group_set_external_id(struct db *db, const char *id, const char *ext)
{
    static const char bump_sql[] =
        "UPDATE `group` SET row_version = row_version + 1, updated_at = ? WHERE id = ?";
    static const char del_sql[] = "DELETE FROM group_external_id WHERE group_id = ?";
    static const char set_sql[] =
        "INSERT INTO group_external_id (group_id, external_id) VALUES (?, ?)";
    if (db_begin(db) != DB_OK)
        return DB_ERROR;
    unsigned long long n = 0;
    int rc = db_exec(db, bump_sql, DB_PARAMS(db_int((long long)time(NULL)), db_str(id)), &n);
    if (rc == DB_OK && n == 0)
        rc = DB_NOT_FOUND;
    if (rc == DB_OK)
        rc = db_exec(db, del_sql, DB_PARAMS(db_str(id)), NULL);
    if (rc == DB_OK && ext)
        rc = db_exec(db, set_sql, DB_PARAMS(db_str(id), db_str(ext)), NULL);
    if (rc == DB_OK)
        rc = db_groups_bump(db);   /* updated_at shows: the workers' copies */
    if (rc != DB_OK) {
        db_rollback(db);
        return rc;
    }
    return db_commit(db);
}

int db_scim_group_touch(struct db *db, const char *id)
{
    static const char sql[] =
        "UPDATE `group` SET row_version = row_version + 1, updated_at = ? WHERE id = ?";
    unsigned long long n = 0;
    if (db_begin(db) != DB_OK)
        return DB_ERROR;
    int rc = db_exec(db, sql, DB_PARAMS(db_int((long long)time(NULL)), db_str(id)), &n);
    if (rc == DB_OK && n == 0)
        rc = DB_NOT_FOUND;
    if (rc == DB_OK)
        rc = db_groups_bump(db);   /* updated_at shows: the workers' copies */
    if (rc != DB_OK) {
        db_rollback(db);
        return rc;
    }
    return db_commit(db);
}

int db_scim_users_missing(struct db *db, struct arena *a, const char *const *ids, size_t n,
                          const char **missing)
{
    static const char sql[] =
        "SELECT j.uid FROM " IDS_TABLE " LEFT JOIN `user` u "
        "ON u.id = CONVERT(j.uid USING utf8mb4) COLLATE utf8mb4_bin "
        "WHERE u.id IS NULL ORDER BY j.ord LIMIT 1";
    *missing = NULL;
    if (n == 0)
        return DB_OK;
    struct json_object *arr = json_object_new_array_ext((int)n);
    for (size_t i = 0; arr && i < n; i++) {
        /* an id longer than JSON_TABLE's column would be cut to a real id's length */
        if (strlen(ids[i]) > 255) {
            json_object_put(arr);
            *missing = ids[i];
            return DB_OK;
        }
        json_object_array_add(arr, json_object_new_string(ids[i]));
    }
    if (!arr)
        return DB_ERROR;
    const char *json = arena_strdup(a, json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN));
    json_object_put(arr);
    const char *cell = NULL;
    int rc = db_query_cell(db, a, sql, DB_PARAMS(db_str(json)), &cell);
    if (rc == DB_NOT_FOUND)
        return DB_OK;
    if (rc == DB_OK)
        *missing = cell ? cell : "";
    return rc;
}
