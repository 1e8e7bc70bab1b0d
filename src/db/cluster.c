/* Several database hosts and Galera (see db.h, "Several hosts and Galera"): the host list
 * of db.host, connecting with failover, a node's readiness (wsrep_ready, Synced), coming
 * back to the first host, the waiting of the bounded statements, and the retry rule of a
 * lost connection (db_retry_safe). */
#include "config.h"

#include "usher/db.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <errmsg.h>

#include "usher/log.h"
#include "db_conn.h"

enum {
    /* One server: how long a connect may take. With several hosts a dead one (no answer at
     * all) should not hold up the others for long; a look back at the first host, made
     * while connected elsewhere, holds up a request, so it is shorter still. */
    CONNECT_TIMEOUT_S = 5,
    CONNECT_TIMEOUT_LIST_S = 2,
    CONNECT_TIMEOUT_HOME_S = 1,
    /* A statement that has not answered in this long is treated as a lost server. */
    READ_TIMEOUT_S = 30,
    WRITE_TIMEOUT_S = 30,
    /* Connection failures are logged at most once per this many seconds. */
    CONNECT_LOG_INTERVAL_S = 10,
};

/* The session every connection starts with: strict, so an over-long value is an error
 * rather than silently truncated, and UTC, so nothing depends on the server's zone. */
static const char session_init_sql[] =
    "SET SESSION sql_mode = 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,"
    "NO_ZERO_DATE,NO_ZERO_IN_DATE,NO_ENGINE_SUBSTITUTION', time_zone = '+00:00'";

long long dbc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool dbc_hosts_init(struct db *db, const char *host, unsigned int port)
{
    char why[256];
    int n = host && *host ? config_db_hosts(host, port ? port : 3306, NULL, 0, why, sizeof why)
                          : 1;
    if (n < 1) {
        /* config.c refused it already when it came from usher.conf; a caller's own value */
        log_error("db: db.host: %s", why);
        n = 1;
        host = NULL;
    }
    db->hosts = calloc((size_t)n, sizeof *db->hosts);
    if (!db->hosts)
        return false;
    db->nhosts = (size_t)n;
    if (host && *host)
        config_db_hosts(host, port ? port : 3306, db->hosts, (size_t)n, why, sizeof why);
    else
        db->hosts[0].port = port;   /* host "" = the library's default (localhost) */
    return true;
}

void dbc_hosts_free(struct db *db)
{
    free(db->hosts);
    db->hosts = NULL;
    for (size_t i = 0; i < DB_CAUSAL_SLOTS; i++)
        free(db->causal_sql[i].text);
}

/* SHOW's rows of a plain query as name/value pairs: value of name, or NULL. */
static bool show_value(MYSQL *conn, const char *sql, const char *name, char *out, size_t outlen)
{
    if (mysql_query(conn, sql) != 0)
        return false;
    MYSQL_RES *res = mysql_store_result(conn);
    if (!res)
        return false;
    bool found = false;
    MYSQL_ROW row;
    while ((row = mysql_fetch_row(res)))
        if (row[0] && row[1] && strcmp(row[0], name) == 0) {
            snprintf(out, outlen, "%s", row[1]);
            found = true;
        }
    mysql_free_result(res);
    return found;
}

/* 1 when the server accepts queries (not Galera, or a Galera node with wsrep_ready ON in
 * the Synced state), 0 when not, -1 when it did not answer. *wsrep says which. SHOW only,
 * so the counters the tests read (Com_select...) do not move. */
static int node_ready(MYSQL *conn, bool *wsrep)
{
    char v[64];
    *wsrep = false;
    if (!show_value(conn, "SHOW VARIABLES LIKE 'wsrep_on'", "wsrep_on", v, sizeof v))
        return mysql_errno(conn) ? -1 : 1;   /* no such variable: not a Galera server */
    if (strcmp(v, "ON") != 0)
        return 1;
    *wsrep = true;
    if (!show_value(conn, "SHOW GLOBAL STATUS LIKE 'wsrep_ready'", "wsrep_ready", v, sizeof v))
        return -1;
    if (strcmp(v, "ON") != 0)
        return 0;
    if (!show_value(conn, "SHOW GLOBAL STATUS LIKE 'wsrep_local_state'", "wsrep_local_state",
                    v, sizeof v))
        return -1;
    return strcmp(v, "4") == 0 ? 1 : 0;   /* 4 = Synced */
}

static const char *host_name(const struct db *db, size_t i)
{
    return db->opts.socket && *db->opts.socket ? db->opts.socket
           : db->hosts[i].host[0]                ? db->hosts[i].host
                                                 : "localhost";
}

/* One connection to host i, or NULL (db->error set). */
static MYSQL *connect_one(struct db *db, size_t i, unsigned int connect_timeout, bool *wsrep)
{
    MYSQL *conn = mysql_init(NULL);
    if (!conn) {
        db_set_error(db, CR_OUT_OF_MEMORY, "mysql_init: out of memory");
        return NULL;
    }
    my_bool off = 0;
    unsigned int read_timeout = READ_TIMEOUT_S, write_timeout = WRITE_TIMEOUT_S;
    mysql_options(conn, MYSQL_OPT_RECONNECT, &off);
    mysql_options(conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    mysql_options(conn, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
    mysql_options(conn, MYSQL_OPT_READ_TIMEOUT, &read_timeout);
    mysql_options(conn, MYSQL_OPT_WRITE_TIMEOUT, &write_timeout);
    mysql_options(conn, MYSQL_INIT_COMMAND, session_init_sql);
    /* the bounded statements use the non-blocking API; the blocking calls work as before */
    mysql_options(conn, MYSQL_OPT_NONBLOCK, 0);

    /* CLIENT_FOUND_ROWS: an UPDATE reports the rows it MATCHED, so "0 affected" means
     * "no such row" even when the new values equal the old ones. */
    const char *socket = db->opts.socket && *db->opts.socket ? db->opts.socket : NULL;
    const char *host = socket || !db->hosts[i].host[0] ? NULL : db->hosts[i].host;
    if (!mysql_real_connect(conn, host, db->opts.user, db->opts.password, db->opts.name,
                            socket ? 0 : db->hosts[i].port, socket, CLIENT_FOUND_ROWS)) {
        db_set_error(db, mysql_errno(conn), mysql_error(conn));
        mysql_close(conn);
        return NULL;
    }
    int ready = node_ready(conn, wsrep);
    if (ready != 1) {
        if (ready == 0)
            db_set_error(db, 1047, "the Galera node is not ready (wsrep_ready OFF or not Synced)");
        else
            db_set_error(db, mysql_errno(conn), mysql_error(conn));
        mysql_close(conn);
        return NULL;
    }
    return conn;
}

bool dbc_open(struct db *db)
{
    size_t n = db->opts.socket && *db->opts.socket ? 1 : db->nhosts;
    for (size_t k = 0; k < n; k++) {
        size_t i = (db->cur + k) % n;
        bool wsrep = false;
        MYSQL *conn = connect_one(db, i, n > 1 ? CONNECT_TIMEOUT_LIST_S : CONNECT_TIMEOUT_S,
                                  &wsrep);
        if (!conn)
            continue;
        if (n > 1 && (i != db->cur || k))
            log_notice("db: connected to %s:%u (host %zu of %zu)", host_name(db, i),
                       db->hosts[i].port, i + 1, n);
        db->conn = conn;
        db->cur = i;
        db->wsrep = wsrep;
        db->causal = false;
        db->home_retry_at = i ? time(NULL) + DB_HOME_RETRY_S : 0;
        db->last_connect_log = 0;
        db->last_used = time(NULL);
        return true;
    }
    time_t now = time(NULL);
    if (now - db->last_connect_log >= CONNECT_LOG_INTERVAL_S) {
        db->last_connect_log = now;
        if (n > 1)
            log_error("db: cannot connect to any of the %zu hosts of db.host (last: %s)", n,
                      db->error);
        else
            log_error("db: cannot connect to %s%s: %s", db->opts.socket ? "socket " : "",
                      host_name(db, 0), db->error);
    }
    return false;
}

void dbc_maybe_go_home(struct db *db)
{
    if (!db->conn || db->in_tx || db->cur == 0 || db->nhosts < 2 ||
        time(NULL) < db->home_retry_at)
        return;
    bool wsrep = false;
    MYSQL *conn = connect_one(db, 0, CONNECT_TIMEOUT_HOME_S, &wsrep);
    if (!conn) {
        db->home_retry_at = time(NULL) + DB_HOME_RETRY_S;
        return;
    }
    log_notice("db: back on the first host of db.host (%s:%u)", host_name(db, 0),
               db->hosts[0].port);
    db_drop_connection(db);
    db->conn = conn;
    db->cur = 0;
    db->wsrep = wsrep;
    db->causal = false;
    db->home_retry_at = 0;
    db->last_used = time(NULL);
}

void dbc_next_host(struct db *db)
{
    if (db->nhosts > 1 && !(db->opts.socket && *db->opts.socket))
        db->cur = (db->cur + 1) % db->nhosts;
}

int dbc_wait(MYSQL *conn, int status, long long deadline_ms)
{
    struct pollfd p = { .fd = mysql_get_socket(conn), .events = 0 };
    if (status & MYSQL_WAIT_READ)
        p.events |= POLLIN;
    if (status & MYSQL_WAIT_WRITE)
        p.events |= POLLOUT;
    if (status & MYSQL_WAIT_EXCEPT)
        p.events |= POLLPRI;
    for (;;) {
        long long left = deadline_ms - dbc_now_ms();
        if (left <= 0)
            return -1;
        if (status & MYSQL_WAIT_TIMEOUT) {
            long long lib = (long long)mysql_get_timeout_value_ms(conn);
            if (lib < left)
                left = lib;
        }
        int r = poll(&p, 1, (int)left);
        if (r < 0)
            continue;   /* EINTR */
        if (r == 0) {
            if ((status & MYSQL_WAIT_TIMEOUT) && dbc_now_ms() < deadline_ms)
                return MYSQL_WAIT_TIMEOUT;
            return -1;
        }
        int ready = 0;
        if (p.revents & (POLLIN | POLLHUP | POLLERR))
            ready |= MYSQL_WAIT_READ;
        if (p.revents & POLLOUT)
            ready |= MYSQL_WAIT_WRITE;
        if (p.revents & POLLPRI)
            ready |= MYSQL_WAIT_EXCEPT;
        return ready;
    }
}

/* ----- public: the handle ---------------------------------------------------------- */

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
    db->opts.user = dup_opt(opts->user, &ok);
    db->opts.password = dup_opt(opts->password, &ok);
    db->opts.name = dup_opt(opts->name, &ok);
    if (!dbc_hosts_init(db, opts->host, opts->port))
        ok = false;
    if (!ok) {
        log_error("db: out of memory");
        db_close(db);
        return NULL;
    }
    if (!dbc_open(db))
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
    dbc_hosts_free(db);
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

/* The retry rule after a lost connection (db.h). */
bool db_retry_safe(const char *sql, bool sent)
{
    if (!sent)
        return true;
    while (*sql == ' ' || *sql == '\t' || *sql == '\n' || *sql == '(')
        sql++;
    /* SET STATEMENT var = value FOR <statement> (db_query_causal): the statement decides */
    if (strncasecmp(sql, "SET STATEMENT ", 14) == 0) {
        const char *f = strstr(sql, " FOR ");
        if (!f)
            return false;
        sql = f + 5;
    }
    return strncasecmp(sql, "SELECT", 6) == 0 || strncasecmp(sql, "SHOW", 4) == 0;
}

/* ----- public: Galera ------------------------------------------------------------------ */

bool db_wsrep(const struct db *db)
{
    return db && db->conn && db->wsrep;
}

bool db_ready(struct db *db)
{
    if (!db_ping(db))
        return false;
    bool wsrep = false;
    int ready = node_ready(db->conn, &wsrep);
    if (ready == 1)
        return true;
    db_set_error(db, 1047, "the Galera node is not ready (wsrep_ready OFF or not Synced)");
    if (!db->in_tx) {
        db_drop_connection(db);
        dbc_next_host(db);   /* this worker's next statement goes to another host */
    }
    return false;
}

void db_attempt_begin(struct db *db)
{
    if (!db)
        return;
    db->retryable = false;
    db->mark = db->writes;
}

bool db_attempt_retryable(const struct db *db)
{
    return db && db->retryable && db->writes == db->mark && !db->in_tx;
}

int db_set_causal(struct db *db, bool on)
{
    if (!db || !db->conn || !db->wsrep || db->causal == on || db->in_tx)
        return DB_OK;
    static const char on_sql[] = "SET SESSION wsrep_sync_wait = 1";
    static const char off_sql[] = "SET SESSION wsrep_sync_wait = 0";
    const char *sql = on ? on_sql : off_sql;
    if (mysql_real_query(db->conn, sql, (unsigned long)strlen(sql)) != 0) {
        db_set_error(db, mysql_errno(db->conn), mysql_error(db->conn));
        log_warning("db: %s: %s", sql, db->error);
        return DB_ERROR;
    }
    db->causal = on;
    return DB_OK;
}

const char *dbc_causal_text(struct db *db, const char *sql)
{
    for (size_t i = 0; i < DB_CAUSAL_SLOTS; i++) {
        if (db->causal_sql[i].sql == sql)
            return db->causal_sql[i].text;
        if (!db->causal_sql[i].sql) {
            static const char prefix[] = "SET STATEMENT wsrep_sync_wait = 1 FOR ";
            size_t n = strlen(prefix) + strlen(sql) + 1;
            char *t = malloc(n);
            if (!t)
                return NULL;
            snprintf(t, n, "%s%s", prefix, sql);
            db->causal_sql[i].sql = sql;
            db->causal_sql[i].text = t;
            return t;
        }
    }
    return NULL;   /* more causal statements than slots: the caller runs the plain one */
}
