/* The status page, in php-fpm's formats and with php-fpm's keys, so the monitoring that
 * already reads php-fpm's (check_php-fpm, prometheus exporters, munin) reads usher's too. */
#include "config.h"
#include "usher/status.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <json-c/json.h>

#include "usher/config.h"
#include "usher/scoreboard.h"
#include "usher/response.h"

int status_listen_queue(int listen_fd, unsigned *queue, unsigned *limit)
{
#if defined(__linux__) && defined(TCP_INFO)
    struct tcp_info ti;
    socklen_t len = sizeof(ti);
    memset(&ti, 0, sizeof(ti));
    if (getsockopt(listen_fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 || ti.tcpi_state != TCP_LISTEN)
        return -1;
    /* On a listening socket Linux reports the accept queue here. */
    *queue = ti.tcpi_unacked;
    *limit = ti.tcpi_sacked;
    return 0;
#else
    (void)listen_fd;
    (void)queue;
    (void)limit;
    return -1;
#endif
}

struct summary {
    uint64_t accepted, max_children_reached, max_listen_queue;
    unsigned listen_queue, listen_queue_len;
    int idle, active, total, max_active;
};

static void summarise(const struct scoreboard *sb, int listen_fd, struct summary *s)
{
    memset(s, 0, sizeof(*s));
    s->accepted = __atomic_load_n(&sb->accepted_conn, __ATOMIC_RELAXED);
    s->max_children_reached = __atomic_load_n(&sb->max_children_reached, __ATOMIC_RELAXED);
    unsigned q, lim;
    if (!sb->listen_is_unix && status_listen_queue(listen_fd, &q, &lim) == 0) {
        s->listen_queue = q;
        s->listen_queue_len = lim;
    } else {
        s->listen_queue_len = sb->listen_backlog > 0 ? (unsigned)sb->listen_backlog : 0;
    }
    s->max_listen_queue = sb->max_listen_queue;
    if (s->listen_queue > s->max_listen_queue)
        s->max_listen_queue = s->listen_queue;
    for (int i = 0; i < sb->nslots; i++) {
        const struct worker_slot *ws = &sb->slots[i];
        if (!ws->pid)
            continue;
        s->total++;
        if (ws->state == WORKER_ACTIVE)
            s->active++;
        else if (ws->state == WORKER_IDLE)
            s->idle++;
    }
    s->max_active = sb->max_active_processes;
    if (s->active > s->max_active)
        s->max_active = s->active;
}

static const char *state_name(int state)
{
    switch (state) {
    case WORKER_IDLE: return "Idle";
    case WORKER_ACTIVE: return "Running";
    case WORKER_EXITING: return "Finishing";
    default: return "Unknown";
    }
}

/* One worker's view, copied out of the shared page. */
struct proc {
    long pid;
    const char *state;
    time_t start_time;
    uint64_t requests, duration_us, content_length, memory;
    double cpu;
    char method[sizeof(((struct worker_slot *)0)->request_method)];
    char uri[sizeof(((struct worker_slot *)0)->request_uri)];
};

static void read_proc(const struct worker_slot *ws, int64_t now_us, struct proc *p)
{
    int state = ws->state;
    p->pid = (long)ws->pid;
    p->state = state_name(state);
    p->start_time = ws->start_time;
    p->requests = ws->requests;
    int64_t started = ws->request_started_us;
    /* php-fpm's rule: a busy worker shows how long its request has run so far, an idle one
     * how long its last request took. */
    p->duration_us = state == WORKER_ACTIVE ? (uint64_t)(now_us - started)
                                            : (uint64_t)ws->last_duration_us;
    if (!p->requests)
        p->duration_us = 0;
    p->content_length = ws->content_length;
    p->memory = ws->last_memory;
    p->cpu = ws->last_cpu_centi / 100.0;
    memcpy(p->method, ws->request_method, sizeof(p->method));
    p->method[sizeof(p->method) - 1] = '\0';
    memcpy(p->uri, ws->request_uri, sizeof(p->uri));
    p->uri[sizeof(p->uri) - 1] = '\0';
    if (!p->method[0])
        strcpy(p->method, "-");
    if (!p->uri[0])
        strcpy(p->uri, "-");
}

static void text_page(const struct scoreboard *sb, const struct summary *s, bool full,
                      struct response *res)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        response_bytes(res, 500, "text/plain", "out of memory\n", 14);
        return;
    }
    time_t now = time(NULL);
    char started[64];
    struct tm tm;
    localtime_r(&sb->start_time, &tm);
    strftime(started, sizeof(started), "%d/%b/%Y:%H:%M:%S %z", &tm);
    fprintf(f, "%-22s%s\n", "pool:", sb->pool);
    fprintf(f, "%-22s%s\n", "process manager:", "static");
    fprintf(f, "%-22s%s\n", "start time:", started);
    fprintf(f, "%-22s%lld\n", "start since:", (long long)(now - sb->start_time));
    fprintf(f, "%-22s%llu\n", "accepted conn:", (unsigned long long)s->accepted);
    fprintf(f, "%-22s%u\n", "listen queue:", s->listen_queue);
    fprintf(f, "%-22s%llu\n", "max listen queue:", (unsigned long long)s->max_listen_queue);
    fprintf(f, "%-22s%u\n", "listen queue len:", s->listen_queue_len);
    fprintf(f, "%-22s%d\n", "idle processes:", s->idle);
    fprintf(f, "%-22s%d\n", "active processes:", s->active);
    fprintf(f, "%-22s%d\n", "total processes:", s->total);
    fprintf(f, "%-22s%d\n", "max active processes:", s->max_active);
    fprintf(f, "%-22s%llu\n", "max children reached:",
            (unsigned long long)s->max_children_reached);
    fprintf(f, "%-22s%d\n", "slow requests:", 0);
    int64_t now_us = scoreboard_now_us();
    for (int i = 0; full && i < sb->nslots; i++) {
        if (!sb->slots[i].pid)
            continue;
        struct proc p;
        read_proc(&sb->slots[i], now_us, &p);
        localtime_r(&p.start_time, &tm);
        strftime(started, sizeof(started), "%d/%b/%Y:%H:%M:%S %z", &tm);
        fprintf(f, "\n************************\n");
        fprintf(f, "%-22s%ld\n", "pid:", p.pid);
        fprintf(f, "%-22s%s\n", "state:", p.state);
        fprintf(f, "%-22s%s\n", "start time:", started);
        fprintf(f, "%-22s%lld\n", "start since:", (long long)(now - p.start_time));
        fprintf(f, "%-22s%llu\n", "requests:", (unsigned long long)p.requests);
        fprintf(f, "%-22s%llu\n", "request duration:", (unsigned long long)p.duration_us);
        fprintf(f, "%-22s%s\n", "request method:", p.method);
        fprintf(f, "%-22s%s\n", "request URI:", p.uri);
        fprintf(f, "%-22s%llu\n", "content length:", (unsigned long long)p.content_length);
        fprintf(f, "%-22s%s\n", "user:", "-");
        fprintf(f, "%-22s%s\n", "script:", "-");
        fprintf(f, "%-22s%.2f\n", "last request cpu:", p.cpu);
        fprintf(f, "%-22s%llu\n", "last request memory:", (unsigned long long)p.memory);
    }
    fclose(f);
    response_bytes(res, 200, "text/plain", buf, len);
    free(buf);
}

static void add_u64(struct json_object *o, const char *key, uint64_t v)
{
    json_object_object_add(o, key, json_object_new_uint64(v));
}

static void add_i64(struct json_object *o, const char *key, int64_t v)
{
    json_object_object_add(o, key, json_object_new_int64(v));
}

static void add_str(struct json_object *o, const char *key, const char *v)
{
    json_object_object_add(o, key, json_object_new_string(v));
}

static void json_page(const struct scoreboard *sb, const struct summary *s, bool full,
                      struct response *res)
{
    time_t now = time(NULL);
    struct json_object *o = json_object_new_object();
    add_str(o, "pool", sb->pool);
    add_str(o, "process manager", "static");
    add_i64(o, "start time", sb->start_time);
    add_i64(o, "start since", now - sb->start_time);
    add_u64(o, "accepted conn", s->accepted);
    add_u64(o, "listen queue", s->listen_queue);
    add_u64(o, "max listen queue", s->max_listen_queue);
    add_u64(o, "listen queue len", s->listen_queue_len);
    add_i64(o, "idle processes", s->idle);
    add_i64(o, "active processes", s->active);
    add_i64(o, "total processes", s->total);
    add_i64(o, "max active processes", s->max_active);
    add_u64(o, "max children reached", s->max_children_reached);
    add_i64(o, "slow requests", 0);
    if (full) {
        struct json_object *list = json_object_new_array();
        int64_t now_us = scoreboard_now_us();
        for (int i = 0; i < sb->nslots; i++) {
            if (!sb->slots[i].pid)
                continue;
            struct proc p;
            read_proc(&sb->slots[i], now_us, &p);
            struct json_object *po = json_object_new_object();
            add_i64(po, "pid", p.pid);
            add_str(po, "state", p.state);
            add_i64(po, "start time", p.start_time);
            add_i64(po, "start since", now - p.start_time);
            add_u64(po, "requests", p.requests);
            add_u64(po, "request duration", p.duration_us);
            add_str(po, "request method", p.method);
            add_str(po, "request uri", p.uri);
            add_u64(po, "content length", p.content_length);
            add_str(po, "user", "-");
            add_str(po, "script", "-");
            char cpu[32];
            snprintf(cpu, sizeof(cpu), "%.2f", p.cpu);
            json_object_object_add(po, "last request cpu", json_object_new_double_s(p.cpu, cpu));
            add_u64(po, "last request memory", p.memory);
            json_object_array_add(list, po);
        }
        json_object_object_add(o, "processes", list);
    }
    response_json(res, 200, o);
}

void status_page(const struct scoreboard *sb, const struct usher_config *cfg, int listen_fd,
                 bool as_json, bool full, struct response *res)
{
    (void)cfg;
    struct summary s;
    summarise(sb, listen_fd, &s);
    if (as_json)
        json_page(sb, &s, full, res);
    else
        text_page(sb, &s, full, res);
    res->no_store = true;
}
