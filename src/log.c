/* The error log. Each line is formatted into one buffer and written with one write() on
 * an O_APPEND descriptor, so lines from the master and every worker never interleave. */
#include "config.h"
#include "usher/log.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_fd = STDERR_FILENO;
static char *log_path;                 /* NULL = stderr */
static enum log_level log_threshold = LOG_LEVEL_NOTICE;

static volatile sig_atomic_t reopen_pending;

static const char *const level_names[] = { "ERROR", "WARNING", "NOTICE", "DEBUG" };

static int open_path(const char *path)
{
    return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

int log_open(const char *path)
{
    if (!path || !path[0] || strcmp(path, "-") == 0) {
        if (log_fd != STDERR_FILENO)
            close(log_fd);
        log_fd = STDERR_FILENO;
        free(log_path);
        log_path = NULL;
        return 0;
    }
    char *copy = strdup(path);
    if (!copy)
        return -1;
    int fd = open_path(path);
    if (fd < 0) {
        int saved = errno;
        free(copy);
        errno = saved;
        return -1;
    }
    if (log_fd != STDERR_FILENO)
        close(log_fd);
    log_fd = fd;
    free(log_path);
    log_path = copy;
    return 0;
}

int log_reopen(void)
{
    if (!log_path)
        return 0;
    int fd = open_path(log_path);
    if (fd < 0)
        return -1;   /* keep writing to the old file rather than lose lines */
    /* dup2 keeps the descriptor number, so nothing that copied it goes stale. */
    if (dup2(fd, log_fd) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    close(fd);
    return 0;
}

void log_reopen_later(void)
{
    reopen_pending = 1;
}

void log_set_level(enum log_level level)
{
    log_threshold = level;
}

int log_level_parse(const char *s, enum log_level *out)
{
    static const struct { const char *name; enum log_level level; } names[] = {
        { "error", LOG_LEVEL_ERROR }, { "alert", LOG_LEVEL_ERROR },
        { "warning", LOG_LEVEL_WARNING }, { "notice", LOG_LEVEL_NOTICE },
        { "debug", LOG_LEVEL_DEBUG },
    };
    for (size_t i = 0; s && i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(s, names[i].name) == 0) {
            *out = names[i].level;
            return 0;
        }
    }
    return -1;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    if (level > log_threshold || (unsigned)level > LOG_LEVEL_DEBUG)
        return;
    int saved_errno = errno;
    if (reopen_pending) {
        reopen_pending = 0;
        log_reopen();
    }
    char line[2048];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    size_t n = strftime(line, sizeof(line), "[%Y-%m-%d %H:%M:%S] ", &tm);
    n += (size_t)snprintf(line + n, sizeof(line) - n, "%s: pid %ld: ", level_names[level],
                          (long)getpid());
    size_t start = n;
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
    va_end(ap);
    if (m > 0)
        n += (size_t)m < sizeof(line) - n - 1 ? (size_t)m : sizeof(line) - n - 2;
    /* One event, one line: control characters (a request path, a server message) must not
     * be able to forge further lines. */
    for (size_t i = start; i < n; i++)
        if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
            line[i] = ' ';
    line[n++] = '\n';
    for (size_t off = 0; off < n;) {
        ssize_t w = write(log_fd, line + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    errno = saved_errno;
}
