#ifndef USHER_DB_CONN_H
#define USHER_DB_CONN_H
/* The connection handle shared by db.c (statements, transactions) and cluster.c (the host
 * list, connecting and failing over, node readiness, bounded and causal statements).
 * Private to src/db/. */
#include <stdbool.h>
#include <time.h>

#include <mysql.h>

#include "usher/config.h"
#include "stmt_cache.h"

enum {
    /* A fallback host is left for the first one again after this long. */
    DB_HOME_RETRY_S = 30,
    /* Causal SQL variants cached per connection handle (db_query_causal). */
    DB_CAUSAL_SLOTS = 8,
};

struct db {
    MYSQL *conn;               /* NULL while disconnected */
    struct {
        char *socket, *user, *password, *name;
    } opts;
    struct config_db_host *hosts;   /* db.host as a list (one entry: "" = the default) */
    size_t nhosts;
    size_t cur;                /* the host of conn, or the first one the next connect tries */
    time_t home_retry_at;      /* on a fallback host: when to try hosts[0] again */
    struct stmt_cache cache;   /* prepared statements by SQL address */
    bool in_tx;
    bool tx_broken;            /* a statement failed inside the open transaction */
    bool wsrep;                /* the connected server is a Galera node (wsrep_on) */
    bool causal;               /* SET SESSION wsrep_sync_wait = 1 in effect (db_set_causal) */
    bool retryable;            /* since db_attempt_begin: a failure worth running again */
    unsigned long long writes; /* writes committed through this handle */
    unsigned long long mark;   /* writes at db_attempt_begin */
    time_t bounded_skip_until; /* after a bounded statement timed out: skip them till then */
    time_t last_connect_log;
    time_t last_used;          /* when the last statement succeeded */
    struct { const char *sql; char *text; } causal_sql[DB_CAUSAL_SLOTS];
    unsigned int last_err;     /* the errno of error */
    char error[512];
};

/* cluster.c */
bool dbc_hosts_init(struct db *db, const char *host, unsigned int port);
void dbc_hosts_free(struct db *db);
/* Connects to the current host, else the next ones in turn (a Galera node that is not
 * ready is passed over); false when none answered (db->error set, logged rate-limited).
 * On a fallback host, comes back to the first one after DB_HOME_RETRY_S. */
bool dbc_open(struct db *db);
/* Before a statement outside a transaction: on a fallback host for long enough, try the
 * first host again and move there when it is ready. */
void dbc_maybe_go_home(struct db *db);
/* The connection broke or its node is not ready: the next connect starts at the next host. */
void dbc_next_host(struct db *db);
/* Waits (poll) for what a non-blocking call asked (status); returns the status for its
 * _cont call, or -1 once deadline_ms (CLOCK_MONOTONIC milliseconds) has passed. */
int dbc_wait(MYSQL *conn, int status, long long deadline_ms);
long long dbc_now_ms(void);
/* "SET STATEMENT wsrep_sync_wait = 1 FOR " + sql, made once per sql address; NULL when
 * out of slots or memory. */
const char *dbc_causal_text(struct db *db, const char *sql);

/* db.c */
void db_drop_connection(struct db *db);
void db_set_error(struct db *db, unsigned int err, const char *msg);

#endif
