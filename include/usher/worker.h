#ifndef USHER_WORKER_H
#define USHER_WORKER_H
/* One worker process: opens its own MariaDB connection after fork and serves FastCGI
 * requests one at a time on the listening socket until told to stop or recycled. */
struct usher_config;
struct scoreboard;

/* Runs the accept loop on listen_fd. slot is this worker's index in the shared scoreboard.
 * Returns the process exit status (0 after a graceful stop or pm.max_requests). */
int worker_run(const struct usher_config *cfg, int listen_fd, struct scoreboard *sb, int slot);

#endif
