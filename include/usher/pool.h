#ifndef USHER_POOL_H
#define USHER_POOL_H
/* The php-fpm style master: opens (or inherits on fd 0) the listening socket, forks
 * pm.max_children workers, respawns the ones that die, recycles after pm.max_requests,
 * kills workers over request_terminate_timeout, and handles TERM/INT (stop now),
 * QUIT (graceful stop), USR1 (reopen logs) and USR2 (reload config, replace workers). */
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

struct usher_config;

enum worker_state { WORKER_EMPTY = 0, WORKER_IDLE, WORKER_ACTIVE, WORKER_EXITING };

/* One slot per worker in a MAP_SHARED page, written by the worker, read by the master and
 * by the status page. */
struct worker_slot {
    volatile pid_t pid;
    volatile int state;                 /* enum worker_state */
    volatile uint64_t requests;         /* served by this process */
    volatile int64_t request_started_ms;/* CLOCK_MONOTONIC ms while ACTIVE */
    volatile int generation;            /* config generation that started it */
    char request_uri[128];              /* current/last request (status page) */
};

#define SCOREBOARD_MAX_WORKERS 512

struct scoreboard {
    char pool[64];
    time_t start_time;
    volatile uint64_t accepted_conn;    /* updated with __atomic builtins */
    volatile uint64_t max_children_reached;
    volatile int listen_is_unix;
    volatile int nslots;
    struct worker_slot slots[SCOREBOARD_MAX_WORKERS];
};

/* Runs the master until stopped. config_path is re-read on SIGUSR2. test_only: check the
 * config and exit. Returns the exit status. */
int pool_main(const char *config_path, struct usher_config *cfg);

/* Used by workers: mark busy/idle around a request. */
void scoreboard_request_start(struct scoreboard *sb, int slot, const char *uri);
void scoreboard_request_end(struct scoreboard *sb, int slot);

#endif
