#ifndef USHER_POOL_H
#define USHER_POOL_H
/* The php-fpm style master: opens (or inherits on fd 0) the listening socket, forks
 * pm.max_children workers, respawns the ones that die, recycles after pm.max_requests,
 * kills workers over request_terminate_timeout, and handles TERM/INT (stop now),
 * QUIT (graceful stop), USR1 (reopen logs) and USR2 (reload config, replace workers). */
struct usher_config;

/* Runs the master in the foreground until stopped: opens the error log, checks user/group,
 * calls secret_load(), opens the socket, forks the workers. config_path (NULL = defaults
 * and environment only) is re-read on SIGUSR2; cfg is the configuration already loaded
 * from it, owned by the caller but replaced in place on a successful reload. Returns the
 * process exit status: 0 after a stop, 1 when start-up failed (reason logged). */
int pool_main(const char *config_path, struct usher_config *cfg);

#endif
