#ifndef USHER_DB_AUDIT_H
#define USHER_DB_AUDIT_H
/* The audit trail (table audit_log, sql/006_audit.sql). The data layer: no HTTP here. */
#include <stdbool.h>
#include <stddef.h>

struct db;
struct arena;

struct audit_row {
    long long id, at;
    int status;                        /* the HTTP status the request was answered with */
    const char *action, *actor_id, *actor_email, *target_type, *target_id, *detail,
        *client_addr, *user_agent;     /* NULL where unknown */
};

/* Appends row (its id is ignored). Strings longer than their column are cut at a character
 * boundary. Returns DB_OK or DB_ERROR (logged). */
int db_audit_insert(struct db *db, const struct audit_row *row);
/* Deletes up to 10,000 rows older than before (epoch seconds). DB_OK or DB_ERROR. */
int db_audit_prune(struct db *db, long long before);

struct audit_filter {
    long long since;             /* at >= since (0: all) */
    const char *actor;           /* actor_id or actor_email equal to it, or NULL */
    const char *action;          /* action equal to it, or NULL */
    long long limit;             /* the most recent rows first; 0: 1000 */
};
/* The rows matching f, newest first: *rows is an arena array of *n. DB_OK or DB_ERROR. */
int db_audit_list(struct db *db, struct arena *a, const struct audit_filter *f,
                  struct audit_row **rows, size_t *n);

#endif
