#ifndef USHER_DB_H
#define USHER_DB_H
/* The data layer's connection: one MariaDB connection per worker process, opened after
 * fork. SQL runs only through prepared statements, cached per connection by the address
 * of the SQL string (so pass string literals or other static strings; a changed text at a
 * cached address is detected and re-prepared, but costs a prepare each time) and
 * re-prepared after a reconnect. A statement that fails because the server has gone away
 * (2006, 2013, 2055, 1927, 4031) is retried once on a new connection when it cannot have
 * been applied or only reads (db_retry_safe), and never inside a transaction. Nothing here knows about HTTP. Results are copied into the caller's arena
 * as strings. Errors are logged with the server's message and the SQL text (a literal),
 * never with parameter values.
 *
 * Session: utf8mb4, autocommit on, sql_mode strict (STRICT_ALL_TABLES: an over-long value
 * is an error, not truncated), time_zone '+00:00', and CLIENT_FOUND_ROWS: the affected
 * count of an UPDATE is the number of rows it MATCHED, so 0 means "no such row" even when
 * the new values equal the old ones. */
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

struct arena;
struct db;

struct db_options {
    const char *socket;   /* unix socket path, or NULL for host/port */
    const char *host;     /* "host[:port][,host[:port]...]" (config_db_hosts) or NULL */
    unsigned int port;    /* for the hosts without one */
    const char *user;
    const char *password;
    const char *name;     /* database */
};

enum db_param_type { DB_T_NULL, DB_T_STR, DB_T_INT };

/* One "?" parameter. Build with the helpers below. */
struct db_param {
    enum db_param_type type;
    const char *s;        /* DB_T_STR: bytes (need not be NUL-terminated) */
    size_t len;
    long long i;          /* DB_T_INT */
};

static inline struct db_param db_str(const char *s);
static inline struct db_param db_strn(const char *s, size_t len);
static inline struct db_param db_int(long long i);
static inline struct db_param db_null(void);
/* A string, or SQL NULL when s is NULL. */
static inline struct db_param db_str_or_null(const char *s);

/* Rows of a SELECT, every cell a NUL-terminated string or NULL for SQL NULL. */
struct db_result {
    size_t nrows, ncols;
    char **cells;          /* nrows * ncols, row-major */
    size_t *lens;
};
static inline const char *db_cell(const struct db_result *r, size_t row, size_t col)
{
    return r->cells[row * r->ncols + col];
}

/* A cell's text as an integer; 0 for NULL (a cell of an integer column). */
static inline long long db_text_ll(const char *text)
{
    return text ? strtoll(text, NULL, 10) : 0;
}

static inline long long db_cell_ll(const struct db_result *r, size_t row, size_t col)
{
    return db_text_ll(db_cell(r, row, col));
}

/* Return codes. */
enum {
    DB_OK = 0,
    DB_ERROR = -1,         /* logged with the server's message; the request should 500 */
    DB_DUPLICATE = -2,     /* ER_DUP_ENTRY (1062): a unique key said no */
    DB_NOT_FOUND = -3,     /* used by the model modules: no such row */
    /* (-4 is DB_REFUSED, db_users.h) */
    DB_TIMEOUT = -5,       /* a bounded statement had no answer in time (db_exec_bounded) */
};

/* Connects (with MYSQL_OPT_RECONNECT off: reconnection is ours; connect timeout 5 s, 2 s
 * per host of a db.host list, 1 s for the look back at the first host of a list;
 * read/write timeouts 30 s). If the server cannot be reached now, the failure is logged
 * and a usable handle is still returned: every later call first tries to connect, so a
 * worker can start while MariaDB is down (use db_ping to know whether it is up).
 * Connection failures are logged at most once per 10 s. The options are copied.
 * Returns NULL only when out of memory. */
struct db *db_connect(const struct db_options *opts);
/* Closes the statements and the connection. NULL is accepted. */
void db_close(struct db *db);
/* For the worker, every 1,000 requests, between two: closes the prepared statements not
 * asked for in the last 10,000 requests (a rare admin listing's or search's), so that a
 * worker does not keep their memory, about 17 KB each in the client library, for good.
 * Preparing one again costs about 0.1 ms: under 10 ns a request at that distance. NULL is
 * accepted; inside a transaction nothing is closed. */
void db_forget_idle_statements(struct db *db);
/* True when the server answers (mysql_ping, reconnecting once if it had gone away, or
 * connecting if never connected). Inside a transaction a lost connection is not replaced:
 * false, and the transaction is marked failed. */
bool db_ping(struct db *db);

/* The retry rule after a lost connection: may sql run again on a new connection? True
 * when it cannot have been applied (never sent: the failure came while preparing, or while
 * sending it), or when it only reads (SELECT, SHOW). A write whose reply was lost may have
 * been applied, and running it again could apply it twice (a counter bumped twice, a row
 * inserted twice): it fails instead. Pure; used by db_exec/db_query, public for the tests. */
bool db_retry_safe(const char *sql, bool sent);

/* Runs an INSERT/UPDATE/DELETE (no DDL) statement. affected (may be NULL) gets the
 * affected-rows count (matched rows for UPDATE, see above; 0 on error). Returns DB_OK,
 * DB_DUPLICATE (1062/1586; logged at debug level only) or DB_ERROR (logged).
 * A lost connection is retried once on a new one only as db_retry_safe allows; before a
 * write on a connection idle for 10 seconds or more the connection is pinged (and
 * replaced when gone), so a connection the server closed meanwhile does not fail it.
 * Inside a transaction, DB_ERROR (and any lost connection) marks the transaction failed:
 * later statements are refused and db_commit rolls back and fails. DB_DUPLICATE does not:
 * MariaDB undoes only the failing statement, and the caller decides (usually rollback). */
int db_exec(struct db *db, const char *sql, const struct db_param *params, size_t nparams,
            unsigned long long *affected);
/* Runs a SELECT; rows are copied into arena (every cell as text: numbers in decimal,
 * DATE as YYYY-MM-DD, NULL as a NULL cell). out is zeroed first, so it is safe to read
 * out->nrows after an error. Returns DB_OK or DB_ERROR (same transaction rule). */
int db_query(struct db *db, struct arena *arena, const char *sql, const struct db_param *params,
             size_t nparams, struct db_result *out);
/* For a SELECT of one column that finds at most one row: *cell gets its value (arena, NULL
 * for SQL NULL). Returns DB_OK, DB_NOT_FOUND (no row) or DB_ERROR. */
int db_query_cell(struct db *db, struct arena *arena, const char *sql,
                  const struct db_param *params, size_t nparams, const char **cell);
/* Runs sql as a plain (unprepared) batch of ';'-separated statements, parsed by the
 * server (multi-statement mode is switched on for this call only), so quotes and comments
 * are handled as the server does; DELIMITER is a client command and is not supported.
 * Stops at the first failing statement; db_error() then says "statement N: ...". Only for
 * migrations and fixed DDL. Returns DB_OK, DB_DUPLICATE or DB_ERROR. */
int db_exec_script(struct db *db, const char *sql);

/* Transactions (START TRANSACTION / COMMIT / ROLLBACK). begin fails if one is open.
 * commit fails (after rolling back) if any statement of the transaction failed or the
 * connection was lost, and when none is open. rollback always returns DB_OK and is
 * harmless when none is open; if the server does not answer it, the connection is closed
 * (which rolls back too) and the next statement reconnects. DDL commits implicitly in
 * MariaDB: do not mix it into a transaction you mean to roll back. */
int db_begin(struct db *db);
int db_commit(struct db *db);
int db_rollback(struct db *db);
bool db_in_transaction(const struct db *db);

/* ----- Several hosts and Galera ---------------------------------------------------------
 * db.host may name several servers (config_db_hosts): a connection goes to the first that
 * answers and is ready, starting from the current one. A Galera node (wsrep_on) counts as
 * ready only with wsrep_ready ON in the Synced state. A connection that breaks mid-statement
 * (2013, 2055, 1927) or a node that refuses a statement as not ready (1047) sends the next
 * connection to the next host (a 1047'd statement never ran, so it is retried there like
 * an unsent one); on a fallback host for 30 s, the next statement outside a transaction
 * tries the first host again and moves back when it is ready. */

/* True when the open connection's server is a Galera node with wsrep_on. */
bool db_wsrep(const struct db *db);
/* For /health/db: true when the server answers (db_ping) and, on Galera, this node is
 * ready (wsrep_ready ON, Synced). A node that is not ready is left: the next statement
 * goes to the next host of db.host. */
bool db_ready(struct db *db);
/* Conflicts retried: db_attempt_begin marks the start of an attempt (a handler's run);
 * db_attempt_retryable then says whether the attempt failed in a way that running it again
 * can cure and nothing it did was kept: a transaction (or a statement, after its own retry)
 * lost a deadlock or a Galera certification conflict (1213, at a statement or at COMMIT),
 * or died with its connection or its node (not at COMMIT), and no write was committed
 * since the mark. No transaction may be open. */
void db_attempt_begin(struct db *db);
bool db_attempt_retryable(const struct db *db);
/* On Galera: SET SESSION wsrep_sync_wait = 1 (on) or 0 (off) on this connection, so its
 * reads see every write committed anywhere before them (used for a request run again after
 * a conflict). A no-op elsewhere, inside a transaction, or when already so. DB_OK or
 * DB_ERROR (logged as a warning). A new connection starts off. */
int db_set_causal(struct db *db, bool on);
/* db_query with causal consistency: on Galera (outside a transaction) the statement runs
 * as SET STATEMENT wsrep_sync_wait = 1 FOR sql, so it sees every write committed on any
 * node before it; when that has no answer in 250 ms (the cluster is evicting a dead node
 * and commits nowhere meanwhile), the connection is replaced and the plain statement runs,
 * and for 5 s after the plain one runs at once. Elsewhere exactly db_query. sql must be
 * static, as for db_query; at most 8 distinct statements per handle are made causal. */
int db_query_causal(struct db *db, struct arena *arena, const char *sql,
                    const struct db_param *params, size_t nparams, struct db_result *out);
/* db_exec for a write that may be skipped (last_active_at, last_seen_at, last_used_at):
 * on Galera, outside a transaction, it waits for its answer at most 250 ms; then the
 * connection is replaced (the write may still apply), DB_TIMEOUT is returned and such
 * writes are skipped (DB_TIMEOUT at once) for 5 s. Elsewhere exactly db_exec. */
int db_exec_bounded(struct db *db, const char *sql, const struct db_param *params,
                    size_t nparams, unsigned long long *affected);

/* The last error, "(errno) message", for logs and the CLI; "no error" if none yet. */
const char *db_error(const struct db *db);
/* False when the last attempt to reach the server failed and no connection is open (the
 * server is down or unreachable): app.c then answers 503 rather than 500. */
bool db_connected(const struct db *db);
/* Number of statements currently prepared (tests, status). */
size_t db_prepared_count(const struct db *db);

/* ----- inline helpers ----- */
#include <string.h>
static inline struct db_param db_str(const char *s)
{ struct db_param p = { DB_T_STR, s, strlen(s), 0 }; return p; }
static inline struct db_param db_strn(const char *s, size_t len)
{ struct db_param p = { DB_T_STR, s, len, 0 }; return p; }
static inline struct db_param db_int(long long i)
{ struct db_param p = { DB_T_INT, NULL, 0, i }; return p; }
static inline struct db_param db_null(void)
{ struct db_param p = { DB_T_NULL, NULL, 0, 0 }; return p; }
static inline struct db_param db_str_or_null(const char *s)
{ return s ? db_str(s) : db_null(); }

#define DB_PARAMS(...) ((const struct db_param[]){ __VA_ARGS__ }), \
    (sizeof((const struct db_param[]){ __VA_ARGS__ }) / sizeof(struct db_param))

#endif
