/* The worker's MariaDB connection: connect (lazily when the server is down), a cache of
 * prepared statements keyed by the SQL string's address, parameter binding, results
 * copied into the caller's arena, transactions, and one transparent retry after the
 * server has gone away. */
#include "config.h"

#include "usher/db.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>

#include "usher/arena.h"
#include "usher/log.h"
#include "stmt_cache.h"

/* MySQL 8 sends this when it closes an idle connection; MariaDB's headers lack it. */
#ifndef ER_CLIENT_INTERACTION_TIMEOUT
#define ER_CLIENT_INTERACTION_TIMEOUT 4031
#endif

enum {
    CONNECT_TIMEOUT_S = 5,
    /* A statement that has not answered in this long is treated as a lost server. */
    READ_TIMEOUT_S = 30,
    WRITE_TIMEOUT_S = 30,
    /* Statements are keyed by address, so a caller passing computed SQL would grow the
     * cache without bound: past this many, the cache is emptied and refilled. */
    STMT_CACHE_MAX = 512,
    /* Connection failures are logged at most once per this many seconds. */
    CONNECT_LOG_INTERVAL_S = 10,
    /* Result cells start at this size when the server reports no useful max_length. */
    MIN_CELL_BUFFER = 64,
    /* A write on a connection idle this long pings first (see run). */
    IDLE_PING_S = 10,
};

/* The session every connection starts with: strict, so an over-long value is an error
 * rather than silently truncated, UTC, so nothing depends on the server's zone, and room
 * for the permission trees of a user in many groups (one GROUP_CONCAT, db/callers.c). */
static const char session_init_sql[] =
    "SET SESSION sql_mode = 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,"
    "NO_ZERO_DATE,NO_ZERO_IN_DATE,NO_ENGINE_SUBSTITUTION', time_zone = '+00:00', "
    "group_concat_max_len = 67108864";

struct db {
    MYSQL *conn;               /* NULL while disconnected */
    struct {
        char *socket, *host, *user, *password, *name;
        unsigned int port;
    } opts;
    struct stmt_cache cache;   /* prepared statements by SQL address */
    bool in_tx;
    bool tx_broken;            /* a statement failed inside the open transaction */
    time_t last_connect_log;
    time_t last_used;          /* when the last statement succeeded */
    char error[512];
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

static bool error_is_duplicate(unsigned int err)
{
    return err == ER_DUP_ENTRY || err == ER_DUP_ENTRY_WITH_KEY_NAME;
}

static void set_error(struct db *db, unsigned int err, const char *msg)
{
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
static void drop_connection(struct db *db)
{
    if (db->conn) {
        mysql_close(db->conn);
        db->conn = NULL;
    }
    stmt_cache_clear(&db->cache);
}

static bool open_connection(struct db *db)
{
    MYSQL *conn = mysql_init(NULL);
    if (!conn) {
        set_error(db, CR_OUT_OF_MEMORY, "mysql_init: out of memory");
        log_error("db: %s", db->error);
        return false;
    }
    my_bool off = 0;
    unsigned int connect_timeout = CONNECT_TIMEOUT_S;
    unsigned int read_timeout = READ_TIMEOUT_S, write_timeout = WRITE_TIMEOUT_S;
    mysql_options(conn, MYSQL_OPT_RECONNECT, &off);
    mysql_options(conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    mysql_options(conn, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
    mysql_options(conn, MYSQL_OPT_READ_TIMEOUT, &read_timeout);
    mysql_options(conn, MYSQL_OPT_WRITE_TIMEOUT, &write_timeout);
    mysql_options(conn, MYSQL_INIT_COMMAND, session_init_sql);

    /* CLIENT_FOUND_ROWS: an UPDATE reports the rows it matched, so "0 affected" means
     * "no such row" even when the new values equal the old ones. */
    const char *socket = db->opts.socket && *db->opts.socket ? db->opts.socket : NULL;
    if (!mysql_real_connect(conn, socket ? NULL : db->opts.host, db->opts.user,
                            db->opts.password, db->opts.name, socket ? 0 : db->opts.port,
                            socket, CLIENT_FOUND_ROWS)) {
        set_error(db, mysql_errno(conn), mysql_error(conn));
        time_t now = time(NULL);
        if (now - db->last_connect_log >= CONNECT_LOG_INTERVAL_S) {
            db->last_connect_log = now;
            log_error("db: cannot connect to %s%s: %s", socket ? "socket " : "",
                      socket ? socket : (db->opts.host ? db->opts.host : "localhost"),
                      db->error);
        }
        mysql_close(conn);
        return false;
    }
    db->conn = conn;
    db->last_connect_log = 0;
    db->last_used = time(NULL);
    return true;
}

/* Connects when disconnected. Inside a transaction a lost connection is not replaced:
 * the transaction died with it. */
static bool ensure_connected(struct db *db)
{
    if (db->conn)
        return true;
    if (db->in_tx) {
        set_error(db, CR_SERVER_GONE_ERROR, "connection lost inside a transaction");
        return false;
    }
    return open_connection(db);
}

static char *dup_opt(const char *s, bool *ok)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *ok = false;
    return d;
}

struct db *db_connect(const struct db_options *opts)
{
    struct db *db = calloc(1, sizeof *db);
    if (!db) {
        log_error("db: out of memory");
        return NULL;
    }
    bool ok = true;
    db->opts.socket = dup_opt(opts->socket, &ok);
    db->opts.host = dup_opt(opts->host, &ok);
    db->opts.user = dup_opt(opts->user, &ok);
    db->opts.password = dup_opt(opts->password, &ok);
    db->opts.name = dup_opt(opts->name, &ok);
    db->opts.port = opts->port;
    if (!ok) {
        log_error("db: out of memory");
        db_close(db);
        return NULL;
    }
    if (!open_connection(db))
        log_notice("db: database unavailable; will connect on first use");
    return db;
}

void db_close(struct db *db)
{
    if (!db)
        return;
    /* On a live connection the statements are closed first, politely. */
    stmt_cache_free(&db->cache);
    if (db->conn)
        mysql_close(db->conn);
    free(db->opts.socket);
    free(db->opts.host);
    free(db->opts.user);
    if (db->opts.password) {
        /* volatile so the wipe is not optimised away */
        volatile char *p = db->opts.password;
        while (*p)
            *p++ = 0;
        free(db->opts.password);
    }
    free(db->opts.name);
    free(db);
}

bool db_ping(struct db *db)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        if (!ensure_connected(db))
            return false;
        if (mysql_ping(db->conn) == 0)
            return true;
        unsigned int err = mysql_errno(db->conn);
        set_error(db, err, mysql_error(db->conn));
        if (!error_is_gone(err)) {
            log_sql_error(db, "ping", NULL);
            return false;
        }
        drop_connection(db);
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
static MYSQL_STMT *get_statement(struct db *db, const char *sql, unsigned int *err)
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
        set_error(db, *err, "mysql_stmt_init: out of memory");
        return NULL;
    }
    if (mysql_stmt_prepare(stmt, sql, (unsigned long)strlen(sql)) != 0) {
        *err = mysql_stmt_errno(stmt);
        set_error(db, *err, mysql_stmt_error(stmt));
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
        set_error(db, *err, "out of memory");
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
        set_error(db, 0, "wrong number of parameters");
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
        set_error(db, mysql_stmt_errno(stmt), mysql_stmt_error(stmt));
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
        set_error(db, mysql_stmt_errno(stmt), mysql_stmt_error(stmt));
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
        set_error(db, mysql_stmt_errno(stmt), mysql_stmt_error(stmt));
        goto out;
    }

    out->nrows = nrows;
    out->ncols = ncols;
    out->cells = arena_calloc(arena, nrows * ncols + 1, sizeof *out->cells);
    out->lens = arena_calloc(arena, nrows * ncols + 1, sizeof *out->lens);
    for (size_t r = 0; r < nrows; r++) {
        int f = mysql_stmt_fetch(stmt);
        if (f == 1 || f == MYSQL_NO_DATA) {
            set_error(db, mysql_stmt_errno(stmt),
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
                    set_error(db, mysql_stmt_errno(stmt), mysql_stmt_error(stmt));
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
    set_error(db, CR_OUT_OF_MEMORY, "out of memory reading a result");
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

/* One attempt: prepare (or reuse), bind, execute, read. Returns DB_OK, DB_DUPLICATE or
 * DB_ERROR with *err holding the server's errno (0 for our own errors). */
static int run_once(struct db *db, const char *sql, const struct db_param *params,
                    size_t nparams, struct arena *arena, struct db_result *out,
                    unsigned long long *affected, unsigned int *err, bool *sent)
{
    *err = 0;
    *sent = false;
    MYSQL_STMT *stmt = get_statement(db, sql, err);
    if (!stmt)
        return DB_ERROR;

    size_t n = nparams ? nparams : 1;
    MYSQL_BIND *binds = calloc(n, sizeof *binds);
    unsigned long *lens = calloc(n, sizeof *lens);
    long long *ints = calloc(n, sizeof *ints);
    int rc = DB_ERROR;
    if (!binds || !lens || !ints) {
        set_error(db, CR_OUT_OF_MEMORY, "out of memory binding parameters");
        goto out;
    }
    if (bind_params(db, stmt, params, nparams, binds, lens, ints, sql) != DB_OK)
        goto out;
    *sent = true;
    if (mysql_stmt_execute(stmt) != 0) {
        *err = mysql_stmt_errno(stmt);
        set_error(db, *err, mysql_stmt_error(stmt));
        rc = error_is_duplicate(*err) ? DB_DUPLICATE : DB_ERROR;
        goto out;
    }
    if (mysql_stmt_field_count(stmt) > 0) {
        /* A result set: store it (needed for max_length), read it if asked, free it. */
        if (mysql_stmt_store_result(stmt) != 0) {
            *err = mysql_stmt_errno(stmt);
            set_error(db, *err, mysql_stmt_error(stmt));
            goto out;
        }
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

bool db_retry_safe(const char *sql, bool sent)
{
    if (!sent)
        return true;
    while (*sql == ' ' || *sql == '\t' || *sql == '\n' || *sql == '(')
        sql++;
    return strncasecmp(sql, "SELECT", 6) == 0 || strncasecmp(sql, "SHOW", 4) == 0;
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
        drop_connection(db);
    }
}

/* Runs a statement with the reconnect-and-retry-once rule. */
static int run(struct db *db, const char *sql, const struct db_param *params, size_t nparams,
               struct arena *arena, struct db_result *out, unsigned long long *affected)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (db->in_tx && db->tx_broken) {
        set_error(db, 0, "transaction already failed; roll it back");
        log_error("db: statement inside a failed transaction refused [SQL: %.160s]", sql);
        return DB_ERROR;
    }
    ping_if_idle(db, sql);
    for (int attempt = 0;; attempt++) {
        unsigned int err = 0;
        bool sent = false;
        if (!ensure_connected(db)) {
            /* open_connection has logged (rate-limited) why. */
            if (db->in_tx)
                db->tx_broken = true;
            return DB_ERROR;
        }
        {
            int rc = run_once(db, sql, params, nparams, arena, out, affected, &err, &sent);
            if (rc == DB_OK) {
                db->last_used = time(NULL);
                return DB_OK;
            }
            if (rc == DB_DUPLICATE) {
                /* Expected (the caller maps it); MariaDB undoes only this statement, so
                 * an open transaction stays usable. */
                log_debug("db: duplicate key: %s", db->error);
                return DB_DUPLICATE;
            }
            if (err == ER_NEED_REPREPARE && attempt == 0) {
                /* The table changed under a prepared statement: prepare it again. */
                struct stmt_slot *s = stmt_cache_find(&db->cache, sql);
                if (s)
                    stmt_cache_remove(&db->cache, s);
                continue;
            }
            if ((err == ER_LOCK_DEADLOCK || err == ER_LOCK_WAIT_TIMEOUT) && !db->in_tx &&
                attempt == 0) {
                /* A single statement chosen as a deadlock victim (concurrent upserts of the
                 * same rate-limit row, say) did nothing: running it again is safe. Inside a
                 * transaction the whole transaction is gone, so that is the caller's call. */
                log_notice("db: %s; retrying once", db->error);
                continue;
            }
            if (error_is_gone(err)) {
                drop_connection(db);
                /* 2006 from execute: the command could not be sent; 4031: the server had
                 * closed the idle connection before it. Neither ran the statement. */
                bool unsent = !sent || err == CR_SERVER_GONE_ERROR ||
                              err == ER_CLIENT_INTERACTION_TIMEOUT;
                if (!db->in_tx && attempt == 0 && db_retry_safe(sql, !unsent)) {
                    log_notice("db: connection lost %s; reconnecting", db->error);
                    continue;
                }
                if (!db->in_tx && attempt == 0)
                    log_error("db: connection lost during a write (%s); not retried, as it "
                              "may have been applied", db->error);
            }
        }
        if (db->in_tx)
            db->tx_broken = true;
        log_sql_error(db, "statement", sql);
        return DB_ERROR;
    }
}

int db_exec(struct db *db, const char *sql, const struct db_param *params, size_t nparams,
            unsigned long long *affected)
{
    if (affected)
        *affected = 0;
    return run(db, sql, params, nparams, NULL, NULL, affected);
}

int db_query(struct db *db, struct arena *arena, const char *sql, const struct db_param *params,
             size_t nparams, struct db_result *out)
{
    return run(db, sql, params, nparams, arena, out, NULL);
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
        set_error(db, 0, "transaction already failed; roll it back");
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
            set_error(db, err, mysql_error(db->conn));
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
                    set_error(db, err, mysql_error(db->conn));
            }
            if (multi && !error_is_gone(err))
                mysql_set_server_option(db->conn, MYSQL_OPTION_MULTI_STATEMENTS_OFF);
        }
        if (!err)
            return DB_OK;
        if (error_is_gone(err)) {
            drop_connection(db);
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
        set_error(db, 0, "a transaction is already open");
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
        set_error(db, 0, "no transaction is open");
        log_error("db: commit: no transaction is open");
        return DB_ERROR;
    }
    if (db->tx_broken || !db->conn) {
        log_error("db: commit refused: a statement of this transaction failed; rolled back");
        db_rollback(db);
        set_error(db, 0, "transaction failed and was rolled back");
        return DB_ERROR;
    }
    int rc = DB_OK;
    if (mysql_commit(db->conn) != 0) {
        unsigned int err = mysql_errno(db->conn);
        set_error(db, err, mysql_error(db->conn));
        log_sql_error(db, "commit", NULL);
        /* Whatever the server did, closing the connection guarantees nothing half-done
         * stays open on it. */
        drop_connection(db);
        rc = DB_ERROR;
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
        set_error(db, err, mysql_error(db->conn));
        /* A lost connection has rolled back already; otherwise make sure of it. */
        if (!error_is_gone(err))
            log_sql_error(db, "rollback", NULL);
        drop_connection(db);
    }
    db->in_tx = false;
    db->tx_broken = false;
    return DB_OK;
}

bool db_in_transaction(const struct db *db)
{
    return db->in_tx;
}

const char *db_error(const struct db *db)
{
    return db->error[0] ? db->error : "no error";
}

size_t db_prepared_count(const struct db *db)
{
    return db->cache.nlive;
}

bool db_connected(const struct db *db)
{
    return db && db->conn != NULL;
}
