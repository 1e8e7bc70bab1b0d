#ifndef USHER_WEBFETCH_H
#define USHER_WEBFETCH_H
/* The one HTTP client of usher (libcurl, loaded on the first request: lazylib.h), for the
 * OpenID Connect provider and the pictures its accounts name: http and https only, TLS
 * verified (the system's CAs), no redirect followed, no proxy from the environment, the
 * answer's body capped (1 MiB unless told), a connect and a total timeout that end at a
 * deadline. One request at a time, blocking. */
#include <stdbool.h>
#include <stddef.h>

struct arena;

enum webfetch_status {
    WEBFETCH_OK,            /* an HTTP answer arrived (any status) */
    WEBFETCH_UNREACHABLE,   /* no answer: DNS, connect, TLS, the deadline; or libcurl
                               cannot be loaded (logged once) */
    WEBFETCH_TOO_LARGE,     /* the body went over the cap */
    WEBFETCH_REFUSED,       /* not http(s), a bad URL, or a refused address */
    WEBFETCH_FAILED,        /* anything else libcurl says */
};

struct webfetch_request {
    const char *url;
    const char *body;           /* NULL: GET; else POST with this body */
    const char *content_type;   /* of body */
    const char *bearer;         /* Authorization: Bearer ... (NULL: none) */
    const char *basic_user;     /* Authorization: Basic (client_secret_basic; both given) */
    const char *basic_password;
    const char *accept;         /* Accept header (NULL: application/json) */
    long long deadline_ms;      /* epoch ms (clock_now_ms) at which the request is given up */
    size_t max_body;            /* 0: 1 MiB */
    bool global_only;           /* refuse loopback, private, link-local ... addresses */
};

struct webfetch_answer {
    long status;                /* HTTP status */
    char *body;                 /* arena, NUL-terminated (may hold NULs before len) */
    size_t len;
    const char *content_type;   /* arena, "" when none */
    char error[160];            /* why, when not WEBFETCH_OK (no secret in it) */
};

/* Runs the request. Returns its status; out is filled (error says why on failure). Logs
 * nothing: the caller says what failed. */
enum webfetch_status webfetch(struct arena *a, const struct webfetch_request *rq,
                              struct webfetch_answer *out);
/* Whether url is an absolute http:// or https:// URL with a host and no control character
 * or backslash (no I/O). */
bool webfetch_url_ok(const char *url);
/* Whether the IPv4/IPv6 address in sa is global (not loopback, private, link-local, CGNAT,
 * multicast, unspecified, documentation or reserved). No I/O. */
struct sockaddr;
bool webfetch_addr_global(const struct sockaddr *sa);

#endif
