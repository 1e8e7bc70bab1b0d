#ifndef USHER_STATUS_H
#define USHER_STATUS_H
/* The ping and status pages (ping.path, pm.status_path), answered by the worker before
 * routing, from the shared scoreboard. */
#include <stdbool.h>
struct scoreboard;
struct response;
struct usher_config;

/* Fills res (already initialised with an arena) with the php-fpm style status page: the
 * pool summary as "key:   value" text lines, or JSON when as_json, plus one block (text) or
 * a "processes" array (JSON) per worker when full. The keys are php-fpm's: pool, process
 * manager, start time, start since, accepted conn, listen queue, max listen queue, listen
 * queue len, idle processes, active processes, total processes, max active processes, max
 * children reached, slow requests. Sets no_store. */
void status_page(const struct scoreboard *sb, const struct usher_config *cfg, int listen_fd,
                 bool as_json, bool full, struct response *res);

/* The accept queue of a listening TCP socket (Linux TCP_INFO): current length and its
 * limit. Returns 0, or -1 for a unix socket or when the system cannot tell. */
int status_listen_queue(int listen_fd, unsigned *queue, unsigned *limit);

#endif
