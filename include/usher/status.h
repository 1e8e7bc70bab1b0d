#ifndef USHER_STATUS_H
#define USHER_STATUS_H
/* The ping and status pages (ping.path, pm.status_path), answered by the worker before
 * routing, from the shared scoreboard. */
#include <stdbool.h>
struct scoreboard;
struct response;
struct usher_config;

/* Fills res with the php-fpm style status: text, or JSON when as_json. */
void status_page(const struct scoreboard *sb, const struct usher_config *cfg, int listen_fd,
                 bool as_json, struct response *res);

#endif
