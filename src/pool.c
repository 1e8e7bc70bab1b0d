/* The prefork master, php-fpm's process model: one listening socket opened (or inherited)
 * by the master, pm.max_children workers forked onto it, a shared scoreboard they report
 * into, and a loop that reaps, respawns, enforces request_terminate_timeout and acts on
 * signals. The signal handlers only set flags; everything happens in the loop, which
 * keeps the signals blocked except while it sleeps in pselect(), so no flag is missed. */
#include "config.h"
#include "usher/pool.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "usher/config.h"
#include "usher/crypto.h"
#include "usher/ids.h"
#include "usher/log.h"
#include "usher/scoreboard.h"
#include "usher/secret.h"
#include "usher/status.h"
#include "usher/worker.h"

#define LOOP_TICK_MS 200          /* how often the master looks at the scoreboard */
#define STOP_GRACE_MS 2000        /* SIGTERM to SIGKILL when stopping now */
#define QUICK_EXIT_MS 1000        /* a worker failing sooner than this backs off respawns */
#define MAX_BACKOFF_MS 30000

static volatile sig_atomic_t got_stop;   /* the signal number of TERM/INT */
static volatile sig_atomic_t got_quit, got_reopen, got_reload, got_child;

static void on_signal(int sig)
{
    switch (sig) {
    case SIGTERM:
    case SIGINT:
        got_stop = sig;
        break;
    case SIGQUIT:
        got_quit = 1;
        break;
    case SIGUSR1:
        got_reopen = 1;
        break;
    case SIGUSR2:
        got_reload = 1;
        break;
    case SIGCHLD:
        got_child = 1;
        break;
    default:
        break;
    }
}

static const int master_signals[] = { SIGTERM, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGCHLD };
#define NSIGNALS (sizeof(master_signals) / sizeof(master_signals[0]))

/* Resolved user/group for the workers' privilege drop. */
struct master {
    const char *config_path;
    struct usher_config *cfg;
    int listen_fd;
    char *unix_path;          /* the socket file we made, removed at exit */
    const char *listen_desc;  /* where the socket came from, for the log */
    struct scoreboard *sb;
    int generation;
    bool quitting;
    int64_t spawn_after_ms;   /* respawn backoff after workers failing at start */
    int quick_failures;
    struct ids ids;
    pid_t pid;
    int64_t started_ms[SCOREBOARD_MAX_WORKERS];
    bool killed[SCOREBOARD_MAX_WORKERS];
};

static int64_t now_ms(void)
{
    return scoreboard_now_us() / 1000;
}

/* ---- the listening socket -------------------------------------------------------- */

static int open_unix(struct master *m, const char *path, char *err, size_t errlen)
{
    const struct usher_config *cfg = m->cfg;
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof(sa.sun_path)) {
        snprintf(err, errlen, "listen: path too long: %s", path);
        return -1;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);

    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            snprintf(err, errlen, "listen: %s exists and is not a socket", path);
            return -1;
        }
        /* A socket file left by a crash is replaced; one somebody answers on is not. */
        int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
            close(probe);
            snprintf(err, errlen, "listen: another process is listening on %s", path);
            return -1;
        }
        if (probe >= 0)
            close(probe);
        if (unlink(path) != 0) {
            snprintf(err, errlen, "listen: cannot remove stale socket %s: %s", path,
                     strerror(errno));
            return -1;
        }
    }

    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "listen: socket: %s", strerror(errno));
        return -1;
    }
    /* Created with the final mode, so there is no moment when it is more open. */
    mode_t old = umask(~cfg->listen_mode & 0777);
    int rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
    umask(old);
    if (rc != 0) {
        snprintf(err, errlen, "listen: bind %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    m->unix_path = strdup(path);
    if (chmod(path, cfg->listen_mode) != 0) {
        snprintf(err, errlen, "listen: chmod %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    /* php-fpm's rule: listen.owner/group default to the pool's user/group under root. */
    const char *owner = cfg->listen_owner, *group = cfg->listen_group;
    if (geteuid() == 0) {
        if (!owner)
            owner = cfg->user;
        if (!group)
            group = cfg->group;
    }
    if (owner || group) {
        uid_t uid = (uid_t)-1;
        gid_t gid = (gid_t)-1, ugid;
        bool numeric;
        if (owner && ids_lookup_user(owner, &uid, &ugid, &numeric) != 0) {
            snprintf(err, errlen, "listen.owner: no such user '%s'", owner);
            close(fd);
            return -1;
        }
        if (group && ids_lookup_group(group, &gid) != 0) {
            snprintf(err, errlen, "listen.group: no such group '%s'", group);
            close(fd);
            return -1;
        }
        if (chown(path, uid, gid) != 0) {
            snprintf(err, errlen, "listen: chown %s to %s:%s: %s", path, owner ? owner : "-",
                     group ? group : "-", strerror(errno));
            close(fd);
            return -1;
        }
    }
    if (listen(fd, cfg->listen_backlog) != 0) {
        snprintf(err, errlen, "listen: %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    m->sb->listen_is_unix = 1;
    m->sb->listen_backlog = cfg->listen_backlog;
    return fd;
}

static int open_tcp(struct master *m, const char *host, const char *port, char *err,
                    size_t errlen)
{
    struct addrinfo hints = { .ai_flags = AI_PASSIVE | AI_NUMERICSERV,
                              .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
    struct addrinfo *res;
    int gai = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
    if (gai != 0) {
        snprintf(err, errlen, "listen: %s: %s", m->cfg->listen, gai_strerror(gai));
        return -1;
    }
    int fd = -1, saved = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            saved = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
            listen(fd, m->cfg->listen_backlog) == 0)
            break;
        saved = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(err, errlen, "listen: %s: %s", m->cfg->listen, strerror(saved));
        return -1;
    }
    m->sb->listen_is_unix = 0;
    m->sb->listen_backlog = m->cfg->listen_backlog;
    return fd;
}

/* spawn-fcgi (and systemd with StandardInput=socket) hand over a listening socket on fd 0. */
static int inherit_fd0(struct master *m, char *err, size_t errlen)
{
    int accepting = 0;
    socklen_t len = sizeof(accepting);
    if (getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len) != 0 || !accepting) {
        snprintf(err, errlen, "listen is not set and fd 0 is not a listening socket "
                 "(set listen in the configuration, or start usher-fcgi with spawn-fcgi "
                 "or a systemd .socket unit)");
        return -1;
    }
    struct sockaddr_storage ss;
    len = sizeof(ss);
    m->sb->listen_is_unix = getsockname(0, (struct sockaddr *)&ss, &len) == 0 &&
                            ss.ss_family == AF_UNIX;
    m->sb->listen_backlog = 0;
    return 0;
}

/* systemd socket activation, sd_listen_fds(3) without libsystemd: when LISTEN_PID is our
 * pid, LISTEN_FDS sockets start at fd 3 (SD_LISTEN_FDS_START). The variables are unset
 * whatever they say, so the workers (and anything they might start) never take them for
 * their own. Returns 3 when systemd passed our socket, 0 when it passed none, -1 with the
 * reason in err when what it passed is not one listening socket. */
#define LISTEN_FDS_START 3
static int inherit_systemd(struct master *m, char *err, size_t errlen)
{
    const char *pid_s = getenv("LISTEN_PID"), *fds_s = getenv("LISTEN_FDS");
    long pid = pid_s ? strtol(pid_s, NULL, 10) : 0;
    long nfds = fds_s ? strtol(fds_s, NULL, 10) : 0;
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    if (pid <= 0 || pid != (long)getpid() || nfds <= 0)
        return 0;
    if (nfds != 1) {
        snprintf(err, errlen, "systemd passed %ld sockets; usher-fcgi serves exactly one "
                 "(one ListenStream= in the .socket unit)", nfds);
        return -1;
    }
    int fd = LISTEN_FDS_START, accepting = 0;
    socklen_t len = sizeof(accepting);
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len) != 0 || !accepting) {
        snprintf(err, errlen, "systemd passed fd %d, which is not a listening stream socket",
                 fd);
        return -1;
    }
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    struct sockaddr_storage ss;
    len = sizeof(ss);
    m->sb->listen_is_unix = getsockname(fd, (struct sockaddr *)&ss, &len) == 0 &&
                            ss.ss_family == AF_UNIX;
    m->sb->listen_backlog = 0;
    return fd;
}

/* The socket, from the first that applies: systemd's (LISTEN_FDS), `listen`, fd 0. */
static int open_listener(struct master *m, char *err, size_t errlen)
{
    const char *listen_on = m->cfg->listen;
    int fd = inherit_systemd(m, err, errlen);
    if (fd != 0) {
        if (fd > 0) {
            m->listen_desc = "the socket passed by systemd (fd 3)";
            if (listen_on)
                log_notice("listen = %s is ignored: systemd passed the socket", listen_on);
        }
        return fd;
    }
    if (!listen_on) {
        m->listen_desc = "fd 0";
        return inherit_fd0(m, err, errlen);
    }
    m->listen_desc = listen_on;
    char host[256], port[8];
    switch (config_listen_parse(listen_on, host, sizeof(host), port, sizeof(port))) {
    case 1:
        return open_unix(m, listen_on, err, errlen);
    case 0:
        return open_tcp(m, host, port, err, errlen);
    default:
        snprintf(err, errlen, "listen: malformed value '%s'", listen_on);
        return -1;
    }
}

/* ---- workers --------------------------------------------------------------------- */

static int live_workers(const struct master *m, bool current_only)
{
    int n = 0;
    for (int i = 0; i < m->sb->nslots; i++)
        if (m->sb->slots[i].pid && (!current_only || m->sb->slots[i].generation == m->generation))
            n++;
    return n;
}

static void signal_workers(struct master *m, int sig, bool old_generations_only)
{
    for (int i = 0; i < m->sb->nslots; i++) {
        pid_t pid = m->sb->slots[i].pid;
        if (!pid || (old_generations_only && m->sb->slots[i].generation == m->generation))
            continue;
        /* The state is left to the worker: one told to stop is still ACTIVE while it
         * finishes, and request_terminate_timeout must still apply to it. */
        kill(pid, sig);
    }
}

/* The address space a worker may use (worker.memory_max): a request that would need more
 * fails its allocation, and at worst that one worker dies and is replaced, instead of the
 * machine swapping. Not under AddressSanitizer, which reserves terabytes of shadow. */
static void limit_memory(const struct usher_config *cfg)
{
    if (!cfg->worker_memory_max)
        return;
#if defined(__SANITIZE_ADDRESS__)
    log_debug("worker.memory_max not applied: built with AddressSanitizer");
#else
    struct rlimit rl = { (rlim_t)cfg->worker_memory_max, (rlim_t)cfg->worker_memory_max };
    struct rlimit cur;
    if (getrlimit(RLIMIT_AS, &cur) == 0 && cur.rlim_max != RLIM_INFINITY &&
        cur.rlim_max < rl.rlim_max)
        rl.rlim_cur = rl.rlim_max = cur.rlim_max;   /* never above what we were given */
    if (setrlimit(RLIMIT_AS, &rl) != 0)
        log_warning("worker.memory_max: setrlimit: %s", strerror(errno));
#endif
}

static void child_main(struct master *m, int slot) __attribute__((noreturn));
static void child_main(struct master *m, int slot)
{
    /* Still the master's handlers and mask here (every handled signal blocked): worker_run
     * installs its own handlers before it unblocks them. */
    if (ids_drop_privileges(&m->ids) != 0)
        _exit(1);
#ifdef __linux__
    /* If the master is killed outright, finish the request in hand and leave. Set after
     * setuid, which clears it. */
    prctl(PR_SET_PDEATHSIG, SIGQUIT);
    if (getppid() != m->pid)
        _exit(0);
#endif
    limit_memory(m->cfg);
    int rc = worker_run(m->cfg, m->listen_fd, m->sb, slot);
    _exit(rc);
}

static int spawn_worker(struct master *m)
{
    struct scoreboard *sb = m->sb;
    int slot = -1;
    for (int i = 0; i < SCOREBOARD_MAX_WORKERS; i++)
        if (!sb->slots[i].pid) {
            slot = i;
            break;
        }
    if (slot < 0)
        return -1;   /* old generations still hold every slot; retried next tick */
    struct worker_slot *ws = &sb->slots[slot];
    scoreboard_slot_clear(ws);
    /* Filled before fork: the child may mark itself ACTIVE before the master runs again. */
    ws->state = WORKER_IDLE;
    ws->generation = m->generation;
    ws->start_time = time(NULL);
    if (slot >= sb->nslots)
        sb->nslots = slot + 1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        log_error("fork: %s", strerror(errno));
        scoreboard_slot_clear(ws);
        m->spawn_after_ms = now_ms() + 1000;
        return -1;
    }
    if (pid == 0)
        child_main(m, slot);
    ws->pid = pid;
    m->started_ms[slot] = now_ms();
    m->killed[slot] = false;
    log_debug("worker %ld started (slot %d, generation %d)", (long)pid, slot, m->generation);
    return 0;
}

static void spawn_missing(struct master *m)
{
    if (m->quitting || now_ms() < m->spawn_after_ms)
        return;
    int have = live_workers(m, true);
    while (have < m->cfg->pm_max_children && spawn_worker(m) == 0)
        have++;
}

static int slot_of(const struct master *m, pid_t pid)
{
    for (int i = 0; i < m->sb->nslots; i++)
        if (m->sb->slots[i].pid == pid)
            return i;
    return -1;
}

static void reap(struct master *m)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        int slot = slot_of(m, pid);
        if (slot < 0)
            continue;
        struct worker_slot *ws = &m->sb->slots[slot];
        int64_t lived = now_ms() - m->started_ms[slot];
        unsigned long long requests = ws->requests;
        bool failed = true;
        if (WIFEXITED(status)) {
            int code = WEXITSTATUS(status);
            failed = code != 0;
            log_msg(failed ? LOG_LEVEL_WARNING : LOG_LEVEL_NOTICE,
                    "worker %ld exited with code %d after %.1f s and %llu requests",
                    (long)pid, code, (double)lived / 1000.0, requests);
        } else if (WIFSIGNALED(status)) {
            int sig = WTERMSIG(status);
            log_warning("worker %ld exited on signal %d (%s)%s after %.1f s and %llu requests",
                        (long)pid, sig, strsignal(sig),
                        WCOREDUMP(status) ? ", core dumped" : "", (double)lived / 1000.0,
                        requests);
        }
        bool current = ws->generation == m->generation;
        scoreboard_slot_clear(ws);
        if (!current || m->quitting)
            continue;
        /* A worker that cannot even start (database client crash, bad permissions) would
         * otherwise be forked again at full speed. */
        if (failed && !m->killed[slot] && lived < QUICK_EXIT_MS) {
            m->quick_failures++;
            int shift = m->quick_failures - 1 < 5 ? m->quick_failures - 1 : 5;
            int64_t delay = 1000LL << shift;
            if (delay > MAX_BACKOFF_MS)
                delay = MAX_BACKOFF_MS;
            m->spawn_after_ms = now_ms() + delay;
            log_warning("workers are failing at start (%d in a row); next start in %lld ms",
                        m->quick_failures, (long long)delay);
        } else {
            m->quick_failures = 0;
        }
    }
}

static void kill_overdue(struct master *m)
{
    int timeout = m->cfg->request_terminate_timeout;
    if (timeout <= 0)
        return;
    int64_t now = scoreboard_now_us();
    for (int i = 0; i < m->sb->nslots; i++) {
        struct worker_slot *ws = &m->sb->slots[i];
        if (!ws->pid || m->killed[i] ||
            __atomic_load_n(&ws->state, __ATOMIC_ACQUIRE) != WORKER_ACTIVE)
            continue;
        int64_t ran = now - __atomic_load_n(&ws->request_started_us, __ATOMIC_RELAXED);
        if (ran <= (int64_t)timeout * 1000000)
            continue;
        char uri[sizeof(ws->request_uri)], method[sizeof(ws->request_method)];
        memcpy(uri, ws->request_uri, sizeof(uri));
        uri[sizeof(uri) - 1] = '\0';
        memcpy(method, ws->request_method, sizeof(method));
        method[sizeof(method) - 1] = '\0';
        log_warning("worker %ld: %s %s has run %.1f s, over request_terminate_timeout (%d s); "
                    "killing it", (long)ws->pid, method, uri, (double)ran / 1e6, timeout);
        kill(ws->pid, SIGKILL);
        m->killed[i] = true;
    }
}

static void note_listen_queue(struct master *m)
{
    unsigned queue, limit;
    if (m->sb->listen_is_unix || status_listen_queue(m->listen_fd, &queue, &limit) != 0)
        return;
    if (queue > m->sb->max_listen_queue)
        m->sb->max_listen_queue = queue;
}

/* A start-up failure is logged, and also told on stderr when the log is a file: whoever
 * started usher-fcgi in the foreground is looking there. */
/* The secret's HMAC context, made before the workers are forked (crypto.h). */
static void prepare_crypto(void)
{
    size_t len = 0;
    const unsigned char *secret = secret_bytes(&len);
    if (secret && len)
        hmac_sha256_prepare(secret, len);
}

static void startup_error(const struct usher_config *cfg, const char *msg)
{
    log_error("%s", msg);
    if (cfg->error_log && strcmp(cfg->error_log, "-") != 0)
        fprintf(stderr, "usher-fcgi: %s\n", msg);
}

/* ---- signals --------------------------------------------------------------------- */

static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void apply_log_settings(const struct usher_config *cfg)
{
    enum log_level level = LOG_LEVEL_NOTICE;
    log_level_parse(cfg->log_level, &level);
    log_set_level(level);
}

/* SIGUSR2: a new configuration and a new generation of workers; the old ones finish what
 * they are doing and leave. The socket stays open throughout, so nothing is refused. */
static void reload(struct master *m)
{
    const char *path = m->config_path ? m->config_path : "(environment)";
    log_notice("received SIGUSR2: reloading %s", path);
    struct usher_config next;
    char err[600];
    if (config_load(m->config_path, &next, err, sizeof(err)) != 0 ||
        ids_check_config(&next, err, sizeof(err)) != 0) {
        log_error("reload failed: %s; still running the previous configuration", err);
        config_free(&next);
        return;
    }
    struct ids ids;
    if (ids_resolve(&next, &ids, err, sizeof(err)) != 0) {
        log_error("reload failed: %s; still running the previous configuration", err);
        config_free(&next);
        return;
    }
    struct usher_config *cur = m->cfg;
    /* The socket is not reopened: a changed listen.* needs a restart. */
    if (!same_str(cur->listen, next.listen) || cur->listen_mode != next.listen_mode ||
        !same_str(cur->listen_owner, next.listen_owner) ||
        !same_str(cur->listen_group, next.listen_group) ||
        cur->listen_backlog != next.listen_backlog) {
        log_warning("listen settings changed: restart usher-fcgi to apply them; "
                    "still listening on %s", m->listen_desc);
        char *keep[] = { dup_or_null(cur->listen), dup_or_null(cur->listen_owner),
                         dup_or_null(cur->listen_group) };
        free(next.listen);
        free(next.listen_owner);
        free(next.listen_group);
        next.listen = keep[0];
        next.listen_owner = keep[1];
        next.listen_group = keep[2];
        next.listen_mode = cur->listen_mode;
        next.listen_backlog = cur->listen_backlog;
    }
    /* secret_load() replaces the loaded secret only when it succeeds. */
    if ((!same_str(cur->secret_key, next.secret_key) || !same_str(cur->data_dir, next.data_dir)) &&
        secret_load(&next) != 0) {
        log_error("reload failed: the secret could not be loaded; still running the previous "
                  "configuration");
        config_free(&next);
        return;
    }
    if (!same_str(cur->error_log, next.error_log) && log_open(next.error_log) != 0) {
        log_error("reload: cannot open error_log %s: %s; keeping the current log",
                  next.error_log, strerror(errno));
        free(next.error_log);
        next.error_log = dup_or_null(cur->error_log);
    }
    config_free(cur);
    *cur = next;
    prepare_crypto();
    m->ids = ids;
    apply_log_settings(cur);
    snprintf(m->sb->pool, sizeof(m->sb->pool), "%s", cur->pool_name);

    m->generation++;
    m->spawn_after_ms = 0;
    m->quick_failures = 0;
    spawn_missing(m);
    signal_workers(m, SIGQUIT, true);
    log_notice("reloaded: generation %d, %d workers; the previous ones finish their requests",
               m->generation, cur->pm_max_children);
}

static void stop_now(struct master *m, int sig)
{
    log_notice("received %s: stopping now", sig == SIGINT ? "SIGINT" : "SIGTERM");
    signal_workers(m, SIGTERM, false);
    int64_t deadline = now_ms() + STOP_GRACE_MS;
    while (live_workers(m, false) > 0 && now_ms() < deadline) {
        reap(m);
        struct timespec ts = { 0, 20 * 1000000 };
        nanosleep(&ts, NULL);
    }
    if (live_workers(m, false) > 0) {
        log_warning("workers still running after %d ms: killing them", STOP_GRACE_MS);
        signal_workers(m, SIGKILL, false);
        while (live_workers(m, false) > 0) {
            reap(m);
            struct timespec ts = { 0, 20 * 1000000 };
            nanosleep(&ts, NULL);
        }
    }
}

static void run_loop(struct master *m, const sigset_t *wait_mask)
{
    for (;;) {
        if (got_stop) {
            stop_now(m, got_stop);
            return;
        }
        if (got_quit) {
            got_quit = 0;
            if (!m->quitting) {
                m->quitting = true;
                log_notice("received SIGQUIT: graceful stop, waiting for %d workers to finish",
                           live_workers(m, false));
                signal_workers(m, SIGQUIT, false);
            }
        }
        if (got_reopen) {
            got_reopen = 0;
            if (log_reopen() != 0)
                log_error("cannot reopen the error log: %s", strerror(errno));
            else
                log_notice("received SIGUSR1: error log reopened");
            signal_workers(m, SIGUSR1, false);
        }
        if (got_reload) {
            got_reload = 0;
            if (m->quitting)
                log_notice("received SIGUSR2 while stopping: ignored");
            else
                reload(m);
        }
        got_child = 0;
        reap(m);
        if (m->quitting && live_workers(m, false) == 0)
            return;
        kill_overdue(m);
        spawn_missing(m);
        note_listen_queue(m);
        struct timespec tick = { 0, LOOP_TICK_MS * 1000000L };
        pselect(0, NULL, NULL, NULL, &tick, wait_mask);
    }
}

static int setup_signals(sigset_t *wait_mask)
{
    sigset_t block;
    sigemptyset(&block);
    for (size_t i = 0; i < NSIGNALS; i++)
        sigaddset(&block, master_signals[i]);
    if (sigprocmask(SIG_BLOCK, &block, wait_mask) != 0)
        return -1;
    for (size_t i = 0; i < NSIGNALS; i++)
        sigdelset(wait_mask, master_signals[i]);
    /* No SA_RESTART: the only thing the master blocks in is pselect, which must return. */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_NOCLDSTOP;
    for (size_t i = 0; i < NSIGNALS; i++)
        if (sigaction(master_signals[i], &sa, NULL) != 0)
            return -1;
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

int pool_main(const char *config_path, struct usher_config *cfg)
{
    struct master m;
    memset(&m, 0, sizeof(m));
    m.config_path = config_path;
    m.cfg = cfg;
    m.listen_fd = -1;
    m.generation = 1;
    m.pid = getpid();
    char err[600];

    if (log_open(cfg->error_log) != 0) {
        fprintf(stderr, "usher-fcgi: cannot open error_log %s: %s\n", cfg->error_log,
                strerror(errno));
        return 1;
    }
    apply_log_settings(cfg);
    if (ids_check_config(cfg, err, sizeof(err)) != 0 ||
        ids_resolve(cfg, &m.ids, err, sizeof(err)) != 0) {
        startup_error(cfg, err);
        return 1;
    }
    if (geteuid() == 0 && !cfg->user && !cfg->group)
        log_warning("running as root and neither user nor group is set: workers will run as "
                    "root");
    else if (geteuid() != 0 && (cfg->user || cfg->group))
        log_notice("user and group are ignored when not started as root");
    if (secret_load(cfg) != 0) {
        startup_error(cfg, "cannot load the server secret (the reason is in the error log); "
                      "not starting");
        return 1;
    }
    prepare_crypto();

    m.sb = mmap(NULL, sizeof(*m.sb), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (m.sb == MAP_FAILED) {
        snprintf(err, sizeof(err), "mmap scoreboard: %s", strerror(errno));
        startup_error(cfg, err);
        return 1;
    }
    memset(m.sb, 0, sizeof(*m.sb));
    snprintf(m.sb->pool, sizeof(m.sb->pool), "%s", cfg->pool_name);
    m.sb->start_time = time(NULL);

    int rc = 1;
    int fd = open_listener(&m, err, sizeof(err));
    if (fd < 0) {
        startup_error(cfg, err);
        goto out;
    }
    m.listen_fd = fd;
    sigset_t wait_mask;
    if (setup_signals(&wait_mask) != 0) {
        snprintf(err, sizeof(err), "signals: %s", strerror(errno));
        startup_error(cfg, err);
        goto out;
    }
    log_notice("usher-fcgi %s: pool %s, listening on %s, pm static, %d workers", PACKAGE_VERSION,
               cfg->pool_name, m.listen_desc, cfg->pm_max_children);
    spawn_missing(&m);
    run_loop(&m, &wait_mask);
    rc = 0;
out:
    if (m.unix_path) {
        unlink(m.unix_path);
        free(m.unix_path);
    }
    if (m.listen_fd > 0)
        close(m.listen_fd);
    munmap(m.sb, sizeof(*m.sb));
    if (rc == 0)
        log_notice("exiting");
    return rc;
}
