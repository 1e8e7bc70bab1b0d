/* The audit trail (see db_audit.h). */
#include "config.h"
#include "usher/db_audit.h"

#include <stdlib.h>
#include <string.h>

#include "usher/arena.h"
#include "usher/db.h"
#include "usher/utf8.h"

/* s cut to at most max bytes at a character boundary (a parameter, so no copy). */
static struct db_param cut(const char *s, size_t max)
{
    if (!s)
        return db_null();
    size_t len = strlen(s);
    return db_strn(s, len <= max ? len : utf8_truncate(s, len, max));
}

int db_audit_insert(struct db *db, const struct audit_row *row)
{
    static const char sql[] =
        "INSERT INTO audit_log (at, action, status, actor_id, actor_email, target_type, "
        "target_id, detail, client_addr, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    return db_exec(db, sql,
                   DB_PARAMS(db_int(row->at), cut(row->action, 64), db_int(row->status),
                             cut(row->actor_id, 64), cut(row->actor_email, 255),
                             cut(row->target_type, 16), cut(row->target_id, 255),
                             cut(row->detail, 255), cut(row->client_addr, 64),
                             cut(row->user_agent, 255)), NULL);
}

int db_audit_prune(struct db *db, long long before)
{
    static const char sql[] = "DELETE FROM audit_log WHERE at < ? LIMIT 10000";
    return db_exec(db, sql, DB_PARAMS(db_int(before)), NULL);
}

int db_audit_list(struct db *db, struct arena *a, const struct audit_filter *f,
                  struct audit_row **rows, size_t *n)
{
    /* NULL filters match everything, so one statement serves every combination. */
    static const char sql[] =
        "SELECT id, at, action, status, actor_id, actor_email, target_type, target_id, detail, "
        "client_addr, user_agent FROM audit_log WHERE at >= ? "
        "AND (? IS NULL OR actor_id = ? OR actor_email = ?) AND (? IS NULL OR action = ?) "
        "ORDER BY at DESC, id DESC LIMIT ?";
    struct db_result r;
    struct db_param actor = db_str_or_null(f->actor), action = db_str_or_null(f->action);
    if (db_query(db, a, sql,
                 DB_PARAMS(db_int(f->since), actor, actor, actor, action, action,
                           db_int(f->limit > 0 ? f->limit : 1000)), &r) != DB_OK)
        return DB_ERROR;
    *n = r.nrows;
    *rows = arena_calloc(a, r.nrows ? r.nrows : 1, sizeof(**rows));
    for (size_t i = 0; i < r.nrows; i++) {
        struct audit_row *o = &(*rows)[i];
        o->id = strtoll(db_cell(&r, i, 0), NULL, 10);
        o->at = strtoll(db_cell(&r, i, 1), NULL, 10);
        o->action = db_cell(&r, i, 2);
        o->status = atoi(db_cell(&r, i, 3));
        o->actor_id = db_cell(&r, i, 4);
        o->actor_email = db_cell(&r, i, 5);
        o->target_type = db_cell(&r, i, 6);
        o->target_id = db_cell(&r, i, 7);
        o->detail = db_cell(&r, i, 8);
        o->client_addr = db_cell(&r, i, 9);
        o->user_agent = db_cell(&r, i, 10);
    }
    return DB_OK;
}
