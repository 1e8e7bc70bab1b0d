#ifndef USHER_APP_H
#define USHER_APP_H
/* The application behind a worker: everything between one FastCGI request's params and body
 * and its response (request parsing, routing, sessions, handlers, data). The worker's accept
 * loop owns FastCGI, the scoreboard and the ping/status pages; it calls app_handle once per
 * request and writes the response that comes back. */
#include <stdbool.h>
#include "usher/request.h"

struct usher_config;
struct response;
struct app;

/* Called once per worker after fork: opens this worker's MariaDB connection (a failure is
 * logged and retried on the next request, so a worker starts even while the database is
 * down). Returns NULL only when out of memory. */
struct app *app_new(const struct usher_config *cfg);
/* Closes the connection and frees the app. NULL is accepted. */
void app_free(struct app *app);
/* Handles one request. envp: FastCGI params ("NAME=value", NULL-terminated); read_fn/rctx
 * read the body. res is initialised here with arena and filled; it is always a complete
 * response (errors become the contract's JSON errors). */
void app_handle(struct app *app, struct arena *arena, char *const *envp,
                body_read_fn read_fn, void *rctx, struct response *res);
/* Called after the response has been written and before the arena is reset: rolls back and
 * logs a transaction a handler left open, releases per-request state. */
void app_after_request(struct app *app);
/* Called by the worker every 1,000 requests, between two: gives back what the requests of
 * late no longer need (db_forget_idle_statements). */
void app_every_thousand(struct app *app);

#endif
