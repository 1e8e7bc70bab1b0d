#ifndef USHER_POOL_H
#define USHER_POOL_H
/* The php-fpm style master: opens (or inherits on fd 0) the listening socket, forks
 * pm.max_children workers, respawns the ones that die, recycles after pm.max_requests,
 * kills workers over request_terminate_timeout, and handles TERM/INT (stop now),
 * QUIT (graceful stop), USR1 (reopen logs) and USR2 (reload config, replace workers). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "usher/config.h"

struct usher_config;

enum worker_state { WORKER_EMPTY = 0, WORKER_IDLE, WORKER_ACTIVE, WORKER_EXITING };

/* One slot per worker in a MAP_SHARED page, written by the worker, read by the master and
 * by the status page. The master fills pid, generation and start_time when it forks and
 * empties the slot when it reaps. */
struct worker_slot {
    volatile pid_t pid;
    volatile int state;                 /* enum worker_state */
    volatile int generation;            /* config generation that started it */
    volatile time_t start_time;         /* wall clock, when forked */
    volatile uint64_t requests;         /* served by this process */
    volatile int64_t request_started_us;/* CLOCK_MONOTONIC us of the current/last request */
    volatile int64_t last_duration_us;  /* of the last finished request */
    volatile uint64_t content_length;   /* of the current/last request */
    volatile uint64_t last_memory;      /* arena bytes held by the last request */
    volatile uint32_t last_cpu_centi;   /* CPU of the last request, percent x 100 */
    char request_method[8];             /* current/last request (status page) */
    char request_uri[128];              /* its path, never the query string */
};


struct scoreboard {
    char pool[POOL_NAME_SIZE];
    time_t start_time;
    volatile uint64_t accepted_conn;    /* updated with __atomic builtins */
    volatile uint64_t max_children_reached;
    volatile uint64_t max_listen_queue; /* highest accept queue seen (TCP only) */
    volatile int max_active_processes;
    volatile int listen_is_unix;
    volatile int listen_backlog;        /* 0 when unknown (inherited socket) */
    volatile int nslots;                /* slots[0..nslots) may be in use */
    volatile int bcrypt_tokens[SCOREBOARD_MAX_WORKERS]; /* work_gate.h: holder pid or 0 */
    volatile int bcrypt_waiters[SCOREBOARD_MAX_WORKERS]; /* work_gate.h: waiting pid or 0 */
    volatile int bcrypt_last_hold_ms;   /* work_gate.h: how long the latest token was held */
    struct worker_slot slots[SCOREBOARD_MAX_WORKERS];
};

/* Runs the master in the foreground until stopped: opens the error log, checks user/group,
 * calls secret_load(), opens the socket, forks the workers. config_path (NULL = defaults
 * and environment only) is re-read on SIGUSR2; cfg is the configuration already loaded
 * from it, owned by the caller but replaced in place on a successful reload. Returns the
 * process exit status: 0 after a stop, 1 when start-up failed (reason logged). */
int pool_main(const char *config_path, struct usher_config *cfg);

/* The checks of a configuration that need the system, beyond config_load: user, group,
 * listen.owner and listen.group must name existing accounts (or be numeric ids). Returns
 * 0, or -1 with the reason in err. */
int pool_check_config(const struct usher_config *cfg, char *err, size_t errlen);

/* Used by workers: mark busy/idle around a request. request_accepted marks the slot busy
 * from the moment a connection is accepted, before its FastCGI params are read, so
 * request_terminate_timeout also ends a connection that stalls before them;
 * request_not_served puts it back to idle when the connection ended before params.
 * request_start counts the request in accepted_conn (and in max_children_reached when no
 * other worker is idle) and keeps the start time request_accepted set (else it is now);
 * uri is cut at '?' and control characters are replaced. request_end records the
 * request's duration, CPU share and memory (bytes held by its arena). */
void scoreboard_request_accepted(struct scoreboard *sb, int slot);
void scoreboard_request_not_served(struct scoreboard *sb, int slot);
void scoreboard_request_start(struct scoreboard *sb, int slot, const char *method,
                              const char *uri, uint64_t content_length);
void scoreboard_request_end(struct scoreboard *sb, int slot, uint64_t memory,
                            uint32_t cpu_centi);

/* CLOCK_MONOTONIC in microseconds. */
int64_t pool_now_us(void);
/* Empties a slot (the master, when its worker is gone). */
void scoreboard_slot_clear(struct worker_slot *ws);

#endif
