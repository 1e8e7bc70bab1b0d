/* The counts of users and of each group's members, kept by the application inside the
 * transaction of each insert or delete (see db_counts.h for why not by triggers). */
#include "config.h"
#include "usher/db_counts.h"

#include "usher/db.h"
#include "usher/db_resources.h"
#include "usher/db_group_cache.h"

int db_user_count_add(struct db *db, long long delta)
{
    static const char sql[] = "UPDATE user_count SET n = n + ? WHERE id = 1";
    return delta ? db_exec(db, sql, DB_PARAMS(db_int(delta)), NULL) : DB_OK;
}

int db_group_member_count_add(struct db *db, const char *group_id, long long delta)
{
    static const char sql[] = "UPDATE `group` SET member_count = member_count + ? WHERE id = ?";
    return delta ? db_exec(db, sql, DB_PARAMS(db_int(delta), db_str(group_id)), NULL) : DB_OK;
}

int db_group_member_count_drop_user(struct db *db, const char *user_id)
{
    static const char lock_sql[] = "SELECT id FROM group_member WHERE user_id = ? FOR UPDATE";
    static const char sql[] =
        "UPDATE `group` g JOIN group_member gm ON gm.group_id = g.id "
        "SET g.member_count = g.member_count - 1 WHERE gm.user_id = ?";
    if (db_exec(db, lock_sql, DB_PARAMS(db_str(user_id)), NULL) != DB_OK)
        return DB_ERROR;
    return db_exec(db, sql, DB_PARAMS(db_str(user_id)), NULL);
}

int db_counts_recompute(struct db *db)
{
    /* The same statements as sql/008_counts_without_triggers.sql. */
    static const char users_sql[] =
        "INSERT INTO user_count (id, n) SELECT 1, COUNT(*) FROM `user` "
        "ON DUPLICATE KEY UPDATE n = VALUES(n)";
    static const char groups_sql[] =
        "UPDATE `group` g SET member_count = "
        "(SELECT COUNT(*) FROM group_member m WHERE m.group_id = g.id)";
    if (db_begin(db) != DB_OK)
        return DB_ERROR;
    if (db_exec(db, users_sql, NULL, 0, NULL) != DB_OK ||
        db_exec(db, groups_sql, NULL, 0, NULL) != DB_OK || db_groups_bump(db) != DB_OK ||
        db_resources_bump(db) != DB_OK || db_commit(db) != DB_OK) {
        db_rollback(db);
        return DB_ERROR;
    }
    return DB_OK;
}
