/* Users, auth rows and memberships: the queries behind sign-up, sign-in and sessions. */
#include "config.h"
#include "usher/users.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "usher/arena.h"
#include "usher/db.h"
#include "usher/jwt.h"
#include "usher/log.h"
#include "usher/settings_store.h"

static long long cell_ll(const char *s)
{
    return s ? strtoll(s, NULL, 10) : 0;
}

void user_from_row(struct user *u, const struct db_result *r, size_t row)
{
    const char **str[] = { &u->id, &u->email, &u->username, &u->role, &u->name,
                           &u->profile_image_url, &u->profile_banner_image_url, &u->bio,
                           &u->gender, &u->date_of_birth, &u->timezone, &u->presence_state,
                           &u->status_emoji, &u->status_message, &u->status_expires_at,
                           &u->info, &u->settings, &u->oauth, &u->scim };
    size_t nstr = sizeof(str) / sizeof(str[0]);
    for (size_t i = 0; i < nstr; i++)
        *str[i] = db_cell(r, row, i);
    u->last_active_at = cell_ll(db_cell(r, row, nstr));
    u->updated_at = cell_ll(db_cell(r, row, nstr + 1));
    u->created_at = cell_ll(db_cell(r, row, nstr + 2));
    u->tokens_valid_after_ms = cell_ll(db_cell(r, row, nstr + 3));
}

static int one_user(struct db *db, struct arena *a, const char *sql, const struct db_param *p,
                    size_t np, struct user **out)
{
    struct db_result r;
    if (db_query(db, a, sql, p, np, &r) != DB_OK)
        return DB_ERROR;
    if (r.nrows == 0)
        return DB_NOT_FOUND;
    *out = arena_calloc(a, 1, sizeof(**out));
    user_from_row(*out, &r, 0);
    return DB_OK;
}

int users_get(struct db *db, struct arena *a, const char *id, struct user **out)
{
    static const char sql[] = "SELECT " USER_COLUMNS " FROM `user` u WHERE u.id = ?";
    return one_user(db, a, sql, DB_PARAMS(db_str(id)), out);
}

int users_get_by_email(struct db *db, struct arena *a, const char *email, struct user **out)
{
    static const char sql[] = "SELECT " USER_COLUMNS " FROM `user` u WHERE u.email = ?";
    return one_user(db, a, sql, DB_PARAMS(db_str(email)), out);
}

int users_first(struct db *db, struct arena *a, struct user **out)
{
    static const char sql[] =
        "SELECT " USER_COLUMNS " FROM `user` u ORDER BY u.created_at ASC, u.seq ASC LIMIT 1";
    return one_user(db, a, sql, NULL, 0, out);
}

int users_get_credentials(struct db *db, struct arena *a, const char *email, struct user **out,
                          const char **password_hash, bool *active)
{
    static const char sql[] = "SELECT " USER_COLUMNS ", au.password, au.active "
                              "FROM `user` u JOIN auth au ON au.id = u.id WHERE u.email = ?";
    struct db_result r;
    if (db_query(db, a, sql, DB_PARAMS(db_str(email)), &r) != DB_OK)
        return DB_ERROR;
    if (r.nrows == 0)
        return DB_NOT_FOUND;
    *out = arena_calloc(a, 1, sizeof(**out));
    user_from_row(*out, &r, 0);
    *password_hash = db_cell(&r, 0, USER_NCOLUMNS);
    const char *act = db_cell(&r, 0, USER_NCOLUMNS + 1);
    *active = act && strcmp(act, "0") != 0;
    return DB_OK;
}

int users_get_password_hash(struct db *db, struct arena *a, const char *id, const char **hash)
{
    static const char sql[] = "SELECT password FROM auth WHERE id = ?";
    struct db_result r;
    if (db_query(db, a, sql, DB_PARAMS(db_str(id)), &r) != DB_OK)
        return DB_ERROR;
    if (r.nrows == 0)
        return DB_NOT_FOUND;
    *hash = db_cell(&r, 0, 0);
    return DB_OK;
}

int users_count(struct db *db, long long *count)
{
    static const char sql[] = "SELECT COUNT(*) FROM `user`";
    struct arena *a = arena_new(1024);
    struct db_result r;
    int rc = db_query(db, a, sql, NULL, 0, &r);
    if (rc == DB_OK)
        *count = r.nrows ? cell_ll(db_cell(&r, 0, 0)) : 0;
    arena_free(a);
    return rc;
}

int users_create(struct db *db, struct arena *a, struct new_user *nu)
{
    /* Every creation takes the same lock row first, so "is this the first user?" and the
     * duplicate-email check see every earlier creation, on any worker or host. */
    static const char lock_sql[] =
        "INSERT INTO config (`key`, value, updated_at) VALUES ('usher.signup_lock', '0', 0) "
        "ON DUPLICATE KEY UPDATE value = value";
    static const char count_sql[] = "SELECT COUNT(*), "
                                    "(SELECT COUNT(*) FROM `user` WHERE email = ?) FROM `user`";
    static const char user_sql[] =
        "INSERT INTO `user` (id, email, role, name, profile_image_url, last_active_at, "
        "updated_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
    static const char auth_sql[] =
        "INSERT INTO auth (id, email, password, active) VALUES (?, ?, ?, 1)";
    static const char close_sql[] =
        "INSERT INTO config (`key`, value, updated_at) VALUES ('ui.enable_signup', 'false', ?) "
        "ON DUPLICATE KEY UPDATE value = 'false', updated_at = VALUES(updated_at)";
    static const char group_sql[] =
        "INSERT IGNORE INTO group_member (id, group_id, user_id, created_at, updated_at) "
        "SELECT ?, g.id, ?, ?, ? FROM `group` g WHERE g.id = ?";
    static const char group_bump_sql[] = "UPDATE `group` SET updated_at = ? WHERE id = ?";
    static const char signup_sql[] = "SELECT value FROM config WHERE `key` = 'ui.enable_signup'";

    char id[37], member_id[37];
    if (uuid4(id) != 0 || uuid4(member_id) != 0)
        return DB_ERROR;
    long long now = (long long)time(NULL);
    struct db_result r;
    if (db_begin(db) != DB_OK)
        return DB_ERROR;
    if (db_exec(db, lock_sql, NULL, 0, NULL) != DB_OK ||
        db_query(db, a, count_sql, DB_PARAMS(db_str(nu->email)), &r) != DB_OK || r.nrows != 1)
        goto fail;
    if (cell_ll(db_cell(&r, 0, 1)) > 0) {
        db_rollback(db);
        return DB_DUPLICATE;
    }
    bool first = cell_ll(db_cell(&r, 0, 0)) == 0;
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
                               db_str(nu->profile_image_url), db_int(now), db_int(now),
                               db_int(now)), NULL);
    if (rc == DB_DUPLICATE) {
        db_rollback(db);
        return DB_DUPLICATE;
    }
    if (rc != DB_OK ||
        db_exec(db, auth_sql, DB_PARAMS(db_str(id), db_str(nu->email), db_str(nu->password_hash)),
                NULL) != DB_OK)
        goto fail;
    if (first && nu->closes_signup &&
        (db_exec(db, close_sql, DB_PARAMS(db_int(now)), NULL) != DB_OK ||
         settings_store_bump(db) != DB_OK))
        goto fail;
    if (nu->default_group_id && nu->default_group_id[0]) {
        unsigned long long added = 0;
        if (db_exec(db, group_sql,
                    DB_PARAMS(db_str(member_id), db_str(id), db_int(now), db_int(now),
                              db_str(nu->default_group_id)), &added) != DB_OK)
            goto fail;
        if (added && db_exec(db, group_bump_sql,
                             DB_PARAMS(db_int(now), db_str(nu->default_group_id)), NULL) != DB_OK)
            goto fail;
    }
    if (db_commit(db) != DB_OK)
        goto fail;
    nu->id = arena_strdup(a, id);
    nu->role = arena_strdup(a, role);
    return DB_OK;
fail:
    db_rollback(db);
    return DB_ERROR;
}

int users_update_profile(struct db *db, const char *id, const char *name, const char *image,
                         const char *bio, const char *gender, const char *date_of_birth)
{
    static const char sql[] =
        "UPDATE `user` SET name = ?, profile_image_url = ?, bio = ?, gender = ?, "
        "date_of_birth = ?, updated_at = ? WHERE id = ?";
    unsigned long long n = 0;
    int rc = db_exec(db, sql,
                     DB_PARAMS(db_str(name), db_str(image), db_str_or_null(bio),
                               db_str_or_null(gender), db_str_or_null(date_of_birth),
                               db_int((long long)time(NULL)), db_str(id)), &n);
    return rc != DB_OK ? rc : n ? DB_OK : DB_NOT_FOUND;
}

int users_update_timezone(struct db *db, const char *id, const char *tz)
{
    static const char sql[] = "UPDATE `user` SET timezone = ?, updated_at = ? WHERE id = ?";
    return db_exec(db, sql, DB_PARAMS(db_str(tz), db_int((long long)time(NULL)), db_str(id)), NULL);
}

int users_update_password(struct db *db, const char *id, const char *hash, long long mark_ms)
{
    static const char auth_sql[] = "UPDATE auth SET password = ? WHERE id = ?";
    static const char mark_sql[] =
        "UPDATE `user` SET tokens_valid_after_ms = GREATEST(tokens_valid_after_ms, ?), "
        "updated_at = ? WHERE id = ?";
    if (db_begin(db) != DB_OK)
        return DB_ERROR;
    if (db_exec(db, auth_sql, DB_PARAMS(db_str(hash), db_str(id)), NULL) != DB_OK ||
        db_exec(db, mark_sql, DB_PARAMS(db_int(mark_ms), db_int(mark_ms / 1000), db_str(id)),
                NULL) != DB_OK ||
        db_commit(db) != DB_OK) {
        db_rollback(db);
        return DB_ERROR;
    }
    return DB_OK;
}

int users_set_role(struct db *db, const char *id, const char *role, long long mark_ms)
{
    /* The mark only ever moves forward: a later change must not revive older tokens. */
    static const char sql[] =
        "UPDATE `user` SET role = ?, tokens_valid_after_ms = GREATEST(tokens_valid_after_ms, ?), "
        "updated_at = ? WHERE id = ?";
    return db_exec(db, sql, DB_PARAMS(db_str(role), db_int(mark_ms), db_int(mark_ms / 1000),
                                      db_str(id)), NULL);
}

int users_touch(struct db *db, const char *id, long long now)
{
    static const char sql[] = "UPDATE `user` SET last_active_at = ? WHERE id = ?";
    return db_exec(db, sql, DB_PARAMS(db_int(now), db_str(id)), NULL);
}

int users_sync_groups_by_name(struct db *db, const char *id, const char *const *names, size_t n)
{
    static const char del_sql[] = "DELETE FROM group_member WHERE user_id = ?";
    static const char add_sql[] =
        "INSERT IGNORE INTO group_member (id, group_id, user_id, created_at, updated_at) "
        "SELECT ?, g.id, ?, ?, ? FROM `group` g WHERE g.name = ?";
    long long now = (long long)time(NULL);
    if (db_begin(db) != DB_OK)
        return DB_ERROR;
    if (db_exec(db, del_sql, DB_PARAMS(db_str(id)), NULL) != DB_OK)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        char mid[37];
        if (uuid4(mid) != 0 ||
            db_exec(db, add_sql, DB_PARAMS(db_str(mid), db_str(id), db_int(now), db_int(now),
                                           db_str(names[i])), NULL) != DB_OK)
            goto fail;
    }
    if (db_commit(db) == DB_OK)
        return DB_OK;
fail:
    db_rollback(db);
    return DB_ERROR;
}
