#ifndef USHER_SCOREBOARD_H
#define USHER_SCOREBOARD_H
/* The scoreboard the master and its workers share (a MAP_SHARED page the master maps before
 * forking): one slot per worker, written by the worker around each request, read by the
 * master (timeouts, respawns) and by the status page. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "usher/config.h"

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
int64_t scoreboard_now_us(void);
/* Empties a slot (the master, when its worker is gone). */
void scoreboard_slot_clear(struct worker_slot *ws);

#endif
