#ifndef USHER_LOG_H
#define USHER_LOG_H
/* The error log: one line per event, "[time] LEVEL: pid N: message". Secrets
 * (passwords, tokens, API keys) are never passed to these functions. */

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARNING, LOG_LEVEL_NOTICE, LOG_LEVEL_DEBUG };

/* Opens path for appending (NULL or "-" means stderr). Returns 0, or -1 with errno set. */
int log_open(const char *path);
/* Reopens the same path (SIGUSR1, after logrotate) on the same descriptor number. Returns
 * 0, or -1 (the old file stays in use). */
int log_reopen(void);
/* Async-signal-safe: asks for log_reopen() before the next line is written. A worker's
 * SIGUSR1 handler calls this, so a worker blocked in accept() need not be woken. */
void log_reopen_later(void);
void log_set_level(enum log_level level);
/* Parses "error", "warning", "notice", "debug" (and php-fpm's "alert", as error). Returns
 * 0 or -1. */
int log_level_parse(const char *s, enum log_level *out);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_LEVEL_NOTICE, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif
