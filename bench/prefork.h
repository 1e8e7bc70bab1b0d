#ifndef BENCH_PREFORK_H
#define BENCH_PREFORK_H
/* The smallest prefork master the benchmark baselines need: one unix socket, N children,
 * respawn on death, stop on TERM/INT/QUIT. Deliberately without anything usher's pool adds
 * (scoreboard, recycling, timeouts), so the baselines measure libfcgi itself. */

/* Called in each child with the listening socket; returns the child's exit status. */
typedef int (*prefork_child_fn)(int listen_fd, void *arg);

/* Opens the unix socket at path (replacing a stale one, mode 0666), forks nchildren children
 * running child(fd, arg) and keeps that many alive until SIGTERM, SIGINT or SIGQUIT; then
 * sends SIGTERM to the children, waits for them, removes the socket and returns 0.
 * Returns 1 after printing the reason to stderr when the socket cannot be opened. */
int prefork_run(const char *path, int nchildren, prefork_child_fn child, void *arg);

/* Parses a positive int option value; exits with a usage error otherwise. */
int prefork_parse_count(const char *s, const char *what);

#endif
