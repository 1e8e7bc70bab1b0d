#ifndef USHER_DB_COUNTS_H
#define USHER_DB_COUNTS_H
/* The counts shown with every listing, kept by the application: the number of users
 * (table user_count, sql/004) and each group's number of members (`group`.member_count,
 * sql/007). Triggers kept them once; on a MariaDB with binary logging a user without SUPER
 * may not create (or drop) a trigger (error 1419), so every db_* function that inserts or
 * deletes a user or a membership calls one of these inside its own transaction, right after
 * the statement, with the number of rows that statement changed. The UPDATE of the count
 * row takes its row lock until the commit, so concurrent writers add up exactly.
 * A user or membership written by hand in SQL leaves the counts stale: `usherctl recount`
 * (db_counts_recompute) takes them again. Each returns DB_OK or DB_ERROR (logged by db.c). */

struct db;

/* Adds delta (negative: removes) to the number of users. Call inside the transaction that
 * inserted or deleted the rows. */
int db_user_count_add(struct db *db, long long delta);

/* Adds delta to the member count of group group_id. Call inside the transaction that
 * inserted or deleted the memberships. */
int db_group_member_count_add(struct db *db, const char *group_id, long long delta);

/* Takes one from the member count of every group user_id belongs to. Call inside the
 * transaction that then deletes all of the user's memberships, before that DELETE: it
 * locks those memberships first, so none can go in between. */
int db_group_member_count_drop_user(struct db *db, const char *user_id);

/* Counts again, in one transaction: the number of users and every group's members (after
 * rows were written by hand in SQL, or a TRUNCATE). */
int db_counts_recompute(struct db *db);

#endif
