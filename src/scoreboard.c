/* The scoreboard the workers report into (shared memory, see pool.h): what a worker writes
 * around each request, and how the master empties a slot. */
#include "config.h"
#include "usher/scoreboard.h"

#include <stdio.h>

void scoreboard_request_start(struct scoreboard *sb, int slot, const char *method,
                              const char *uri, uint64_t content_length)
{
    struct worker_slot *ws = &sb->slots[slot];
    size_t i = 0;
    for (; uri && uri[i] && uri[i] != '?' && i + 1 < sizeof(ws->request_uri); i++)
        ws->request_uri[i] = (unsigned char)uri[i] < 0x20 || uri[i] == 0x7f ? '?' : uri[i];
    ws->request_uri[i] = '\0';
    snprintf(ws->request_method, sizeof(ws->request_method), "%s", method ? method : "-");
    ws->content_length = content_length;
    ws->requests++;
    if (__atomic_load_n(&ws->state, __ATOMIC_RELAXED) != WORKER_ACTIVE)  /* not since accept */
        __atomic_store_n(&ws->request_started_us, scoreboard_now_us(), __ATOMIC_RELAXED);
    /* The state is published last, so the master never sees ACTIVE with a stale start. */
    __atomic_store_n(&ws->state, WORKER_ACTIVE, __ATOMIC_RELEASE);
    __atomic_add_fetch(&sb->accepted_conn, 1, __ATOMIC_RELAXED);

    int idle = 0, active = 0;
    for (int s = 0; s < sb->nslots; s++) {
        if (!sb->slots[s].pid)
            continue;
        int st = __atomic_load_n(&sb->slots[s].state, __ATOMIC_RELAXED);
        if (st == WORKER_IDLE && s != slot)
            idle++;
        else if (st == WORKER_ACTIVE)
            active++;
    }
    if (idle == 0)
        __atomic_add_fetch(&sb->max_children_reached, 1, __ATOMIC_RELAXED);
    int seen = __atomic_load_n(&sb->max_active_processes, __ATOMIC_RELAXED);
    while (active > seen &&
           !__atomic_compare_exchange_n(&sb->max_active_processes, &seen, active, false,
                                        __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
}

void scoreboard_request_accepted(struct scoreboard *sb, int slot)
{
    struct worker_slot *ws = &sb->slots[slot];
    snprintf(ws->request_method, sizeof(ws->request_method), "-");
    snprintf(ws->request_uri, sizeof(ws->request_uri), "(reading FastCGI params)");
    __atomic_store_n(&ws->request_started_us, scoreboard_now_us(), __ATOMIC_RELAXED);
    __atomic_store_n(&ws->state, WORKER_ACTIVE, __ATOMIC_RELEASE);
}

void scoreboard_request_not_served(struct scoreboard *sb, int slot)
{
    __atomic_store_n(&sb->slots[slot].state, WORKER_IDLE, __ATOMIC_RELEASE);
}

void scoreboard_request_end(struct scoreboard *sb, int slot, uint64_t memory,
                            uint32_t cpu_centi)
{
    struct worker_slot *ws = &sb->slots[slot];
    ws->last_duration_us = scoreboard_now_us() - ws->request_started_us;
    ws->last_memory = memory;
    ws->last_cpu_centi = cpu_centi;
    __atomic_store_n(&ws->state, WORKER_IDLE, __ATOMIC_RELEASE);
}

void scoreboard_slot_clear(struct worker_slot *ws)
{
    ws->pid = 0;
    ws->state = WORKER_EMPTY;
    ws->generation = 0;
    ws->start_time = 0;
    ws->requests = 0;
    ws->request_started_us = 0;
    ws->last_duration_us = 0;
    ws->content_length = 0;
    ws->last_memory = 0;
    ws->last_cpu_centi = 0;
    ws->request_method[0] = '\0';
    ws->request_uri[0] = '\0';
}

int64_t scoreboard_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
