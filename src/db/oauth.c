/* OAuth session rows (see db_oauth.h). */
#include "config.h"
#include "usher/db_oauth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "usher/arena.h"
#include "usher/db.h"
#include "usher/db_rows.h"
#include "usher/user.h"

/* ---- pending logins ---------------------------------------------------------------------- */

int db_oauth_pending_put(struct db *db, const struct db_oauth_pending *p, long long now)
{
    static const char purge[] = "DELETE FROM oauth_pending WHERE expires_at < ? LIMIT 100";
    static const char sql[] =
        "INSERT INTO oauth_pending (state, binding, nonce, verifier, redirect_uri, next_path, "
        "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)";
    if (db_exec(db, purge, DB_PARAMS(db_int(now)), NULL) != DB_OK)
        return DB_ERROR;
    return db_exec(db, sql,
                   DB_PARAMS(db_str(p->state), db_str(p->binding), db_str(p->nonce),
                             db_str(p->verifier), db_str(p->redirect_uri),
                             db_str_or_null(p->next_path), db_int(p->expires_at)),
                   NULL) == DB_OK ? DB_OK : DB_ERROR;
}

int db_oauth_pending_get(struct db *db, struct arena *a, const char *state,
                         struct db_oauth_pending *out)
{
    static const char sql[] =
        "SELECT state, binding, nonce, verifier, redirect_uri, next_path, expires_at "
        "FROM oauth_pending WHERE state = ?";
    struct db_result r;
    if (db_query(db, a, sql, DB_PARAMS(db_str(state)), &r) != DB_OK)
        return DB_ERROR;
    if (r.nrows == 0)
        return DB_NOT_FOUND;
    out->state = db_cell(&r, 0, 0);
    out->binding = db_cell(&r, 0, 1);
    out->nonce = db_cell(&r, 0, 2);
    out->verifier = db_cell(&r, 0, 3);
    out->redirect_uri = db_cell(&r, 0, 4);
    out->next_path = db_cell(&r, 0, 5);
    out->expires_at = strtoll(db_cell(&r, 0, 6), NULL, 10);
    return DB_OK;
}

int db_oauth_pending_take(struct db *db, const char *state)
{
    static const char sql[] = "DELETE FROM oauth_pending WHERE state = ?";
    unsigned long long n = 0;
    if (db_exec(db, sql, DB_PARAMS(db_str(state)), &n) != DB_OK)
        return DB_ERROR;
    return n == 1 ? DB_OK : DB_NOT_FOUND;
}

/* ---- sessions ------------------------------------------------------------------------------ */

int db_oauth_session_delete(struct db *db, const char *user_id, const char *provider)
{
    static const char sql[] = "DELETE FROM oauth_session WHERE user_id = ? AND provider = ?";
    unsigned long long n = 0;
    if (db_exec(db, sql, DB_PARAMS(db_str(user_id), db_str(provider)), &n) != DB_OK)
        return DB_ERROR;
    return n ? DB_OK : DB_NOT_FOUND;
}

static struct json_object *int_or_null(const char *s)
{
    return s ? json_object_new_int64(strtoll(s, NULL, 10)) : NULL;
}

int db_oauth_session_list(struct db *db, struct arena *a, const char *user_id,
                          struct json_object **out)
{
    static const char sql[] =
        "SELECT id, user_id, provider, expires_at, created_at, updated_at FROM oauth_session "
        "WHERE user_id = ? ORDER BY created_at, id";
    struct db_result r;
    if (db_query(db, a, sql, DB_PARAMS(db_str(user_id)), &r) != DB_OK)
        return DB_ERROR;
    *out = json_object_new_array();
    for (size_t i = 0; i < r.nrows; i++) {
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "id", json_object_new_string(db_cell(&r, i, 0)));
        json_object_object_add(o, "user_id", json_object_new_string(db_cell(&r, i, 1)));
        json_object_object_add(o, "provider", json_object_new_string(db_cell(&r, i, 2)));
        json_object_object_add(o, "expires_at", int_or_null(db_cell(&r, i, 3)));
        json_object_object_add(o, "created_at", int_or_null(db_cell(&r, i, 4)));
        json_object_object_add(o, "updated_at", int_or_null(db_cell(&r, i, 5)));
        json_object_array_add(*out, o);
    }
    return DB_OK;
}

int db_oauth_session_delete_user(struct db *db, const char *user_id)
{
    static const char sql[] = "DELETE FROM oauth_session WHERE user_id = ?";
    return db_exec(db, sql, DB_PARAMS(db_str(user_id)), NULL) == DB_OK ? DB_OK : DB_ERROR;
}

struct created { const char *id; long long at; };

static int newest_first(const void *x, const void *y)
{
    const struct created *a = x, *b = y;
    if (a->at != b->at)
        return a->at > b->at ? -1 : 1;
    return strcmp(b->id, a->id);
}

int db_oauth_session_put(struct db *db, struct arena *a, const char *id, const char *user_id,
                         const char *provider, const char *sealed, long long expires_at,
                         long long now, long keep)
{
    static const char list_sql[] =
        "SELECT id, created_at FROM oauth_session WHERE user_id = ? AND provider = ? FOR UPDATE";
    static const char del_sql[] = "DELETE FROM oauth_session WHERE id = ?";
    static const char ins_sql[] =
        "INSERT INTO oauth_session (id, user_id, provider, token, expires_at, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)";
    struct json_object *js = json_object_new_string(sealed);
    const char *token = arena_strdup(a, json_object_to_json_string_ext(js, JSON_C_TO_STRING_PLAIN));
    json_object_put(js);
    struct db_result r;
    if (db_begin(db) != DB_OK)
        return DB_ERROR;
    if (db_query(db, a, list_sql, DB_PARAMS(db_str(user_id), db_str(provider)), &r) != DB_OK)
        goto fail;
    if (keep < 1)
        keep = 1;
    if (r.nrows >= (size_t)keep) {
        struct created *rows = arena_calloc(a, r.nrows, sizeof(*rows));
        for (size_t i = 0; i < r.nrows; i++) {
            rows[i].id = db_cell(&r, i, 0);
            rows[i].at = strtoll(db_cell(&r, i, 1), NULL, 10);
        }
        qsort(rows, r.nrows, sizeof(*rows), newest_first);
        for (size_t i = (size_t)keep - 1; i < r.nrows; i++)
            if (db_exec(db, del_sql, DB_PARAMS(db_str(rows[i].id)), NULL) != DB_OK)
                goto fail;
    }
    if (db_exec(db, ins_sql,
                DB_PARAMS(db_str(id), db_str(user_id), db_str(provider), db_str(token),
                          expires_at > 0 ? db_int(expires_at) : db_null(), db_int(now),
                          db_int(now)), NULL) != DB_OK)
        goto fail;
    return db_commit(db) == DB_OK ? DB_OK : DB_ERROR;
fail:
    db_rollback(db);
    return DB_ERROR;
}

int db_oauth_session_sealed(struct db *db, struct arena *a, const char *id,
                            const char **user_id, const char **provider, const char **sealed)
{
    static const char sql[] =
        "SELECT user_id, provider, JSON_UNQUOTE(token) FROM oauth_session WHERE id = ?";
    struct db_result r;
    if (db_query(db, a, sql, DB_PARAMS(db_str(id)), &r) != DB_OK)
        return DB_ERROR;
    if (r.nrows == 0 || !db_cell(&r, 0, 2))
        return DB_NOT_FOUND;
    *user_id = db_cell(&r, 0, 0);
    *provider = db_cell(&r, 0, 1);
    *sealed = db_cell(&r, 0, 2);
    return DB_OK;
}

/* ---- accounts ------------------------------------------------------------------------------ */

int db_user_get_by_oidc_sub(struct db *db, struct arena *a, const char *sub, struct user **out)
{
    static char sql[2048];
    if (!sql[0])
        snprintf(sql, sizeof(sql), "SELECT %s FROM `user` u WHERE u.oauth_oidc_sub = ? LIMIT 1",
                 db_user_columns_of(USER_COLUMNS_ALL));
    struct db_result r;
    if (db_query(db, a, sql, DB_PARAMS(db_str(sub)), &r) != DB_OK)
        return DB_ERROR;
    if (r.nrows == 0)
        return DB_NOT_FOUND;
    *out = arena_calloc(a, 1, sizeof(**out));
    db_user_decode(a, *out, &r, 0, 0);
    return DB_OK;
}
