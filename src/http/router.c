/* Route matching. Among the routes whose pattern matches the path and whose method is the
 * request's, the most specific wins (segment by segment: literal > {param} > {param:path}),
 * so table order never decides. A path that matches only under other methods is a 405;
 * FastAPI's redirect_slashes is reproduced by retrying with the final slash toggled. */
#include "config.h"
#include "usher/router.h"

#include <stdbool.h>
#include <string.h>

enum seg_kind { SEG_LITERAL = 3, SEG_PARAM = 2, SEG_PATH = 1 };

/* Specificity of a match: one kind per pattern segment, compared lexicographically. */
struct score {
    unsigned char kinds[32];
    size_t n;
};

static int score_cmp(const struct score *a, const struct score *b)
{
    size_t n = a->n < b->n ? a->n : b->n;
    for (size_t i = 0; i < n; i++)
        if (a->kinds[i] != b->kinds[i])
            return a->kinds[i] > b->kinds[i] ? 1 : -1;
    return (a->n > b->n) - (a->n < b->n);
}

/* Matches pattern against path. On success fills the score and, when m is not NULL, the
 * parameters (values copied into m->buf). */
static bool pattern_match(const char *pattern, const char *path, struct score *sc,
                          struct route_match *m)
{
    const char *p = pattern, *s = path;
    size_t used = 0;
    sc->n = 0;
    if (m)
        m->nparams = 0;
    while (*p && *s) {
        if (*p != '/' || *s != '/')
            return false;
        p++;
        s++;
        const char *pend = strchr(p, '/');
        size_t plen = pend ? (size_t)(pend - p) : strlen(p);
        const char *send = strchr(s, '/');
        size_t slen = send ? (size_t)(send - s) : strlen(s);
        if (sc->n == sizeof(sc->kinds))
            return false;
        if (plen >= 2 && p[0] == '{' && p[plen - 1] == '}') {
            const char *name = p + 1;
            size_t nlen = plen - 2;
            bool rest = nlen > 5 && memcmp(name + nlen - 5, ":path", 5) == 0;
            if (rest) {
                nlen -= 5;
                slen = strlen(s); /* swallow the rest of the path, slashes included */
            }
            if (slen == 0)
                return false;
            sc->kinds[sc->n++] = rest ? SEG_PATH : SEG_PARAM;
            if (m) {
                if (m->nparams == ROUTE_MAX_PARAMS || used + slen + 1 > sizeof(m->buf))
                    return false;
                memcpy(m->buf + used, s, slen);
                m->buf[used + slen] = '\0';
                m->names[m->nparams] = name;
                m->name_lens[m->nparams] = nlen;
                m->values[m->nparams] = m->buf + used;
                m->nparams++;
                used += slen + 1;
            }
        } else {
            if (plen != slen || memcmp(p, s, plen) != 0)
                return false;
            sc->kinds[sc->n++] = SEG_LITERAL;
        }
        p += plen;
        s += slen;
    }
    return *p == '\0' && *s == '\0';
}

/* Best route for path: *with_method gets the best whose method matches (or NULL), and the
 * return value says whether any route matched the path at all. */
static bool find(const struct route *table, size_t n, enum http_method method, const char *path,
                 const struct route **with_method)
{
    bool any = false;
    struct score best = { .n = 0 }, sc;
    *with_method = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!pattern_match(table[i].pattern, path, &sc, NULL))
            continue;
        any = true;
        bool same = table[i].method == method ||
                    (method == HTTP_HEAD && table[i].method == HTTP_GET);
        if (same && (!*with_method || score_cmp(&sc, &best) > 0)) {
            *with_method = &table[i];
            best = sc;
        }
    }
    return any;
}

enum route_status router_match(const struct route *table, size_t n, enum http_method method,
                               const char *path, struct route_match *m)
{
    memset(m, 0, offsetof(struct route_match, buf));
    m->buf[0] = m->redirect[0] = '\0';
    const struct route *r;
    if (find(table, n, method, path, &r)) {
        if (!r)
            return ROUTE_METHOD_NOT_ALLOWED;
        struct score sc;
        if (!pattern_match(r->pattern, path, &sc, m))
            return ROUTE_NOT_FOUND;   /* parameters longer than the match buffer */
        m->route = r;
        return ROUTE_FOUND;
    }
    size_t len = strlen(path);
    if (len <= 1 || len + 2 > sizeof(m->redirect))
        return ROUTE_NOT_FOUND;
    memcpy(m->redirect, path, len + 1);
    if (path[len - 1] == '/')
        m->redirect[len - 1] = '\0';
    else {
        m->redirect[len] = '/';
        m->redirect[len + 1] = '\0';
    }
    if (find(table, n, method, m->redirect, &r))
        return ROUTE_REDIRECT;
    m->redirect[0] = '\0';
    return ROUTE_NOT_FOUND;
}

const char *route_param(const struct route_match *m, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < m->nparams; i++)
        if (m->name_lens[i] == len && memcmp(m->names[i], name, len) == 0)
            return m->values[i];
    return NULL;
}

const char *router_access_name(enum access a)
{
    static const char *const names[] = { [ACCESS_PUBLIC] = "public", [ACCESS_ANY] = "any",
                                         [ACCESS_VERIFIED] = "verified", [ACCESS_ADMIN] = "admin" };
    return names[a];
}
