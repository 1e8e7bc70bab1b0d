/* Writes of the users router (see db_user_edit.h). */
#include "config.h"
#include "usher/db_user_edit.h"

#include <stddef.h>
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
#include "usher/db_user_index.h"
#include "usher/db_users.h"
#include "usher/user.h"
#include "usher/user_doc.h"

static long long now_s(void)
{
    return (long long)time(NULL);
}

static int rollback(struct db *db, int rc)
{
    db_rollback(db);
    return rc;
}

/* A rollback after the user's search row was changed (Mroonga keeps what was written):
 * the row back to the committed text, exact again. */
static int rollback_search(struct db *db, const char *id, int rc)
{
    db_rollback(db);
    db_user_index_search_set(db, id);
    return rc;
}

/* The UPDATE of one column set, built from the field table the first time that set is
 * written and kept for the process: the statement cache keys on the text's address. */
struct write_sql {
    unsigned long long key;   /* the column bits, and bit 63 for the revocation mark */
    char *sql;
};
#define MARK_BIT (1ull << 63)

static const char *write_sql_for(unsigned long long key)
{
    static struct write_sql *known;
    static size_t nknown, cap;
    for (size_t i = 0; i < nknown; i++)
        if (known[i].key == key)
            return known[i].sql;
    size_t len = 64;
    for (size_t i = 0; i < user_nfields; i++)
        len += strlen(user_fields[i].column) + 8;
    char *sql = malloc(len + 200);
    if (!sql)
        return NULL;
    size_t n = (size_t)snprintf(sql, len, "UPDATE `user` SET ");
    for (size_t i = 0; i < user_nfields; i++)
        if (key & (1ull << i))
            n += (size_t)snprintf(sql + n, len - n, "%s = ?, ", user_fields[i].column);
    if (key & MARK_BIT)
        n += (size_t)snprintf(sql + n, len + 200 - n,
                              "tokens_valid_after_ms = GREATEST(tokens_valid_after_ms, ?), "
                              "tokens_kept_jti = ?, ");
    snprintf(sql + n, len + 200 - n, "row_version = row_version + 1, updated_at = ? WHERE id = ?");
    if (nknown == cap) {
        size_t ncap = cap ? cap * 2 : 16;
        struct write_sql *grown = realloc(known, ncap * sizeof(*grown));
        if (!grown) {
            free(sql);
            return NULL;
        }
        known = grown;
        cap = ncap;
    }
    known[nknown].key = key;
    known[nknown].sql = sql;
    nknown++;
    return sql;
}

/* user_fields[i]'s value in u as a parameter. */
static struct db_param field_param(const struct user *u, size_t i)
{
    const struct user_field *f = &user_fields[i];
    const char *base = (const char *)u + f->offset;
    switch (f->type) {
    case UF_INT:
        return db_int(*(const long long *)(const void *)base);
    case UF_INT_NULL: {
        const long long *v = *(const long long *const *)(const void *)base;
        return v ? db_int(*v) : db_null();
    }
    default:
        return db_str_or_null(*(const char *const *)(const void *)base);
    }
}

/* The listing orders whose key is among the columns of key (db_user_index.h). */
static unsigned orders_of(unsigned long long key)
{
    static const struct {
        size_t offset;
        unsigned order;
    } keyed[] = {
        {offsetof(struct user, name), UIX_NAME},
        {offsetof(struct user, email), UIX_EMAIL},
        {offsetof(struct user, created_at), UIX_CREATED_AT},
        {offsetof(struct user, last_active_at), UIX_LAST_ACTIVE_AT},
        {offsetof(struct user, role_name), UIX_ROLE},
    };
    unsigned orders = 0;
    for (size_t i = 0; i < user_nfields; i++)
        if (key & (1ull << i))
            for (size_t k = 0; k < sizeof(keyed) / sizeof(keyed[0]); k++)
                if (user_fields[i].offset == keyed[k].offset)
                    orders |= keyed[k].order;
    return orders;
}

/* The auth.active and externalId parts of w, inside db_user_write's transaction. */
static int write_provisioning(struct db *db, const char *id, const struct user_write *w)
{
    static const char active_sql[] = "UPDATE auth SET active = ? WHERE id = ?";
    static const char ext_del_sql[] =
        "DELETE FROM user_external_id WHERE user_id = ? AND provider = ?";
    static const char ext_sql[] =
        "INSERT INTO user_external_id (user_id, provider, external_id) VALUES (?, ?, ?)";
    if (w->active != USER_ACTIVE_KEEP &&
        db_exec(db, active_sql, DB_PARAMS(db_int(w->active == USER_ACTIVE_ON), db_str(id)),
                NULL) != DB_OK)
        return DB_ERROR;
    if (!w->ext_provider)
        return DB_OK;
    if (db_exec(db, ext_del_sql, DB_PARAMS(db_str(id), db_str(w->ext_provider)), NULL) != DB_OK)
        return DB_ERROR;
    if (!w->ext_id)
        return DB_OK;
    int rc = db_exec(db, ext_sql, DB_PARAMS(db_str(id), db_str(w->ext_provider),
                                            db_str(w->ext_id)), NULL);
    return rc == DB_DUPLICATE ? DB_EXTERNAL_TAKEN : rc;
}

int db_user_write(struct db *db, const char *id, const struct user_write *w)
{
    static const char auth_sql[] =
        "UPDATE auth SET email = COALESCE(?, email), password = COALESCE(?, password) "
        "WHERE id = ?";
    unsigned long long key = w->cols & ((1ull << user_nfields) - 1);
    if (w->mark_ms > 0)
        key |= MARK_BIT;
    const char *sql = write_sql_for(key);
    if (!sql)
        return DB_ERROR;
    struct db_param params[64 + 4];
    size_t np = 0;
    const char *email = NULL;
    for (size_t i = 0; i < user_nfields; i++) {
        if (!(key & (1ull << i)))
            continue;
        params[np++] = field_param(w->values, i);
        if (user_fields[i].offset == offsetof(struct user, email))
            email = w->values->email;
    }
    if (key & MARK_BIT) {
        params[np++] = db_int(w->mark_ms);
        params[np++] = db_str_or_null(w->keep_jti);
    }
    params[np++] = db_int(w->mark_ms > 0 ? w->mark_ms / 1000 : now_s());
    params[np++] = db_str(id);
    /* A changed key moves the user in its listing order; a changed name, email or creation
     * time, in the search index (db_user_index.h). */
    unsigned orders = orders_of(key);
    bool text = (orders & (UIX_NAME | UIX_EMAIL | UIX_CREATED_AT)) != 0;
    struct arena *a = orders ? arena_new(1024) : NULL;
    if (orders && !a)
        return DB_ERROR;
    if (db_begin(db) != DB_OK) {
        arena_free(a);
        return DB_ERROR;
    }
    unsigned long long n = 0;
    int rc = DB_OK;
    if (orders && (db_user_index_enter(db, a, orders) != DB_OK ||
                   db_user_index_leave(db, a, id, orders) != DB_OK))
        rc = DB_ERROR;
    if (rc == DB_OK)
        rc = db_exec(db, sql, params, np, &n);
    if (rc == DB_OK && n == 0)
        rc = DB_NOT_FOUND;
    if (rc == DB_OK && orders && db_user_index_join(db, a, id, orders) != DB_OK)
        rc = DB_ERROR;
    bool added = rc == DB_OK && text;   /* the search row changed (Mroonga keeps it) */
    if (added && db_user_index_search_add(db, id) != DB_OK)
        rc = DB_ERROR;
    arena_free(a);
    if (rc != DB_OK)
        return added ? rollback_search(db, id, rc) : rollback(db, rc);
    if ((email || w->password_hash) &&
        db_exec(db, auth_sql, DB_PARAMS(db_str_or_null(email), db_str_or_null(w->password_hash),
                                        db_str(id)), NULL) != DB_OK)
        return added ? rollback_search(db, id, DB_ERROR) : rollback(db, DB_ERROR);
    if ((rc = write_provisioning(db, id, w)) != DB_OK)
        return added ? rollback_search(db, id, rc) : rollback(db, rc);
    rc = db_commit(db);
    if (added)   /* the committed text, exact again (or, the commit failed, the old one) */
        db_user_index_search_set(db, id);
    if (rc != DB_OK)
        return DB_ERROR;
    if (w->password_hash || w->active == USER_ACTIVE_OFF)
        return db_user_mark_after_commit(db, id);
    clock_wait_until_ms(w->mark_ms);   /* a mark of the next millisecond (crypto.h) */
    return DB_OK;
}

int db_user_delete(struct db *db, struct arena *a, const char *id)
{
    /* The user row is locked first, as every other write of a user starts with it (an
     * update locks user then auth): taking auth first here deadlocked against a racing
     * update. Then the children, the user row last, so nothing is left pointing at a user
     * that is gone. */
    static const char lock_sql[] = "SELECT id FROM `user` WHERE id = ? FOR UPDATE";
    static const char bump_sql[] =
        "UPDATE `group` g JOIN group_member gm ON gm.group_id = g.id "
        "SET g.updated_at = ?, g.row_version = g.row_version + 1 WHERE gm.user_id = ?";
    static const char *const child_sql[] = {
        "DELETE FROM group_member WHERE user_id = ?",
        "DELETE FROM api_key WHERE user_id = ?",
        "DELETE FROM access_grant WHERE principal_type = 'user' AND principal_id = ?",
        "DELETE FROM oauth_session WHERE user_id = ?",
        "DELETE FROM auth WHERE id = ?",
    };
    static const char user_sql[] = "DELETE FROM `user` WHERE id = ?";
    if (db_begin(db) != DB_OK)
        return DB_ERROR;
    if (db_user_index_enter(db, a, UIX_ALL) != DB_OK)
        return rollback(db, DB_ERROR);
    const char *locked = NULL;
    int rc = db_query_cell(db, a, lock_sql, DB_PARAMS(db_str(id)), &locked);
    if (rc != DB_OK)
        return rollback(db, rc);
    /* The user count next, before any group row: a sign-up takes it before its default
     * group's, and the opposite order deadlocked a deletion against a sign-up. The row is
     * locked, so the DELETE below removes exactly it. */
    if (db_user_count_add(db, -1) != DB_OK ||
        db_exec(db, bump_sql, DB_PARAMS(db_int(now_s()), db_str(id)), NULL) != DB_OK ||
        db_group_member_count_drop_user(db, id) != DB_OK)
        return rollback(db, DB_ERROR);
    unsigned long long memberships = 0, grants = 0;
    for (size_t i = 0; i < sizeof(child_sql) / sizeof(child_sql[0]); i++)
        if (db_exec(db, child_sql[i], DB_PARAMS(db_str(id)),
                    i == 0 ? &memberships : i == 2 ? &grants : NULL) != DB_OK)
            return rollback(db, DB_ERROR);
    unsigned long long n = 0;
    /* the search row stops being exact before the user goes (a search checks it meanwhile) */
    if (db_user_index_leave(db, a, id, UIX_ALL) != DB_OK)
        return rollback(db, DB_ERROR);
    if (db_user_index_search_hold(db, id) != DB_OK ||
        db_exec(db, user_sql, DB_PARAMS(db_str(id)), &n) != DB_OK)
        return rollback_search(db, id, DB_ERROR);
    if (n == 0)
        return rollback_search(db, id, DB_NOT_FOUND);
    /* Its groups lost a member and were bumped: the workers' copies (db_group_cache.h). */
    if (memberships && db_groups_bump(db) != DB_OK)
        return rollback_search(db, id, DB_ERROR);
    /* Grants to it went: the workers' copies of the registries (db_previews.h). */
    if (grants && db_resources_bump(db) != DB_OK)
        return rollback_search(db, id, DB_ERROR);
    /* after the commit (or not): the user's text leaves the search index (or is exact again) */
    rc = db_commit(db);
    db_user_index_search_set(db, id);
    if (rc != DB_OK)
        return DB_ERROR;
    return DB_OK;
}

int db_user_merge_json(struct db *db, struct arena *a, const char *id,
                       enum user_json_column column, struct json_object *patch,
                       const struct user_doc_limits *limits, struct json_object **merged,
                       const char **refused)
{
    static const char *const names[] = { [USER_COLUMN_SETTINGS] = "settings",
                                         [USER_COLUMN_INFO] = "info" };
    static const char *const lock_sql[] = {
        [USER_COLUMN_SETTINGS] = "SELECT settings FROM `user` WHERE id = ? FOR UPDATE",
        [USER_COLUMN_INFO] = "SELECT info FROM `user` WHERE id = ? FOR UPDATE",
    };
    static const char *const write_sql[] = {
        [USER_COLUMN_SETTINGS] = "UPDATE `user` SET settings = ?, updated_at = ? WHERE id = ?",
        [USER_COLUMN_INFO] = "UPDATE `user` SET info = ?, updated_at = ? WHERE id = ?",
    };
    if (db_begin(db) != DB_OK)
        return DB_ERROR;
    struct db_result r;
    if (db_query(db, a, lock_sql[column], DB_PARAMS(db_str(id)), &r) != DB_OK)
        return rollback(db, DB_ERROR);
    if (r.nrows == 0)
        return rollback(db, DB_NOT_FOUND);
    const char *stored = db_cell(&r, 0, 0);
    struct json_object *obj = stored ? json_tokener_parse(stored) : NULL;
    if (!obj || !json_object_is_type(obj, json_type_object)) {
        json_object_put(obj);
        obj = json_object_new_object();
    }
    json_object_object_foreach(patch, k, v)
        json_object_object_add(obj, k, json_object_get(v));
    const char *text = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
                                                           JSON_C_TO_STRING_NOSLASHESCAPE);
    size_t len = strlen(text);
    enum user_doc_verdict verdict = user_doc_check(obj, len, limits);
    if (verdict != USER_DOC_OK) {
        if (refused)
            *refused = user_doc_detail(a, names[column], verdict, obj, len, limits);
        json_object_put(obj);
        return rollback(db, DB_REFUSED);
    }
    if (db_exec(db, write_sql[column], DB_PARAMS(db_str(text), db_int(now_s()), db_str(id)),
                NULL) != DB_OK || db_commit(db) != DB_OK) {
        json_object_put(obj);
        return rollback(db, DB_ERROR);
    }
    *merged = obj;
    return DB_OK;
}

int db_user_set_status(struct db *db, const char *id, const char *emoji, const char *message,
                       const long long *expires_at)
{
    static const char sql[] =
        "UPDATE `user` SET status_emoji = COALESCE(?, status_emoji), "
        "status_message = COALESCE(?, status_message), "
        "status_expires_at = COALESCE(?, status_expires_at), updated_at = ? WHERE id = ?";
    unsigned long long n = 0;
    int rc = db_exec(db, sql,
                     DB_PARAMS(db_str_or_null(emoji), db_str_or_null(message),
                               expires_at ? db_int(*expires_at) : db_null(), db_int(now_s()),
                               db_str(id)), &n);
    return rc != DB_OK ? rc : n ? DB_OK : DB_NOT_FOUND;
}

int db_user_get_variables(struct db *db, struct arena *a, const char *id, const char **json)
{
    static const char sql[] = "SELECT variables FROM `user` WHERE id = ?";
    return db_query_cell(db, a, sql, DB_PARAMS(db_str(id)), json);
}

int db_user_set_variables(struct db *db, const char *id, const char *json)
{
    static const char sql[] = "UPDATE `user` SET variables = ? WHERE id = ?";
    unsigned long long n = 0;
    int rc = db_exec(db, sql, DB_PARAMS(db_str(json), db_str(id)), &n);
    return rc != DB_OK ? rc : n ? DB_OK : DB_NOT_FOUND;
}

int db_user_get_last_active(struct db *db, struct arena *a, const char *id, long long *at)
{
    static const char sql[] = "SELECT last_active_at FROM `user` WHERE id = ?";
    const char *v = NULL;
    int rc = db_query_cell(db, a, sql, DB_PARAMS(db_str(id)), &v);
    if (rc == DB_OK)
        *at = v ? strtoll(v, NULL, 10) : 0;
    return rc;
}
