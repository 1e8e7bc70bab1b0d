#ifndef USHER_DB_USER_INDEX_H
#define USHER_DB_USER_INDEX_H
/* What the admin listing and the users' search read besides the user table, kept by every
 * write of a user (sql/010_user_index.sql, sql/014_user_fence2.sql):
 *
 * - fences: per listing order, the keys where runs of about 1,000 users start, with the
 *   number of users in each run, so that page N is found by summing runs and walking inside
 *   one, not by walking N x 30 index entries; and super-runs, every 32nd fence with the
 *   users up to the next, so that a page sums about 32 super-runs and 32 runs, not 1,000;
 * - user_search: each user's lowercased name and email under Mroonga's n-gram index (when
 *   the server has Mroonga), with created_at and a flag, exact: a row at 1 holds the
 *   committed user's text (a search checks and orders it without reading `user`), a row at
 *   0 may hold more (a write under way, or one that failed) and is checked against `user`.
 *
 * A write of a user, inside its transaction:
 *   db_user_index_enter(db, orders)     first, before any row of `user` is locked
 *   db_user_index_leave(db, a, id, o)   before the row changes or goes (its old keys)
 *   ... the INSERT / UPDATE / DELETE ...
 *   db_user_index_join(db, a, id, o)    after the row is written (its new keys)
 *   db_user_index_search_add(db, id)    after a new name or email is written (pre-commit)
 *   db_user_index_search_hold(db, id)   before the user is deleted
 * and after the commit (or the rollback), db_user_index_search_set(db, id) (the exact text,
 * or its removal).
 * The data layer: no HTTP here. */
#include <stdbool.h>
#include <stddef.h>

struct db;
struct arena;

/* The orders with fences, as bits. */
enum {
    UIX_NAME = 1u << 0,
    UIX_EMAIL = 1u << 1,
    UIX_CREATED_AT = 1u << 2,
    UIX_LAST_ACTIVE_AT = 1u << 3,
    UIX_ROLE = 1u << 4,
    UIX_ALL = (1u << 5) - 1,
};
enum { UIX_ORDERS = 5 };

/* Takes the shared lock of each order in `orders` (user_order_lock), which `usherctl
 * reindex` takes exclusively while it rebuilds that order's fences. */
int db_user_index_enter(struct db *db, struct arena *a, unsigned orders);
/* The user's current keys leave (-1) or join (+1) their fences of `orders`. A user that
 * is not there changes nothing. */
int db_user_index_leave(struct db *db, struct arena *a, const char *id, unsigned orders);
int db_user_index_join(struct db *db, struct arena *a, const char *id, unsigned orders);
/* join (every order) and search_add for each of ids[0..n) (a batch import), set-based:
 * per order and level one read that counts the batch's users per run (super-run) and one
 * write of those counts, and one insert into the search index, whatever n. The caller holds
 * every order's lock (db_user_index_enter, UIX_ALL) and has made no plain read in its
 * transaction before. */
int db_user_index_join_many(struct db *db, struct arena *a, const char *const *ids, size_t n);

/* Search index (no-ops without Mroonga). add: the row's text as it is now in this
 * transaction is added to what the index holds for id, and the row is no longer exact (so
 * the index holds the old and the new text until set, and searches check the row against
 * `user`). hold: the row is no longer exact (a deletion under way). set: after the commit,
 * the index holds exactly the committed text of id, exact again, or nothing if the user is
 * gone. Failures of set are logged and harmless: the row then stays checked against `user`. */
int db_user_index_search_add(struct db *db, const char *id);
int db_user_index_search_hold(struct db *db, const char *id);
void db_user_index_search_set(struct db *db, const char *id);
/* search_set for each of ids[0..n), set-based (after a batch import, committed or not). */
void db_user_index_search_set_many(struct db *db, struct arena *a, const char *const *ids,
                                   size_t n);
/* The phrase to ask the index for a lowercased needle ("\"piece\"", in the arena), or NULL
 * when the needle has no piece of 3 characters the index can look up (then the table is
 * read). The piece is the one of 3 to 6 characters starting in the needle's first 64
 * that a sample of the users says is cheapest: few n-gram postings to intersect, few
 * candidates to check (db/user_search_piece.c). */
const char *db_user_index_phrase(struct db *db, struct arena *a, const char *lower);
/* True when the search index exists (cached for the process once seen). */
bool db_user_index_has_search(struct db *db);

/* Where the page of at most limit users at `offset` (0-based position in the order)
 * starts, from the fences. order: one UIX_ bit; desc: descending. On DB_OK with *usable:
 * the page is *limit users read, whatever its direction, with
 *   walk up:   (col, id) >= (key, key_id) ascending, skipping *skip entries;
 *   walk down: (col, id) <  (key, key_id) descending (no bound when key is NULL), skipping
 *              *skip entries;
 * whichever skips fewer, then put in the page's order. *usable is false while a rebuild is
 * unfinished (then walk as before), *past when offset is beyond the last user. The
 * super-runs (sql/014) are summed first, then the fences of the one that holds the page are
 * read; when they do not add up (users written by hand, a rebuild), every fence. */
struct user_index_start {
    bool usable, past;
    long long count;            /* the user count (user_count), read with them; -1: not read */
    long long total;            /* the users the fences count */
    bool walk_desc;             /* walk down */
    const char *key, *key_id;   /* arena text, or NULL (walk down from the last user) */
    long long skip, limit;
    /* the key of a run read there grown past UIX_RUN_MAX users, or NULL */
    const char *long_key, *long_key_id;
    /* found in the worker's copy of the fences (sql/018), not read: the text the page's
     * statement must find db_user_index_check_sql equal to (in its own snapshot) for the
     * page to hold; NULL when the fences were read */
    const char *check;
};
int db_user_index_find(struct db *db, struct arena *a, unsigned order, bool desc,
                       long long offset, long long limit, struct user_index_start *out);
/* A scalar subquery (SQL text) over order's super-runs and the user count, for the page's
 * statement to compare with user_index_start.check: equal while the super-runs are the
 * ones the copy holds (every write of a fence through usher changes it). NULL for an order
 * without fences. */
const char *db_user_index_check_sql(unsigned order);
/* The index of the user table a page of order walks, named in the page's statement: without
 * the name MariaDB weighs, on each execution, every index the walk's range could use (the
 * primary key too, for its id bound), about 10 us of a page's 150 at 1,000,000 users. NULL
 * for an order without fences. */
const char *db_user_index_walked(unsigned order);
/* Forgets this worker's copy of order's fences (a page found in it did not hold). */
void db_user_index_forget(unsigned order);

/* Runs are made of 1,000 users (UIX_RUN); writes grow some (new accounts join the last
 * run of created_at, active users the last of last_active_at). One grown past UIX_RUN_MAX
 * is split by the listing that finds it (db_user_index_split), so a page never walks more
 * than that inside a run, between two `usherctl reindex` too. */
#define UIX_RUN 1000
#define UIX_RUN_MAX 4000
/* Splits the run of order (one UIX_ bit) whose fence is (run_key, run_id) into one of
 * UIX_RUN users and the rest (its super-run keeps its count), in a transaction holding the
 * order's lock exclusively (writes of that order wait for it: one index walk of UIX_RUN
 * entries). Nothing happens when the run is no longer
 * that long. DB_OK or DB_ERROR (nothing changed). Not on Galera, nor inside a
 * transaction. */
int db_user_index_split(struct db *db, struct arena *a, unsigned order, const char *run_key,
                        const char *run_id);

/* usherctl reindex: rebuilds every order's fences a few at a time (each step holds the
 * order's lock for a short while; `user` itself is never locked) and the search index
 * (built into a new table and swapped in, then the rows written meanwhile copied again).
 * Returns DB_OK, DB_NOT_FOUND when the schema predates sql/010 (migrate first) or
 * DB_ERROR. *fences and *searchable (may be NULL) get what was made. */
int db_user_index_rebuild(struct db *db, long long *fences, long long *searchable);

#endif
