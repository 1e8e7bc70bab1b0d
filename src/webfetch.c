/* The HTTP client (see webfetch.h): libcurl, one easy handle per request. libcurl is not
 * linked but loaded on the first request (lazylib.h); <curl/curl.h> gives the types. */
#include "config.h"
#include "usher/webfetch.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "usher/arena.h"
#include "usher/crypto.h"
#include "usher/lazylib.h"

#define DEFAULT_MAX_BODY (1024 * 1024)

/* The libcurl functions called here, as curl_fn.easy_init(...) and so on. */
#define CURL_FUNCTIONS(X) \
    X(global_init) X(easy_init) X(easy_setopt) X(easy_perform) X(easy_getinfo) \
    X(easy_strerror) X(easy_cleanup) X(slist_append) X(slist_free_all)
#define CURL_SLOT(f) __typeof__(&curl_##f) f;
#define CURL_SYMBOL(f) { "curl_" #f, &curl_fn.f },
static struct {
    CURL_FUNCTIONS(CURL_SLOT)
} curl_fn;
static const struct lazylib_symbol curl_symbols[] = { CURL_FUNCTIONS(CURL_SYMBOL) };
static struct lazylib libcurl =
    LAZYLIB_INIT(LIBCURL_SONAME, "OpenID Connect sign-in", curl_symbols);

struct sink {
    struct arena *a;
    char *buf;
    size_t len, cap, max;
    bool over;
};

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    struct sink *s = arg;
    size_t add = size * n;
    if (s->len + add > s->max) {
        s->over = true;
        return 0;   /* libcurl stops with CURLE_WRITE_ERROR */
    }
    if (s->len + add + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->len + add + 1)
            cap *= 2;
        char *nb = arena_alloc(s->a, cap);
        if (s->len)
            memcpy(nb, s->buf, s->len);
        s->buf = nb;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, data, add);
    s->len += add;
    s->buf[s->len] = '\0';
    return add;
}

bool webfetch_addr_global(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const unsigned char *b = (const unsigned char *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
        if (b[0] == 0 || b[0] == 10 || b[0] == 127 || b[0] >= 224)
            return false;
        if (b[0] == 100 && (b[1] & 0xc0) == 64)     /* 100.64/10 */
            return false;
        if (b[0] == 169 && b[1] == 254)
            return false;
        if (b[0] == 172 && (b[1] & 0xf0) == 16)
            return false;
        if (b[0] == 192 && b[1] == 168)
            return false;
        if (b[0] == 192 && b[1] == 0 && (b[2] == 0 || b[2] == 2))
            return false;
        if (b[0] == 198 && (b[1] == 18 || b[1] == 19))
            return false;
        if (b[0] == 198 && b[1] == 51 && b[2] == 100)
            return false;
        if (b[0] == 203 && b[1] == 0 && b[2] == 113)
            return false;
        return true;
    }
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a6 = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
        const unsigned char *b = a6->s6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a6) || IN6_IS_ADDR_V4COMPAT(a6)) {
            struct sockaddr_in v4 = { .sin_family = AF_INET };
            memcpy(&v4.sin_addr, b + 12, 4);
            return webfetch_addr_global((const struct sockaddr *)(const void *)&v4);
        }
        if (IN6_IS_ADDR_UNSPECIFIED(a6) || IN6_IS_ADDR_LOOPBACK(a6) || IN6_IS_ADDR_MULTICAST(a6) ||
            IN6_IS_ADDR_LINKLOCAL(a6) || IN6_IS_ADDR_SITELOCAL(a6))
            return false;
        if ((b[0] & 0xfe) == 0xfc)                    /* fc00::/7 unique local */
            return false;
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)   /* documentation */
            return false;
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b)   /* NAT64 */
            return false;
        return (b[0] & 0xe0) == 0x20;                 /* 2000::/3, the global unicast */
    }
    return false;
}

/* libcurl asks before each connect: an address that is not global is never connected to. */
static curl_socket_t open_global_only(void *arg, curlsocktype purpose, struct curl_sockaddr *addr)
{
    (void)arg;
    if (purpose != CURLSOCKTYPE_IPCXN || !webfetch_addr_global(&addr->addr))
        return CURL_SOCKET_BAD;
    return socket(addr->family, addr->socktype, addr->protocol);
}

bool webfetch_url_ok(const char *url)
{
    if (!url)
        return false;
    size_t skip;
    if (strncasecmp(url, "https://", 8) == 0)
        skip = 8;
    else if (strncasecmp(url, "http://", 7) == 0)
        skip = 7;
    else
        return false;
    if (!url[skip] || url[skip] == '/' || url[skip] == '?' || url[skip] == '#')
        return false;
    for (const unsigned char *p = (const unsigned char *)url; *p; p++)
        if (*p < 0x21 || *p == 0x7f || *p == '\\')
            return false;
    return true;
}

/* Loads libcurl and runs its global setup the first time; false when it cannot be loaded
 * (logged once by lazylib_load). */
static bool curl_ready(void)
{
    static bool done;
    if (!lazylib_load(&libcurl))
        return false;
    if (!done) {
        curl_fn.global_init(CURL_GLOBAL_DEFAULT);
        done = true;
    }
    return true;
}

enum webfetch_status webfetch(struct arena *a, const struct webfetch_request *rq,
                              struct webfetch_answer *out)
{
    memset(out, 0, sizeof(*out));
    out->content_type = "";
    if (!webfetch_url_ok(rq->url)) {
        snprintf(out->error, sizeof(out->error), "not an http(s) URL");
        return WEBFETCH_REFUSED;
    }
    long long left = rq->deadline_ms - clock_now_ms();
    if (left <= 0) {
        snprintf(out->error, sizeof(out->error), "no time left for the request");
        return WEBFETCH_UNREACHABLE;
    }
    if (!curl_ready()) {
        snprintf(out->error, sizeof(out->error), "%s", lazylib_error(&libcurl));
        return WEBFETCH_UNREACHABLE;   /* the provider cannot be used, as when it is down */
    }
    CURL *h = curl_fn.easy_init();
    if (!h) {
        snprintf(out->error, sizeof(out->error), "libcurl could not start a request");
        return WEBFETCH_FAILED;
    }
    struct sink s = { .a = a, .max = rq->max_body ? rq->max_body : DEFAULT_MAX_BODY };
    struct curl_slist *hdrs = NULL;
    char line[256];
    snprintf(line, sizeof(line), "Accept: %s", rq->accept ? rq->accept : "application/json");
    hdrs = curl_fn.slist_append(hdrs, line);
    if (rq->bearer) {
        char *b = arena_printf(a, "Authorization: Bearer %s", rq->bearer);
        hdrs = curl_fn.slist_append(hdrs, b);
    }
    if (rq->body) {
        char *ct = arena_printf(a, "Content-Type: %s",
                                rq->content_type ? rq->content_type : "application/x-www-form-urlencoded");
        hdrs = curl_fn.slist_append(hdrs, ct);
        curl_fn.easy_setopt(h, CURLOPT_POSTFIELDS, rq->body);
        curl_fn.easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(rq->body));
    }
    hdrs = curl_fn.slist_append(hdrs, "Expect:");
    curl_fn.easy_setopt(h, CURLOPT_URL, rq->url);
    curl_fn.easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_fn.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_fn.easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_fn.easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_fn.easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_fn.easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_fn.easy_setopt(h, CURLOPT_PROXY, "");
    curl_fn.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_fn.easy_setopt(h, CURLOPT_NOPROGRESS, 1L);
    curl_fn.easy_setopt(h, CURLOPT_USERAGENT, "usher");
    curl_fn.easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)s.max);
    curl_fn.easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)left);
    curl_fn.easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(left < 5000 ? left : 5000));
    curl_fn.easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_fn.easy_setopt(h, CURLOPT_WRITEDATA, &s);
    if (rq->basic_user && rq->basic_password) {
        curl_fn.easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_fn.easy_setopt(h, CURLOPT_USERNAME, rq->basic_user);
        curl_fn.easy_setopt(h, CURLOPT_PASSWORD, rq->basic_password);
    }
    if (rq->global_only)
        curl_fn.easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_global_only);
    CURLcode rc = curl_fn.easy_perform(h);
    enum webfetch_status st = WEBFETCH_OK;
    if (rc == CURLE_OK) {
        curl_fn.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
        char *ct = NULL;
        curl_fn.easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct);
        out->content_type = ct ? arena_strdup(a, ct) : "";
        out->body = s.buf ? s.buf : arena_strdup(a, "");
        out->len = s.len;
    } else if (s.over || rc == CURLE_FILESIZE_EXCEEDED) {
        st = WEBFETCH_TOO_LARGE;
        snprintf(out->error, sizeof(out->error), "the answer is larger than %zu bytes", s.max);
    } else if (rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_CONNECT ||
               rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_SSL_CONNECT_ERROR ||
               rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_RECV_ERROR ||
               rc == CURLE_SEND_ERROR || rc == CURLE_GOT_NOTHING) {
        st = rq->global_only && rc == CURLE_COULDNT_CONNECT ? WEBFETCH_REFUSED : WEBFETCH_UNREACHABLE;
        snprintf(out->error, sizeof(out->error), "%s", curl_fn.easy_strerror(rc));
    } else {
        st = WEBFETCH_FAILED;
        snprintf(out->error, sizeof(out->error), "%s", curl_fn.easy_strerror(rc));
    }
    curl_fn.slist_free_all(hdrs);
    curl_fn.easy_cleanup(h);
    return st;
}
