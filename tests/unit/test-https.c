/* request_is_https and request_from_trusted_proxy: the web server's HTTPS param, or
 * X-Forwarded-Proto from a trusted_proxies address only. Table-driven. */
#include "config.h"

#include "tap.h"
#include "usher/arena.h"
#include "usher/request.h"

#include <stdbool.h>
#include <stddef.h>

#define N(a) (sizeof(a) / sizeof(*(a)))

struct https_case {
    const char *vars[4];        /* FastCGI params besides REQUEST_URI */
    const char *trusted;        /* trusted_proxies */
    bool want;
};

static const struct https_case cases[] = {
    { { NULL }, NULL, false },
    { { "HTTPS=on" }, NULL, true },
    { { "HTTPS=1" }, NULL, true },
    { { "HTTPS=off" }, NULL, false },                 /* IIS style */
    { { "HTTPS=" }, NULL, false },
    { { "HTTPS=off", "REMOTE_ADDR=10.0.0.1", "HTTP_X_FORWARDED_PROTO=https" }, "10.0.0.1",
      false },                                        /* the server's own word wins */
    { { "REMOTE_ADDR=10.0.0.1", "HTTP_X_FORWARDED_PROTO=https" }, "10.0.0.1", true },
    { { "REMOTE_ADDR=10.0.0.1", "HTTP_X_FORWARDED_PROTO=HTTPS" }, "10.0.0.2, 10.0.0.1", true },
    { { "REMOTE_ADDR=10.0.0.1", "HTTP_X_FORWARDED_PROTO=http, https" }, "10.0.0.1", true },
    { { "REMOTE_ADDR=10.0.0.1", "HTTP_X_FORWARDED_PROTO=https, http" }, "10.0.0.1", false },
    { { "REMOTE_ADDR=10.0.0.1", "HTTP_X_FORWARDED_PROTO= https " }, "10.0.0.1", true },
    { { "REMOTE_ADDR=10.0.0.1", "HTTP_X_FORWARDED_PROTO=httpsx" }, "10.0.0.1", false },
    { { "REMOTE_ADDR=10.0.0.1", "HTTP_X_FORWARDED_PROTO=https x" }, "10.0.0.1", false },
    { { "REMOTE_ADDR=10.0.0.1", "HTTP_X_FORWARDED_PROTO=" }, "10.0.0.1", false },
    { { "REMOTE_ADDR=10.0.0.1", "HTTP_X_FORWARDED_PROTO=https" }, NULL, false },
    { { "REMOTE_ADDR=10.0.0.1", "HTTP_X_FORWARDED_PROTO=https" }, "", false },
    { { "REMOTE_ADDR=10.0.0.11", "HTTP_X_FORWARDED_PROTO=https" }, "10.0.0.1", false },
    { { "REMOTE_ADDR=10.0.0.1", "HTTP_X_FORWARDED_PROTO=https" }, "10.0.0.11", false },
    { { "HTTP_X_FORWARDED_PROTO=https" }, "10.0.0.1", false },   /* no REMOTE_ADDR */
};

int main(void)
{
    struct arena *a = arena_new(4096);
    for (size_t i = 0; i < N(cases); i++) {
        char *env[6] = { arena_strdup(a, "REQUEST_URI=/") };
        for (size_t j = 0; j < 4 && cases[i].vars[j]; j++)
            env[j + 1] = arena_strdup(a, cases[i].vars[j]);
        struct request r;
        struct http_error err;
        ok(request_init(&r, a, env, &err) == 0, "case %zu parses", i);
        ok(request_is_https(&r, cases[i].trusted) == cases[i].want, "case %zu: %s%s%s%s -> %s",
           i, cases[i].vars[0] ? cases[i].vars[0] : "(nothing)",
           cases[i].vars[1] ? " " : "", cases[i].vars[1] ? cases[i].vars[1] : "",
           cases[i].trusted ? " trusted" : "", cases[i].want ? "https" : "http");
        arena_reset(a);
    }
    arena_free(a);
    return tap_done();
}
