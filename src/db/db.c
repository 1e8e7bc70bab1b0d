/* The worker's MariaDB connection: connect (lazily when the server is down), a cache of
 * prepared statements keyed by the SQL string's address, parameter binding, results
 * copied into the caller's arena, transactions, and one transparent retry after the
 * server has gone away. Connecting, the host list and Galera's readiness: cluster.c. */
#include "config.h"

#include "usher/db.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>

#include "usher/arena.h"
#include "usher/log.h"
#include "db_conn.h"

/* MySQL 8 sends this when it closes an idle connection; MariaDB's headers lack it. */
#ifndef ER_CLIENT_INTERACTION_TIMEOUT
#define ER_CLIENT_INTERACTION_TIMEOUT 4031
#endif

enum {
    /* Statements are keyed by address, so a caller passing computed SQL would grow the
     * cache without bound: past this many, the cache is emptied and refilled. */
    STMT_CACHE_MAX = 512,
    /* Result cells start at this size when the server reports no useful max_length. */
    MIN_CELL_BUFFER = 64,
    /* A write on a connection idle this long pings first (see run). */
    IDLE_PING_S = 10,
    /* How long a bounded statement may wait (db_exec_bounded, db_query_causal), and how
     * long bounded statements are skipped (run plain) after one timed out. */
    BOUNDED_MS = 250,
    BOUNDED_SKIP_S = 5,
};

/* ----- errors ------------------------------------------------------------------------ */

/* Errors meaning the connection is unusable; the statement may be retried on a new one. */
static bool error_is_gone(unsigned int err)
{
    switch (err) {
    case CR_SERVER_GONE_ERROR:
    case CR_SERVER_LOST:
    case CR_SERVER_LOST_EXTENDED:
    case ER_CLIENT_INTERACTION_TIMEOUT:
    case ER_CONNECTION_KILLED:
        return true;
    default:
        return false;
    }
}

/* Errors after which the next connection should go to another host: the connection broke
 * mid-statement (the server died, or was cut off), or the node is not ready (1047: a
 * Galera node outside the Primary component, or still joining; nothing was run). */
static bool error_moves_host(unsigned int err)
{
    return err == CR_SERVER_LOST || err == CR_SERVER_LOST_EXTENDED ||
           err == ER_CONNECTION_KILLED || err == ER_UNKNOWN_COM_ERROR;
}

static bool error_is_duplicate(unsigned int err)
{
    return err == ER_DUP_ENTRY || err == ER_DUP_ENTRY_WITH_KEY_NAME;
}

void db_set_error(struct db *db, unsigned int err, const char *msg)
{
    db->last_err = err;
    snprintf(db->error, sizeof db->error, "(%u) %s", err, msg && *msg ? msg : "unknown error");
}

/* The SQL text is a literal of the program (parameters are never part of it), so it is
 * safe to log; long statements are cut to keep the log line readable. */
static void log_sql_error(const struct db *db, const char *what, const char *sql)
{
    if (sql)
        log_error("db: %s failed: %s [SQL: %.160s%s]", what, db->error, sql,
                  strlen(sql) > 160 ? "..." : "");
    else
        log_error("db: %s failed: %s", what, db->error);
}

/* ----- connection -------------------------------------------------------------------- */

/* Forgets the connection: statements and connection closed, cache emptied. The
 * connection is closed first so that closing the statements sends nothing to a server
 * that is gone. The next statement reconnects. */
void db_drop_connection(struct db *db)
{
    if (db->conn) {
        mysql_close(db->conn);
        db->conn = NULL;
    }
    stmt_cache_clear(&db->cache);
}

/* Connects when disconnected. Inside a transaction a lost connection is not replaced:
 * the transaction died with it. */
static bool ensure_connected(struct db *db)
{
    if (db->conn) {
        dbc_maybe_go_home(db);
        return true;
    }
    if (db->in_tx) {
        db_set_error(db, CR_SERVER_GONE_ERROR, "connection lost inside a transaction");
        return false;
    }
    return dbc_open(db);
}

bool db_ping(struct db *db)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        if (!ensure_connected(db))
            return false;
        if (mysql_ping(db->conn) == 0)
            return true;
        unsigned int err = mysql_errno(db->conn);
        db_set_error(db, err, mysql_error(db->conn));
        if (!error_is_gone(err)) {
            log_sql_error(db, "ping", NULL);
            return false;
        }
        db_drop_connection(db);
        if (db->in_tx) {
            db->tx_broken = true;
            return false;
        }
    }
    return false;
}

/* ----- statements -------------------------------------------------------------------- */

/* The cached statement for sql, prepared now if needed. NULL on error (db->error set,
 * with the server's errno returned in *err). */
/* Prepares stmt: blocking, or up to deadline_ms (0 = none; on Galera a SET STATEMENT
 * wsrep_sync_wait statement waits at its prepare too). 0, 1 on an error, -1 past the
 * deadline (the connection is then mid-command: the caller drops it). */
static int prepare(struct db *db, MYSQL_STMT *stmt, const char *sql, long long deadline_ms)
{
    if (!deadline_ms)
        return mysql_stmt_prepare(stmt, sql, (unsigned long)strlen(sql)) != 0;
    int ret = 0;
    int st = mysql_stmt_prepare_start(&ret, stmt, sql, (unsigned long)strlen(sql));
    while (st) {
        if ((st = dbc_wait(db->conn, st, deadline_ms)) < 0)
            return -1;
        st = mysql_stmt_prepare_cont(&ret, stmt, st);
    }
    return ret != 0;
}

static MYSQL_STMT *get_statement(struct db *db, const char *sql, unsigned int *err,
                                 long long deadline_ms)
{
    struct stmt_slot *s = stmt_cache_find(&db->cache, sql);
    if (s && strcmp(s->text, sql) == 0)
        return s->stmt;
    if (s) {
        /* Same address, different text: the caller passed a non-static string. */
        log_warning("db: SQL text changed at a cached address; re-preparing");
        stmt_cache_remove(&db->cache, s);
    }
    if (db->cache.nlive >= STMT_CACHE_MAX) {
        log_warning("db: %d prepared statements cached; emptying the cache (is SQL being "
                    "built at run time?)", STMT_CACHE_MAX);
        stmt_cache_clear(&db->cache);
    }

    MYSQL_STMT *stmt = mysql_stmt_init(db->conn);
    if (!stmt) {
        *err = CR_OUT_OF_MEMORY;
        db_set_error(db, *err, "mysql_stmt_init: out of memory");
        return NULL;
    }
    int prep = prepare(db, stmt, sql, deadline_ms);
    if (prep < 0) {
        /* The connection is mid-command: its socket shut (closing would wait for the
         * answer) and closed first, so the statement is then freed without a word. */
        shutdown(mysql_get_socket(db->conn), SHUT_RDWR);
        db_drop_connection(db);
        mysql_stmt_close(stmt);
        *err = CR_SERVER_LOST;
        db_set_error(db, *err, "no answer within the bound");
        return NULL;
    }
    if (prep > 0) {
        *err = mysql_stmt_errno(stmt);
        db_set_error(db, *err, mysql_stmt_error(stmt));
        mysql_stmt_close(stmt);
        return NULL;
    }
    my_bool on = 1;
    mysql_stmt_attr_set(stmt, STMT_ATTR_UPDATE_MAX_LENGTH, &on);

    char *text = strdup(sql);
    s = text ? stmt_cache_insert(&db->cache, sql) : NULL;
    if (!s) {
        free(text);
        mysql_stmt_close(stmt);
        *err = CR_OUT_OF_MEMORY;
        db_set_error(db, *err, "out of memory");
        return NULL;
    }
    s->text = text;
    s->stmt = stmt;
    return stmt;
}

/* Binds params to stmt. binds and ints must have room for nparams entries. */
static int bind_params(struct db *db, MYSQL_STMT *stmt, const struct db_param *params,
                       size_t nparams, MYSQL_BIND *binds, unsigned long *lens,
                       long long *ints, const char *sql)
{
    unsigned long expected = mysql_stmt_param_count(stmt);
    if (expected != nparams) {
        db_set_error(db, 0, "wrong number of parameters");
        log_error("db: statement expects %lu parameters, got %zu [SQL: %.160s]",
                  expected, nparams, sql);
        return DB_ERROR;
    }
    static my_bool is_null_true = 1;
    for (size_t i = 0; i < nparams; i++) {
        MYSQL_BIND *b = &binds[i];
        memset(b, 0, sizeof *b);
        switch (params[i].type) {
        case DB_T_STR:
            lens[i] = (unsigned long)params[i].len;
            b->buffer_type = MYSQL_TYPE_STRING;
            /* The library only reads input buffers; the cast drops const for its API. */
            b->buffer = (void *)(uintptr_t)(params[i].s ? params[i].s : "");
            b->buffer_length = lens[i];
            b->length = &lens[i];
            break;
        case DB_T_INT:
            ints[i] = params[i].i;
            b->buffer_type = MYSQL_TYPE_LONGLONG;
            b->buffer = &ints[i];
            break;
        case DB_T_NULL:
        default:
            b->buffer_type = MYSQL_TYPE_NULL;
            b->is_null = &is_null_true;
            break;
        }
    }
    if (nparams && mysql_stmt_bind_param(stmt, binds) != 0) {
        db_set_error(db, mysql_stmt_errno(stmt), mysql_stmt_error(stmt));
        return DB_ERROR;
    }
    return DB_OK;
}

static size_t cell_buffer_size(const MYSQL_FIELD *f)
{
    size_t n = f->max_length;
    /* Numbers and dates are converted to text by the library; max_length may describe
     * their binary form, so give them room for any textual rendering. */
    if (n < MIN_CELL_BUFFER)
        n = MIN_CELL_BUFFER;
    return n + 1;
}

/* Fetches every stored row of stmt into arena. */
static int fetch_rows(struct db *db, MYSQL_STMT *stmt, struct arena *arena,
                      struct db_result *out)
{
    MYSQL_RES *meta = mysql_stmt_result_metadata(stmt);
    if (!meta) {
        db_set_error(db, mysql_stmt_errno(stmt), mysql_stmt_error(stmt));
        return DB_ERROR;
    }
    size_t ncols = mysql_num_fields(meta);
    size_t nrows = (size_t)mysql_stmt_num_rows(stmt);
    MYSQL_FIELD *fields = mysql_fetch_fields(meta);
    int rc = DB_ERROR;

    MYSQL_BIND *binds = calloc(ncols ? ncols : 1, sizeof *binds);
    unsigned long *lens = calloc(ncols ? ncols : 1, sizeof *lens);
    my_bool *nulls = calloc(ncols ? ncols : 1, sizeof *nulls);
    my_bool *truncated = calloc(ncols ? ncols : 1, sizeof *truncated);
    char **bufs = calloc(ncols ? ncols : 1, sizeof *bufs);
    if (!binds || !lens || !nulls || !truncated || !bufs)
        goto oom;
    if (ncols && nrows > SIZE_MAX / ncols / sizeof(char *))
        goto oom;
    for (size_t c = 0; c < ncols; c++) {
        size_t size = cell_buffer_size(&fields[c]);
        bufs[c] = malloc(size);
        if (!bufs[c])
            goto oom;
        binds[c].buffer_type = MYSQL_TYPE_STRING;
        binds[c].buffer = bufs[c];
        binds[c].buffer_length = (unsigned long)size;
        binds[c].length = &lens[c];
        binds[c].is_null = &nulls[c];
        binds[c].error = &truncated[c];
    }
    if (ncols && mysql_stmt_bind_result(stmt, binds) != 0) {
        db_set_error(db, mysql_stmt_errno(stmt), mysql_stmt_error(stmt));
        goto out;
    }

    out->nrows = nrows;
    out->ncols = ncols;
    out->cells = arena_calloc(arena, nrows * ncols + 1, sizeof *out->cells);
    out->lens = arena_calloc(arena, nrows * ncols + 1, sizeof *out->lens);
    for (size_t r = 0; r < nrows; r++) {
        int f = mysql_stmt_fetch(stmt);
        if (f == 1 || f == MYSQL_NO_DATA) {
            db_set_error(db, mysql_stmt_errno(stmt),
                      f == 1 ? mysql_stmt_error(stmt) : "fewer rows than stored");
            goto out;
        }
        for (size_t c = 0; c < ncols; c++) {
            size_t idx = r * ncols + c;
            if (nulls[c]) {
                out->cells[idx] = NULL;
                out->lens[idx] = 0;
                continue;
            }
            size_t len = lens[c];
            char *cell = arena_alloc(arena, len + 1);
            if (len < binds[c].buffer_length) {
                memcpy(cell, bufs[c], len);
            } else {
                /* Longer than the buffer (max_length underestimated): fetch it whole. */
                MYSQL_BIND whole;
                unsigned long whole_len = 0;
                memset(&whole, 0, sizeof whole);
                whole.buffer_type = MYSQL_TYPE_STRING;
                whole.buffer = cell;
                whole.buffer_length = (unsigned long)(len + 1);
                whole.length = &whole_len;
                if (mysql_stmt_fetch_column(stmt, &whole, (unsigned int)c, 0) != 0) {
                    db_set_error(db, mysql_stmt_errno(stmt), mysql_stmt_error(stmt));
                    goto out;
                }
            }
            cell[len] = '\0';
            out->cells[idx] = cell;
            out->lens[idx] = len;
        }
    }
    rc = DB_OK;
    goto out;
oom:
    db_set_error(db, CR_OUT_OF_MEMORY, "out of memory reading a result");
out:
    if (bufs)
        for (size_t c = 0; c < ncols; c++)
            free(bufs[c]);
    free(bufs);
    free(truncated);
    free(nulls);
    free(lens);
    free(binds);
    mysql_free_result(meta);
    return rc;
}

/* Execute, then store a result set: blocking, or with the non-blocking API up to
 * deadline_ms (0 = no deadline). Returns 0, 1 on an error of the statement, -1 when the
 * deadline passed (the connection is then mid-command: the caller drops it). */
static int execute_and_store(struct db *db, MYSQL_STMT *stmt, long long deadline_ms)
{
    if (!deadline_ms)
        return mysql_stmt_execute(stmt) != 0 ||
               (mysql_stmt_field_count(stmt) > 0 && mysql_stmt_store_result(stmt) != 0);
    int ret = 0;
    int st = mysql_stmt_execute_start(&ret, stmt);
    while (st) {
        if ((st = dbc_wait(db->conn, st, deadline_ms)) < 0)
            return -1;
        st = mysql_stmt_execute_cont(&ret, stmt, st);
    }
    if (ret != 0 || mysql_stmt_field_count(stmt) == 0)
        return ret != 0;
    st = mysql_stmt_store_result_start(&ret, stmt);
    while (st) {
        if ((st = dbc_wait(db->conn, st, deadline_ms)) < 0)
            return -1;
        st = mysql_stmt_store_result_cont(&ret, stmt, st);
    }
    return ret != 0;
}

/* One attempt: prepare (or reuse), bind, execute, read. Returns DB_OK, DB_DUPLICATE,
 * DB_TIMEOUT (past deadline_ms) or DB_ERROR with *err holding the server's errno (0 for
 * our own errors). */
static int run_once(struct db *db, const char *sql, const struct db_param *params,
                    size_t nparams, struct arena *arena, struct db_result *out,
                    unsigned long long *affected, unsigned int *err, bool *sent,
                    long long deadline_ms)
{
    *err = 0;
    *sent = false;
    MYSQL_STMT *stmt = get_statement(db, sql, err, deadline_ms);
    if (!stmt)
        return deadline_ms && *err == CR_SERVER_LOST ? DB_TIMEOUT : DB_ERROR;

    size_t n = nparams ? nparams : 1;
    MYSQL_BIND *binds = calloc(n, sizeof *binds);
    unsigned long *lens = calloc(n, sizeof *lens);
    long long *ints = calloc(n, sizeof *ints);
    int rc = DB_ERROR;
    if (!binds || !lens || !ints) {
        db_set_error(db, CR_OUT_OF_MEMORY, "out of memory binding parameters");
        goto out;
    }
    if (bind_params(db, stmt, params, nparams, binds, lens, ints, sql) != DB_OK)
        goto out;
    *sent = true;
    /* A result set is stored (needed for max_length), read if asked, freed. */
    int ex = execute_and_store(db, stmt, deadline_ms);
    if (ex < 0) {
        *err = CR_SERVER_LOST;
        db_set_error(db, *err, "no answer within the bound");
        rc = DB_TIMEOUT;
        goto out;
    }
    if (ex > 0) {
        *err = mysql_stmt_errno(stmt);
        db_set_error(db, *err, mysql_stmt_error(stmt));
        rc = error_is_duplicate(*err) ? DB_DUPLICATE : DB_ERROR;
        goto out;
    }
    if (mysql_stmt_field_count(stmt) > 0) {
        rc = out ? fetch_rows(db, stmt, arena, out) : DB_OK;
        mysql_stmt_free_result(stmt);
        if (rc != DB_OK)
            goto out;
    } else if (out) {
        memset(out, 0, sizeof *out);
    }
    if (affected)
        *affected = (unsigned long long)mysql_stmt_affected_rows(stmt);
    rc = DB_OK;
out:
    free(ints);
    free(lens);
    free(binds);
    return rc;
}

/* Before a write on a connection that has been idle a while: a connection the server has
 * closed meanwhile is found by a ping (which sends nothing that could apply twice), so the
 * write goes to a live one rather than failing without a retry. */
static void ping_if_idle(struct db *db, const char *sql)
{
    if (!db->conn || db->in_tx || db_retry_safe(sql, true) ||
        time(NULL) - db->last_used < IDLE_PING_S)
        return;
    if (mysql_ping(db->conn) != 0) {
        log_notice("db: idle connection gone (%s); reconnecting", mysql_error(db->conn));
        db_drop_connection(db);
    }
}

/* Runs a statement with the reconnect-and-retry-once rule; deadline_ms bounds the wait
 * for its answer (0: none; DB_TIMEOUT then, the connection dropped). */
static int run(struct db *db, const char *sql, const struct db_param *params, size_t nparams,
               struct arena *arena, struct db_result *out, unsigned long long *affected,
               long long deadline_ms)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (db->in_tx && db->tx_broken) {
        db_set_error(db, 0, "transaction already failed; roll it back");
        log_error("db: statement inside a failed transaction refused [SQL: %.160s]", sql);
        return DB_ERROR;
    }
    ping_if_idle(db, sql);
    for (int attempt = 0;; attempt++) {
        unsigned int err = 0;
        bool sent = false;
        if (!ensure_connected(db)) {
            /* dbc_open has logged (rate-limited) why. */
            if (db->in_tx)
                db->tx_broken = true;
            return DB_ERROR;
        }
        {
            int rc = run_once(db, sql, params, nparams, arena, out, affected, &err, &sent,
                              deadline_ms);
            if (rc == DB_OK) {
                db->last_used = time(NULL);
                if (!db->in_tx && !db_retry_safe(sql, true))
                    db->writes++;
                return DB_OK;
            }
            if (rc == DB_DUPLICATE) {
                /* Expected (the caller maps it); MariaDB undoes only this statement, so
                 * an open transaction stays usable. */
                log_debug("db: duplicate key: %s", db->error);
                return DB_DUPLICATE;
            }
            if (rc == DB_TIMEOUT) {
                /* The connection is mid-command: it cannot be used again. Its socket is
                 * shut first, or closing it would wait for the answer to skip it. */
                if (db->conn)
                    shutdown(mysql_get_socket(db->conn), SHUT_RDWR);
                db_drop_connection(db);
                if (db->in_tx)
                    db->tx_broken = true;
                db->bounded_skip_until = time(NULL) + BOUNDED_SKIP_S;
                log_notice("db: a bounded statement had no answer in %d ms; bounded "
                           "statements skipped for %d s [SQL: %.80s]", BOUNDED_MS,
                           BOUNDED_SKIP_S, sql);
                return DB_TIMEOUT;
            }
            if (err == ER_NEED_REPREPARE && attempt == 0) {
                /* The table changed under a prepared statement: prepare it again. */
                struct stmt_slot *s = stmt_cache_find(&db->cache, sql);
                if (s)
                    stmt_cache_remove(&db->cache, s);
                continue;
            }
            if (err == ER_LOCK_DEADLOCK || err == ER_LOCK_WAIT_TIMEOUT) {
                /* A single statement chosen as a deadlock victim (concurrent upserts of the
                 * same rate-limit row, say) did nothing: running it again is safe. Inside a
                 * transaction the whole transaction is gone: the request may be run again
                 * (db_attempt_retryable). On Galera, 1213 is also a certification
                 * conflict with a write committed on another node. */
                if (!db->in_tx && attempt == 0) {
                    log_notice("db: %s; retrying once", db->error);
                    continue;
                }
                if (err == ER_LOCK_DEADLOCK)   /* not a lock wait timeout: that waited long */
                    db->retryable = true;
            }
            if (error_is_gone(err) || err == ER_UNKNOWN_COM_ERROR) {
                db_drop_connection(db);
                if (error_moves_host(err))
                    dbc_next_host(db);
                /* 2006 from execute: the command could not be sent; 4031: the server had
                 * closed the idle connection before it; 1047: the node refused to run it.
                 * None ran the statement. */
                bool unsent = !sent || err == CR_SERVER_GONE_ERROR ||
                              err == ER_CLIENT_INTERACTION_TIMEOUT ||
                              err == ER_UNKNOWN_COM_ERROR;
                if (db->in_tx)
                    db->retryable = true;   /* the transaction died with the connection */
                if (!db->in_tx && attempt == 0 && db_retry_safe(sql, !unsent)) {
                    log_notice("db: connection lost or node not ready %s; reconnecting",
                               db->error);
                    continue;
                }
                if (!db->in_tx && attempt == 0)
                    log_error("db: connection lost during a write (%s); not retried, as it "
                              "may have been applied", db->error);
            }
        }
        if (db->in_tx)
            db->tx_broken = true;
        if (err == ER_LOCK_DEADLOCK && db->in_tx)
            log_notice("db: %s (the transaction may run again) [SQL: %.80s]", db->error, sql);
        else
            log_sql_error(db, "statement", sql);
        return DB_ERROR;
    }
}

int db_exec(struct db *db, const char *sql, const struct db_param *params, size_t nparams,
            unsigned long long *affected)
{
    if (affected)
        *affected = 0;
    return run(db, sql, params, nparams, NULL, NULL, affected, 0);
}

int db_query(struct db *db, struct arena *arena, const char *sql, const struct db_param *params,
             size_t nparams, struct db_result *out)
{
    return run(db, sql, params, nparams, arena, out, NULL, 0);
}

int db_exec_bounded(struct db *db, const char *sql, const struct db_param *params,
                    size_t nparams, unsigned long long *affected)
{
    if (affected)
        *affected = 0;
    if (!db->wsrep || db->in_tx)
        return run(db, sql, params, nparams, NULL, NULL, affected, 0);
    if (time(NULL) < db->bounded_skip_until)
        return DB_TIMEOUT;
    return run(db, sql, params, nparams, NULL, NULL, affected, dbc_now_ms() + BOUNDED_MS);
}

int db_query_causal(struct db *db, struct arena *arena, const char *sql,
                    const struct db_param *params, size_t nparams, struct db_result *out)
{
    ensure_connected(db);
    const char *causal = db->conn && db->wsrep && !db->causal && !db->in_tx &&
                                 time(NULL) >= db->bounded_skip_until
                             ? dbc_causal_text(db, sql)
                             : NULL;
    if (causal) {
        int rc = run(db, causal, params, nparams, arena, out, NULL, dbc_now_ms() + BOUNDED_MS);
        if (rc == DB_ERROR && db->last_err == ER_LOCK_WAIT_TIMEOUT && !db_ready(db)) {
            /* A node cut off from the cluster fails a causal read at once with 1205:
             * db_ready found it not ready and left it; the next host answers. */
            causal = dbc_causal_text(db, sql);
            if (!ensure_connected(db) || !causal)
                return DB_ERROR;
            rc = run(db, causal, params, nparams, arena, out, NULL, dbc_now_ms() + BOUNDED_MS);
        }
        if (rc != DB_TIMEOUT)
            return rc;
        /* No answer in time: the cluster is not delivering (a node just died and is not
         * evicted yet). Nothing commits anywhere meanwhile, so the plain read is as
         * fresh as any. */
    }
    return run(db, sql, params, nparams, arena, out, NULL, 0);
}

int db_query_cell(struct db *db, struct arena *arena, const char *sql,
                  const struct db_param *params, size_t nparams, const char **cell)
{
    struct db_result r;
    if (db_query(db, arena, sql, params, nparams, &r) != DB_OK)
        return DB_ERROR;
    if (r.nrows == 0)
        return DB_NOT_FOUND;
    *cell = db_cell(&r, 0, 0);
    return DB_OK;
}

/* ----- plain queries: scripts and transaction control -------------------------------- */

/* Reads and discards every result of the last mysql_real_query. Returns 0, or the errno
 * of the first failing statement with *done_count statements having succeeded. */
static unsigned int drain_results(struct db *db, size_t *done_count)
{
    *done_count = 0;
    for (;;) {
        MYSQL_RES *res = mysql_store_result(db->conn);
        if (res)
            mysql_free_result(res);
        else if (mysql_field_count(db->conn) != 0)
            return mysql_errno(db->conn);
        (*done_count)++;
        int next = mysql_next_result(db->conn);
        if (next < 0)
            return 0;
        if (next > 0)
            return mysql_errno(db->conn);
    }
}

/* A plain query (no parameters) with the retry rule. If multi is true, sql may hold
 * several statements separated by ';'. */
static int run_plain(struct db *db, const char *sql, bool multi, const char *what)
{
    if (db->in_tx && db->tx_broken) {
        db_set_error(db, 0, "transaction already failed; roll it back");
        log_error("db: %s inside a failed transaction refused", what);
        return DB_ERROR;
    }
    for (int attempt = 0;; attempt++) {
        unsigned int err = 0;
        size_t done = 0;
        if (!ensure_connected(db)) {
            if (db->in_tx)
                db->tx_broken = true;
            return DB_ERROR;
        }
        /* Multi-statement mode is switched on only for this call, so that no other
         * statement on this connection can ever be stacked. */
        if (multi && mysql_set_server_option(db->conn, MYSQL_OPTION_MULTI_STATEMENTS_ON) != 0) {
            err = mysql_errno(db->conn);
            db_set_error(db, err, mysql_error(db->conn));
        } else {
            if (mysql_real_query(db->conn, sql, (unsigned long)strlen(sql)) != 0)
                err = mysql_errno(db->conn);
            else
                err = drain_results(db, &done);
            if (err) {
                if (multi) /* say which statement failed: a migration can be long */
                    snprintf(db->error, sizeof db->error, "statement %zu: (%u) %.400s",
                             done + 1, err, mysql_error(db->conn));
                else
                    db_set_error(db, err, mysql_error(db->conn));
            }
            if (multi && !error_is_gone(err))
                mysql_set_server_option(db->conn, MYSQL_OPTION_MULTI_STATEMENTS_OFF);
        }
        if (!err)
            return DB_OK;
        if (error_is_gone(err)) {
            db_drop_connection(db);
            if (!db->in_tx && attempt == 0 && done == 0) {
                log_notice("db: connection lost %s; reconnecting", db->error);
                continue;
            }
        }
        if (db->in_tx)
            db->tx_broken = true;
        log_sql_error(db, what, multi ? NULL : sql);
        return error_is_duplicate(err) ? DB_DUPLICATE : DB_ERROR;
    }
}

int db_exec_script(struct db *db, const char *sql)
{
    return run_plain(db, sql, true, "script");
}

int db_begin(struct db *db)
{
    if (db->in_tx) {
        db_set_error(db, 0, "a transaction is already open");
        log_error("db: begin: a transaction is already open");
        return DB_ERROR;
    }
    int rc = run_plain(db, "START TRANSACTION", false, "begin");
    if (rc == DB_OK) {
        db->in_tx = true;
        db->tx_broken = false;
    }
    return rc;
}

int db_commit(struct db *db)
{
    if (!db->in_tx) {
        db_set_error(db, 0, "no transaction is open");
        log_error("db: commit: no transaction is open");
        return DB_ERROR;
    }
    if (db->tx_broken || !db->conn) {
        log_error("db: commit refused: a statement of this transaction failed; rolled back");
        db_rollback(db);
        db_set_error(db, 0, "transaction failed and was rolled back");
        return DB_ERROR;
    }
    int rc = DB_OK;
    if (mysql_commit(db->conn) != 0) {
        unsigned int err = mysql_errno(db->conn);
        db_set_error(db, err, mysql_error(db->conn));
        /* A certification conflict (Galera) or deadlock at COMMIT: nothing was applied,
         * the request may run again. A lost connection: the outcome is unknown. */
        if (err == ER_LOCK_DEADLOCK || err == ER_UNKNOWN_COM_ERROR)
            db->retryable = true;
        if (err == ER_LOCK_DEADLOCK)
            log_notice("db: commit: %s", db->error);
        else
            log_sql_error(db, "commit", NULL);
        /* Whatever the server did, closing the connection guarantees nothing half-done
         * stays open on it. */
        db_drop_connection(db);
        if (error_moves_host(err))
            dbc_next_host(db);
        rc = DB_ERROR;
    } else {
        db->writes++;
    }
    db->in_tx = false;
    db->tx_broken = false;
    return rc;
}

int db_rollback(struct db *db)
{
    if (!db->in_tx)
        return DB_OK;
    if (db->conn && mysql_rollback(db->conn) != 0) {
        unsigned int err = mysql_errno(db->conn);
        db_set_error(db, err, mysql_error(db->conn));
        /* A lost connection has rolled back already; otherwise make sure of it. */
        if (!error_is_gone(err))
            log_sql_error(db, "rollback", NULL);
        db_drop_connection(db);
    }
    db->in_tx = false;
    db->tx_broken = false;
    return DB_OK;
}
