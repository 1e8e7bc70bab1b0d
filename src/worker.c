/* One worker: the FastCGI accept loop. It answers ping.path and pm.status_path itself and
 * hands every other request to the app, one at a time, with one arena reset after each.
 *
 * Signals. The master's stop/reload messages must never break a request in flight, yet
 * must wake a worker blocked in accept(). Handlers are installed with SA_RESTART, so a
 * signal cannot turn a read or write inside libfcgi or the database client into EINTR (a
 * failed request). SIGQUIT then wakes accept() the way php-fpm does: the handler dup2()s
 * a non-listening socket over the listening descriptor, so the restarted accept() fails
 * with EINVAL at once, and FCGX_ShutdownPending() makes libfcgi give up before its next
 * accept(). Only this process's descriptor changes; the socket stays open in the master
 * and the other workers. */
#include "config.h"
#include "usher/worker.h"

#include <errno.h>
#include <fastcgi.h>
#include <fcgiapp.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include "usher/app.h"
#include "usher/arena.h"
#include "usher/config.h"
#include "usher/log.h"
#include "usher/scoreboard.h"
#include "usher/response.h"
#include "usher/status.h"
#include "usher/work_gate.h"

static volatile sig_atomic_t quit_requested;
static int listen_fd_to_close = -1;   /* the descriptor the SIGQUIT handler replaces */
static int dead_socket = -1;          /* a socket that is not listening */

static void on_quit(int sig)
{
    (void)sig;
    int saved = errno;
    quit_requested = 1;
    FCGX_ShutdownPending();
    if (dead_socket >= 0 && listen_fd_to_close >= 0)
        dup2(dead_socket, listen_fd_to_close);
    errno = saved;
}

static void on_term(int sig)
{
    (void)sig;
    _exit(0);
}

static void on_usr1(int sig)
{
    (void)sig;
    log_reopen_later();
}

/* Must run before FCGX_Init: libfcgi installs its own SIGUSR1 (shutdown) and SIGPIPE
 * handlers only where the disposition is still SIG_DFL. */
static int install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sa.sa_handler = on_quit;
    if (sigaction(SIGQUIT, &sa, NULL) != 0)
        return -1;
    sa.sa_handler = on_usr1;
    if (sigaction(SIGUSR1, &sa, NULL) != 0)
        return -1;
    sa.sa_handler = on_term;
    if (sigaction(SIGTERM, &sa, NULL) != 0)
        return -1;
    /* INT (a terminal's ^C reaches the whole process group) and USR2 are the master's. */
    sa.sa_handler = SIG_IGN;
    if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGUSR2, &sa, NULL) != 0 ||
        sigaction(SIGPIPE, &sa, NULL) != 0)
        return -1;
    sa.sa_handler = SIG_DFL;
    if (sigaction(SIGCHLD, &sa, NULL) != 0)
        return -1;
    sigset_t none;
    sigemptyset(&none);
    return sigprocmask(SIG_SETMASK, &none, NULL);
}

static long read_body(void *ctx, char *buf, size_t len)
{
    FCGX_Request *req = ctx;
    int want = len > INT_MAX ? INT_MAX : (int)len;
    int n = FCGX_GetStr(buf, want, req->in);
    if (n <= 0 && FCGX_GetError(req->in) != 0)
        return -1;
    return n;
}

/* The path of REQUEST_URI (up to '?') equals want; SCRIPT_NAME when there is no URI. */
static bool path_is(const char *uri, const char *want)
{
    if (!uri || !want)
        return false;
    size_t n = strcspn(uri, "?");
    return strlen(want) == n && memcmp(uri, want, n) == 0;
}

static bool query_has(const char *query, const char *word)
{
    size_t wl = strlen(word);
    for (const char *p = query; p && *p;) {
        size_t n = strcspn(p, "&");
        size_t name = strcspn(p, "=&");
        if (name == wl && memcmp(p, word, wl) == 0)
            return true;
        p += n;
        if (*p == '&')
            p++;
    }
    return false;
}

static int64_t cpu_us(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 + ru.ru_utime.tv_usec +
           ru.ru_stime.tv_usec;
}

struct worker {
    const struct usher_config *cfg;
    int listen_fd;
    struct scoreboard *sb;
    int slot;
    struct app *app;
    struct arena *arena;
    FCGX_Request req;
    bool unix_listener;   /* the pool listens on a unix socket (fast close, below) */
};

/* Sends iov[0..n) whole on fd; -1 when the web server went away. */
static int send_all(int fd, struct iovec *iov, size_t n)
{
    while (n > 0) {
        struct msghdr m = { .msg_iov = iov, .msg_iovlen = n };
        ssize_t sent = sendmsg(fd, &m, MSG_NOSIGNAL);
        if (sent < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        while (n > 0 && (size_t)sent >= iov->iov_len) {
            sent -= (ssize_t)iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + sent;
            iov->iov_len -= (size_t)sent;
        }
    }
    return 0;
}

/* An answer larger than libfcgi's 8 KB stream buffer goes straight onto the connection as
 * FCGI_STDOUT records of up to 64 KB, a batch of them in one sendmsg: through libfcgi each
 * 8 KB was a write() and a wake-up of the web server (ten for the 80 KB group listing).
 * Nothing is buffered in libfcgi's stream before it, and FCGX_Finish_r then ends the
 * stream and the request as always. Returns -1 when the web server went away. */
static int write_records(FCGX_Request *req, const char *data, size_t len)
{
    enum { RECORD_MAX = 65528, BATCH = 16 };   /* a multiple of 8: no padding */
    unsigned char head[BATCH][8];
    struct iovec iov[2 * BATCH];
    while (len > 0) {
        size_t n = 0;
        for (; n < BATCH && len > 0; n++) {
            size_t part = len < RECORD_MAX ? len : RECORD_MAX;
            unsigned char *h = head[n];
            h[0] = FCGI_VERSION_1;
            h[1] = FCGI_STDOUT;
            h[2] = (unsigned char)(req->requestId >> 8);
            h[3] = (unsigned char)req->requestId;
            h[4] = (unsigned char)(part >> 8);
            h[5] = (unsigned char)part;
            h[6] = h[7] = 0;   /* no padding, reserved */
            iov[2 * n] = (struct iovec){ h, 8 };
            iov[2 * n + 1] = (struct iovec){ (void *)(uintptr_t)data, part };
            data += part;
            len -= part;
        }
        if (send_all(req->ipcFd, iov, 2 * n) != 0)
            return -1;
    }
    return 0;
}

static void write_out(FCGX_Request *req, const char *data, size_t len)
{
    if (len > 8192) {
        if (write_records(req, data, len) != 0)
            log_debug("the web server went away while the response was written");
        return;
    }
    if (FCGX_PutStr(data, (int)len, req->out) != (int)len)
        log_debug("the web server went away while the response was written");
}

/* Whether the request's input has been read to the end of its stdin stream, reading what
 * is left of it: nothing when nginx sent the stream's closing record with the params (it is
 * then in libfcgi's buffer, and no read is made); Apache's mod_proxy_fcgi sends it in a
 * write of its own, which a read waits for (at most 10 ms); a body the request did not read
 * is read while it keeps coming. False when the end did not come in time (or on an error):
 * the input stream is then closed with an error, and the connection gets libfcgi's
 * lingering close, with the socket's reads blocking again. */
static bool input_read_to_end(FCGX_Request *req)
{
    if (FCGX_HasSeenEOF(req->in))
        return !FCGX_GetError(req->in);
    struct timeval wait = { .tv_usec = 10000 };
    if (setsockopt(req->ipcFd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait)) != 0)
        return false;
    char trash[4096];
    while (!FCGX_HasSeenEOF(req->in))   /* an error closes the stream too */
        FCGX_GetStr(trash, sizeof(trash), req->in);
    if (!FCGX_GetError(req->in))
        return true;
    struct timeval forever = { 0 };
    setsockopt(req->ipcFd, SOL_SOCKET, SO_RCVTIMEO, &forever, sizeof(forever));
    return false;
}

/* Ends the request. On a unix socket that the web server does not keep, once the request's
 * input has been read to its end, the connection is closed plainly: libfcgi's close shuts
 * the sending side and then waits for the web server to close its own (up to 2 s), which
 * keeps a TCP peer from a reset that could drop the answer; a unix socket sends no reset,
 * and that wait cost every request a sleep and a wake-up (bench/select-fcgi answers 1.7
 * times as many requests a second without it). Closing before the web server has sent all
 * of its input would break its write instead (Apache answers 503): then libfcgi's close is
 * kept. */
static void finish_request(struct worker *w)
{
    if (w->unix_listener && !w->req.keepConnection && w->req.ipcFd >= 0 && w->req.in &&
        input_read_to_end(&w->req)) {
        char trash[512];
        while (recv(w->req.ipcFd, trash, sizeof(trash), MSG_DONTWAIT) > 0)
            ;
        w->req.detached = 1;   /* FCGX_Free: OS_IpcClose without its shutdown and wait */
    }
    FCGX_Finish_r(&w->req);
}

/* Accepts the next connection here rather than in libfcgi, so the slot is busy from the
 * accept on: request_terminate_timeout then also ends a connection that stalls before
 * sending its params (scoreboard_request_accepted). The descriptor is handed to libfcgi
 * as an open connection (ipcFd), with keepConnection set so that FCGX_Accept_r's finish
 * of the previous request does not close it; the begin-request record then sets
 * keepConnection as the web server asks. A connection kept open by the web server
 * (fastcgi_keep_conn on) is read as before. Returns 0 with a connection, 1 to try again
 * (interrupted, or an error of that one connection), -1 on a listening socket error
 * (logged; also when SIGQUIT replaced the socket, which the caller checks first). */
static int accept_next(struct worker *w)
{
    if (w->req.ipcFd >= 0)
        return 0;
    int fd = accept4(w->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) {
        if (quit_requested)
            return -1;
        switch (errno) {
        case EINTR: case EAGAIN: case ECONNABORTED: case EPROTO: case ENETDOWN:
        case ENOPROTOOPT: case EHOSTDOWN: case ENONET: case EHOSTUNREACH: case EOPNOTSUPP:
        case ENETUNREACH: case ENOBUFS: case ENOMEM: case EMFILE: case ENFILE:
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                usleep(10000);   /* not a busy loop while out of descriptors */
            return 1;
        default:
            log_error("accept: %s", strerror(errno));
            return -1;
        }
    }
    scoreboard_request_accepted(w->sb, w->slot);
    w->req.ipcFd = fd;
    w->req.keepConnection = 1;
    return 0;
}

static void serve_one(struct worker *w)
{
    char **envp = w->req.envp;
    const char *method = FCGX_GetParam("REQUEST_METHOD", envp);
    const char *uri = FCGX_GetParam("REQUEST_URI", envp);
    if (!uri)
        uri = FCGX_GetParam("SCRIPT_NAME", envp);
    const char *clen = FCGX_GetParam("CONTENT_LENGTH", envp);
    uint64_t content_length = clen ? strtoull(clen, NULL, 10) : 0;
    int64_t cpu_start = cpu_us(), wall_start = scoreboard_now_us();
    scoreboard_request_start(w->sb, w->slot, method, uri, content_length);

    const struct usher_config *cfg = w->cfg;
    struct response res;
    response_init(&res, w->arena);
    if (cfg->ping_path && path_is(uri, cfg->ping_path)) {
        const char *pong = cfg->ping_response ? cfg->ping_response : "pong";
        response_bytes(&res, 200, "text/plain", pong, strlen(pong));
        res.no_store = true;
    } else if (cfg->status_path && path_is(uri, cfg->status_path)) {
        const char *query = FCGX_GetParam("QUERY_STRING", envp);
        status_page(w->sb, cfg, w->listen_fd, query_has(query, "json"), query_has(query, "full"),
                    &res);
    } else {
        app_handle(w->app, w->arena, envp, read_body, &w->req, &res);
    }
    char *out = NULL;
    size_t len = response_serialize(&res, &out);
    write_out(&w->req, out, len);
    finish_request(w);
    app_after_request(w->app);

    uint64_t memory = arena_size(w->arena);
    arena_reset(w->arena);
    int64_t wall = scoreboard_now_us() - wall_start, cpu = cpu_us() - cpu_start;
    uint32_t centi = wall > 0 ? (uint32_t)(cpu * 10000 / wall) : 0;
    scoreboard_request_end(w->sb, w->slot, memory, centi > 1000000 ? 1000000 : centi);
}

/* For the bcrypt gate (work_gate.h): is another worker of the pool idle (waiting in accept,
 * so no request queues)? */
static struct scoreboard *gate_sb;
static int gate_slot = -1;

static bool another_worker_idle(void)
{
    int n = __atomic_load_n(&gate_sb->nslots, __ATOMIC_ACQUIRE);
    for (int i = 0; i < n; i++)
        if (i != gate_slot && __atomic_load_n(&gate_sb->slots[i].pid, __ATOMIC_ACQUIRE) > 0 &&
            __atomic_load_n(&gate_sb->slots[i].state, __ATOMIC_ACQUIRE) == WORKER_IDLE)
            return true;
    return false;
}

int worker_run(const struct usher_config *cfg, int listen_fd, struct scoreboard *sb, int slot)
{
    struct worker w = { .cfg = cfg, .listen_fd = listen_fd, .sb = sb, .slot = slot };
    struct worker_slot *ws = &sb->slots[slot];
    ws->pid = getpid();

    struct sockaddr_storage bound;
    socklen_t bound_len = sizeof(bound);
    w.unix_listener = getsockname(listen_fd, (struct sockaddr *)&bound, &bound_len) == 0 &&
                      bound.ss_family == AF_UNIX;
    dead_socket = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    listen_fd_to_close = listen_fd;
    if (dead_socket < 0 || install_signals() != 0) {
        log_error("worker set-up: %s", strerror(errno));
        return 1;
    }
    /* libfcgi is given the dead socket to listen on: this loop accepts (accept_next), so
     * the scoreboard counts a request from its accept; if libfcgi ever falls back to its
     * own accept (a connection closed before its params), that fails at once. */
    if (FCGX_Init() != 0 || FCGX_InitRequest(&w.req, dead_socket, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
        log_error("libfcgi initialisation failed");
        return 1;
    }
    /* The pool-wide cap on bcrypt work (bcrypt.max_running, work_gate.h). */
    int bcrypt_cap = cfg->bcrypt_max_running > 0 ? cfg->bcrypt_max_running
                                                 : work_gate_default_cap(cfg->pm_max_children);
    gate_sb = sb;
    gate_slot = slot;
    struct work_gate_setup gate = {
        .tokens = sb->bcrypt_tokens, .ntokens = bcrypt_cap, .waiters = sb->bcrypt_waiters,
        .nwaiters = work_gate_default_waiters(cfg->pm_max_children, bcrypt_cap),
        .last_hold_ms = &sb->bcrypt_last_hold_ms, .spare = another_worker_idle,
    };
    work_gate_init(&gate);
    /* Fixed malloc thresholds: glibc raises its mmap threshold to the size of every large
     * block freed (up to 32 MiB), after which a large answer (the 80 KB group listing, a
     * page of users) comes from the heap and leaves it holding pages once freed: a worker
     * grew from 6.5 to 8.7 MB over 1,000,000 requests. Blocks from 64 KiB up are mapped
     * and given back when freed; free heap above 128 KiB is returned at once. */
    mallopt(M_MMAP_THRESHOLD, 64 * 1024);
    mallopt(M_TRIM_THRESHOLD, 128 * 1024);
    w.arena = arena_new(64 * 1024);
    w.app = w.arena ? app_new(cfg) : NULL;
    if (!w.app) {
        log_error("worker set-up: out of memory");
        arena_free(w.arena);
        return 1;
    }

    int status = 0;
    unsigned long served = 0;
    while (!quit_requested) {
        if (cfg->pm_max_requests > 0 && served >= (unsigned long)cfg->pm_max_requests)
            break;
        int arc = accept_next(&w);
        if (arc < 0) {
            if (!quit_requested)
                status = 1;
            break;
        }
        if (arc == 1)
            continue;
        int rc = FCGX_Accept_r(&w.req);
        if (rc < 0) {
            /* The connection ended before its params (libfcgi closed it and its own
             * accept on the dead socket failed): nothing was served. */
            scoreboard_request_not_served(w.sb, w.slot);
            if (quit_requested)
                break;
            continue;
        }
        served++;
        serve_one(&w);
        /* Every 1,000 requests, statements long unused are closed, then free heap pages
         * between blocks still in use (a page of users, a search, the group listing
         * leave holes) go back: a few µs each time. */
        if (served % 1000 == 0) {
            app_every_thousand(w.app);
            malloc_trim(0);
        }
    }
    ws->state = WORKER_EXITING;
    app_free(w.app);
    arena_free(w.arena);
    close(dead_socket);
    return status;
}
