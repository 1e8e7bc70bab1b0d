/* Users and auth rows: the queries behind sign-up, sign-in, sessions and profiles. The
 * SELECT list and the row decoding come from the user model's field table. */
#include "config.h"
#include "usher/db_users.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "usher/arena.h"
#include "usher/crypto.h"
#include "usher/db.h"
#include "usher/db_counts.h"
#include "usher/db_group_cache.h"
#include "usher/db_groups.h"
#include "usher/db_user_index.h"
#include "usher/db_rows.h"
#include "usher/log.h"
#include "usher/settings_store.h"

/* "SELECT <user columns> <rest>", made in buf the first time: the statement cache keys on
 * the address, which stays the same. */
static const char *user_sql(char *buf, size_t size, enum user_columns set, const char *rest)
{
    if (!buf[0])
        snprintf(buf, size, "SELECT %s %s", db_user_columns_of(set), rest);
    return buf;
}
#define USER_SQL_OF(set, rest) \
    static char sql_buf_[2048]; \
    const char *sql = user_sql(sql_buf_, sizeof(sql_buf_), set, rest)
#define USER_SQL(rest) USER_SQL_OF(USER_COLUMNS_ALL, rest)

static int one_user(struct db *db, struct arena *a, const char *sql, const struct db_param *p,
                    size_t np, struct user **out)
{
    struct db_result r;
    if (db_query(db, a, sql, p, np, &r) != DB_OK)
        return DB_ERROR;
    if (r.nrows == 0)
        return DB_NOT_FOUND;
    *out = arena_calloc(a, 1, sizeof(**out));
    db_user_decode(a, *out, &r, 0, 0);
    return DB_OK;
}

int db_user_get(struct db *db, struct arena *a, const char *id, struct user **out)
{
    USER_SQL("FROM `user` u WHERE u.id = ?");
    return one_user(db, a, sql, DB_PARAMS(db_str(id)), out);
}

int db_user_get_by_email(struct db *db, struct arena *a, const char *email, struct user **out)
{
    /* The column's collation pads with spaces ("a@x " equals "a@x"): the lengths must
     * agree too, so only the one stored spelling is found. */
    USER_SQL("FROM `user` u WHERE u.email = ? AND OCTET_LENGTH(u.email) = OCTET_LENGTH(?)");
    return one_user(db, a, sql, DB_PARAMS(db_str(email), db_str(email)), out);
}

int db_user_group_names(struct db *db, struct arena *a, const char *id,
                        const char *groups_version, struct group **groups, size_t *ngroups)
{
    /* The ids, names from the worker's copy of the groups (which remembers the memberships
     * of the users it read last) */
    const char *const *ids, *const *names;
    size_t n;
    /* not remembered: the users an admin looks at would push out the callers */
    int rc = db_group_cache_user_groups(db, a, groups_version, id, false, &ids, &n, NULL,
                                        &names);
    if (rc == DB_OK) {
        *groups = arena_calloc(a, n ? n : 1, sizeof(**groups));
        *ngroups = n;
        for (size_t i = 0; i < n; i++) {
            (*groups)[i].id = ids[i];
            (*groups)[i].name = names[i];
        }
        return DB_OK;
    }
    if (rc != DB_NOT_FOUND)
        return rc;
    return db_group_list_of_user(db, a, id, groups, ngroups);
}

int db_user_group_names_listed(struct db *db, struct arena *a, const char *id,
                               const char *groups_version, const char *list,
                               struct group **groups, size_t *ngroups)
{
    size_t n = 0;
    const char **ids = NULL;
    if (list && list[0]) {
        size_t most = 1;
        for (const char *p = list; *p; p++)
            most += *p == ',';
        ids = arena_calloc(a, most, sizeof(*ids));
        for (const char *p = list; *p;) {
            size_t len = strcspn(p, ",");
            ids[n++] = arena_strndup(a, p, len);
            p += len + (p[len] == ',');
        }
    }
    const char *const *names = NULL;
    int rc = db_group_cache_pick(db, a, groups_version, ids, n, NULL, &names);
    if (rc == DB_NOT_FOUND)   /* no copy of the groups, or a group newer than it */
        return db_group_list_of_user(db, a, id, groups, ngroups);
    if (rc != DB_OK)
        return rc;
    *groups = arena_calloc(a, n ? n : 1, sizeof(**groups));
    *ngroups = n;
    for (size_t i = 0; i < n; i++) {
        (*groups)[i].id = ids[i];
        (*groups)[i].name = names[i];
    }
    return DB_OK;
}

int db_user_get_with_groups(struct db *db, struct arena *a, const char *id,
                            const char *groups_version, struct user **out,
                            struct group **groups, size_t *ngroups)
{
    int rc = db_user_get(db, a, id, out);
    if (rc != DB_OK)
        return rc;
    return db_user_group_names(db, a, id, groups_version, groups, ngroups);
}

int db_user_get_primary(struct db *db, struct arena *a, struct user **out)
{
    USER_SQL("FROM `user` u ORDER BY u.created_at ASC, u.seq ASC LIMIT 1");
    return one_user(db, a, sql, NULL, 0, out);
}

int db_user_get_credentials(struct db *db, struct arena *a, const char *email,
                            struct user **out, const char **password_hash, bool *active)
{
    /* the answer of a sign-in shows neither settings nor info: not read */
    USER_SQL_OF(USER_COLUMNS_CALLER, ", au.password, au.active "
             "FROM `user` u JOIN auth au ON au.id = u.id "
             "WHERE u.email = ? AND OCTET_LENGTH(u.email) = OCTET_LENGTH(?)");
    struct db_result r;
    if (db_query(db, a, sql, DB_PARAMS(db_str(email), db_str(email)), &r) != DB_OK)
        return DB_ERROR;
    if (r.nrows == 0)
        return DB_NOT_FOUND;
    *out = arena_calloc(a, 1, sizeof(**out));
    db_user_decode(a, *out, &r, 0, 0);
    *password_hash = db_cell(&r, 0, user_nfields);
    const char *act = db_cell(&r, 0, user_nfields + 1);
    *active = act && strcmp(act, "0") != 0;
    return DB_OK;
}

int db_user_get_password_hash(struct db *db, struct arena *a, const char *id, const char **hash)
{
    static const char sql[] = "SELECT password FROM auth WHERE id = ?";
    return db_query_cell(db, a, sql, DB_PARAMS(db_str(id)), hash);
}

int db_user_count(struct db *db, long long *count)
{
    static const char sql[] = "SELECT COUNT(*) FROM `user`";
    struct arena *a = arena_new(1024);
    struct db_result r;
    int rc = db_query(db, a, sql, NULL, 0, &r);
    if (rc == DB_OK)
        *count = r.nrows ? db_cell_ll(&r, 0, 0) : 0;
    arena_free(a);
    return rc;
}

int db_user_create(struct db *db, struct arena *a, struct new_user *nu)
{
    /* Every creation takes the same lock row first, so "is this the first user?" and the
     * duplicate-email check see every earlier creation, on any worker or host. The row
     * really changes: on Galera two creations on different nodes then conflict (1213) and
     * the loser runs again (app.c), instead of both passing. */
    static const char lock_sql[] =
        "INSERT INTO config (`key`, value, updated_at) "
        "VALUES ('" CONFIG_KEY_SIGNUP_LOCK "', '0', 0) "
        "ON DUPLICATE KEY UPDATE updated_at = updated_at + 1";
    /* "is there any user?" reads one index entry, not a count of the table (a count cost
     * every creation tens of milliseconds at 100,000 users) */
    static const char count_sql[] = "SELECT EXISTS (SELECT 1 FROM `user`), "
                                    "(SELECT COUNT(*) FROM `user` WHERE email = ?)";
    static const char user_sql[] =
        "INSERT INTO `user` (id, email, role, name, profile_image_url, oauth, last_active_at, "
        "updated_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
    static const char auth_sql[] =
        "INSERT INTO auth (id, email, password, active) VALUES (?, ?, ?, ?)";
    static const char scim_sql[] = "UPDATE `user` SET scim = ? WHERE id = ?";
    static const char ext_sql[] =
        "INSERT INTO user_external_id (user_id, provider, external_id) VALUES (?, ?, ?)";
    static const char close_sql[] =
        "INSERT INTO config (`key`, value, updated_at) "
        "VALUES ('" CONFIG_KEY_ENABLE_SIGNUP "', 'false', ?) "
        "ON DUPLICATE KEY UPDATE value = 'false', updated_at = VALUES(updated_at)";
    static const char group_sql[] =
        "INSERT IGNORE INTO group_member (id, group_id, user_id, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?)";   /* IGNORE: an unknown group (the foreign key) adds nothing */
    static const char group_bump_sql[] =
        "UPDATE `group` SET updated_at = ?, row_version = row_version + 1 WHERE id = ?";
    static const char signup_sql[] =
        "SELECT value FROM config WHERE `key` = '" CONFIG_KEY_ENABLE_SIGNUP "'";

    char id[37], member_id[37];
    if (uuid4(id) != 0 || uuid4(member_id) != 0)
        return DB_ERROR;
    long long now = (long long)time(NULL);
    struct db_result r;
    if (db_begin(db) != DB_OK)
        return DB_ERROR;
    if (db_user_index_enter(db, a, UIX_ALL) != DB_OK ||
        db_exec(db, lock_sql, NULL, 0, NULL) != DB_OK ||
        db_query(db, a, count_sql, DB_PARAMS(db_str(nu->email)), &r) != DB_OK || r.nrows != 1)
        goto fail;
    if (db_cell_ll(&r, 0, 1) > 0) {
        db_rollback(db);
        return DB_DUPLICATE;
    }
    bool first = db_cell_ll(&r, 0, 0) == 0;
    if (!first && nu->gate != CREATE_ALWAYS) {
        bool open = false;
        if (nu->gate == CREATE_IF_FIRST_OR_OPEN) {
            struct db_result g;
            if (db_query(db, a, signup_sql, NULL, 0, &g) != DB_OK)
                goto fail;
            const char *v = g.nrows ? db_cell(&g, 0, 0) : NULL;
            open = v ? strcmp(v, "true") == 0 : nu->open_default;
        }
        if (!open) {
            db_rollback(db);
            return DB_REFUSED;
        }
    }
    const char *role = first && nu->first_becomes_admin ? "admin" : nu->role;
    int rc = db_exec(db, user_sql,
                     DB_PARAMS(db_str(id), db_str(nu->email), db_str(role), db_str(nu->name),
                               db_str(nu->profile_image_url), db_str_or_null(nu->oauth),
                               db_int(now), db_int(now),
                               db_int(now)), NULL);
    if (rc == DB_DUPLICATE) {
        db_rollback(db);
        return DB_DUPLICATE;
    }
    if (rc != DB_OK || db_user_count_add(db, 1) != DB_OK ||
        db_user_index_join(db, a, id, UIX_ALL) != DB_OK ||
        db_user_index_search_add(db, id) != DB_OK ||
        db_exec(db, auth_sql, DB_PARAMS(db_str(id), db_str(nu->email), db_str(nu->password_hash),
                                        db_int(!nu->inactive)), NULL) != DB_OK)
        goto fail;
    if (nu->scim && db_exec(db, scim_sql, DB_PARAMS(db_str(nu->scim), db_str(id)), NULL) != DB_OK)
        goto fail;
    if (nu->ext_provider && nu->ext_id) {
        rc = db_exec(db, ext_sql, DB_PARAMS(db_str(id), db_str(nu->ext_provider),
                                            db_str(nu->ext_id)), NULL);
        if (rc == DB_DUPLICATE) {
            db_rollback(db);
            db_user_index_search_set(db, id);   /* the row search_add made leaves */
            return DB_EXTERNAL_TAKEN;
        }
        if (rc != DB_OK)
            goto fail;
    }
    if (first && nu->closes_signup &&
        (db_exec(db, close_sql, DB_PARAMS(db_int(now)), NULL) != DB_OK ||
         settings_store_bump(db) != DB_OK))
        goto fail;
    if (nu->default_group_id && nu->default_group_id[0]) {
        unsigned long long added = 0;
        if (db_exec(db, group_sql,
                    DB_PARAMS(db_str(member_id), db_str(nu->default_group_id), db_str(id),
                              db_int(now), db_int(now)), &added) != DB_OK)
            goto fail;
        const char *gid = nu->default_group_id;
        if (added && (db_exec(db, group_bump_sql, DB_PARAMS(db_int(now), db_str(gid)),
                              NULL) != DB_OK ||
                      db_group_member_count_add(db, gid, (long long)added) != DB_OK ||
                      db_group_ids_keep_one(db, id) != DB_OK || db_groups_bump(db) != DB_OK))
            goto fail;
    }
    if (db_commit(db) != DB_OK)
        goto fail;
    db_user_index_search_set(db, id);   /* the new user's search row becomes exact */
    nu->id = arena_strdup(a, id);
    nu->role = arena_strdup(a, role);
    return DB_OK;
fail:
    db_rollback(db);
    db_user_index_search_set(db, id);   /* a row search_add made leaves (Mroonga kept it) */
    return DB_ERROR;
}

int db_user_set_timezone(struct db *db, const char *id, const char *tz)
{
    static const char sql[] = "UPDATE `user` SET timezone = ?, updated_at = ? WHERE id = ?";
    return db_exec(db, sql, DB_PARAMS(db_str(tz), db_int((long long)time(NULL)), db_str(id)), NULL);
}

int db_user_mark_after_commit(struct db *db, const char *id)
{
    /* A sign-in stamps its token with the time before it read the hash (session.h): one
     * that read the old hash before this commit is older than a mark taken after it. */
    static const char sql[] =
        "UPDATE `user` SET tokens_valid_after_ms = GREATEST(tokens_valid_after_ms, ?) "
        "WHERE id = ?";
    /* the next millisecond: a sign-in stamped in this one may have read the old hash */
    long long mark = clock_now_ms() + 1;
    int rc = db_exec(db, sql, DB_PARAMS(db_int(mark), db_str(id)), NULL);
    clock_wait_until_ms(mark);
    return rc;
}

int db_user_touch(struct db *db, const char *id, long long now)
{
    /* The user moves in the last_active_at order: its fences follow in the same
     * transaction (db_user_index.h). On a Galera node the touch stays one bounded
     * statement instead (db_exec_bounded: a node in its eviction window must not hold the
     * read path, and every touch moving the same last fence would conflict across nodes);
     * the listing walks the last_active_at order there (user_list.c). The caller ignores a
     * failed touch (the next request of the user tries again). */
    static const char sql[] = "UPDATE `user` SET last_active_at = ? WHERE id = ?";
    if (db_wsrep(db))
        return db_exec_bounded(db, sql, DB_PARAMS(db_int(now), db_str(id)), NULL);
    struct arena *a = arena_new(1024);
    if (!a)
        return DB_ERROR;
    int rc = db_begin(db);
    if (rc == DB_OK) {
        if (db_user_index_enter(db, a, UIX_LAST_ACTIVE_AT) != DB_OK ||
            db_user_index_leave(db, a, id, UIX_LAST_ACTIVE_AT) != DB_OK ||
            db_exec(db, sql, DB_PARAMS(db_int(now), db_str(id)), NULL) != DB_OK ||
            db_user_index_join(db, a, id, UIX_LAST_ACTIVE_AT) != DB_OK) {
            db_rollback(db);
            rc = DB_ERROR;
        } else {
            rc = db_commit(db);
        }
    }
    arena_free(a);
    return rc;
}
