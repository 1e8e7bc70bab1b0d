/* The SCIM pipeline, its helpers and the discovery routes (see scim_api.h). */
#include "config.h"
#include "usher/scim_api.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "usher/api_common.h"
#include "usher/arena.h"
#include "usher/audit.h"
#include "usher/config.h"
#include "usher/crypto.h"
#include "usher/ctx.h"
#include "usher/db.h"
#include "usher/log.h"
#include "usher/response.h"
#include "usher/scim_filter.h"
#include "usher/scim_schema.h"
#include "usher/settings.h"

#define SCIM_MEDIA_TYPE "application/scim+json"

/* ---- configuration ---------------------------------------------------------------------- */

/* "true" in any case, as Open WebUI reads its booleans. */
static bool env_true(const char *v)
{
    return v && strcasecmp(v, "true") == 0;
}

const struct scim_env *scim_env(void)
{
    static struct scim_env env;
    static bool read;
    if (read)
        return &env;
    read = true;
    const char *on = getenv("ENABLE_SCIM");
    env.enabled = env_true(on ? on : getenv("SCIM_ENABLED"));   /* ENABLE_SCIM wins when set */
    const char *token = getenv("SCIM_TOKEN");
    env.token = token ? token : "";
    const char *provider = getenv("SCIM_AUTH_PROVIDER");
    env.provider = provider && provider[0] ? provider : "scim";
    if (env.enabled && !env.token[0])
        log_warning("SCIM is on (ENABLE_SCIM) but SCIM_TOKEN is empty: every Users and "
                    "Groups request is refused");
    if (env.enabled && !(provider && provider[0]))
        log_notice("SCIM: SCIM_AUTH_PROVIDER is unset; externalIds are kept under \"scim\"");
    return &env;
}

bool scim_mounted(const char *path, const char **rest)
{
    size_t n = sizeof(SCIM_PREFIX) - 1;
    if (strncmp(path, SCIM_PREFIX, n) != 0 || (path[n] != '\0' && path[n] != '/'))
        return false;
    if (!scim_env()->enabled)
        return false;
    *rest = path + n;
    return true;
}

/* ---- answers ---------------------------------------------------------------------------- */

void scim_answer(struct ctx *c, int status, struct json_object *obj)
{
    response_json(c->res, status, obj);
    c->res->content_type = SCIM_MEDIA_TYPE;
}

void scim_fail(struct ctx *c, int status, enum scim_type type, const char *detail)
{
    scim_answer(c, status, scim_error_json(status, type, detail));
    if (status == 401)
        response_header(c->res, "WWW-Authenticate", "Bearer");
}

void scim_fail_with(struct ctx *c, const struct scim_error *err)
{
    scim_fail(c, err->status ? err->status : 400, err->type, err->detail);
}

void scim_db_error(struct ctx *c)
{
    if (c->db && !db_connected(c->db)) {
        scim_fail(c, 503, SCIM_TYPE_NONE, "The database is not available.");
        response_header(c->res, "Retry-After", "1");
        return;
    }
    scim_fail(c, 500, SCIM_TYPE_NONE, "Something went wrong.");
}

const char *scim_base_url(struct ctx *c)
{
    const char *url = settings_str(c, "WEBUI_URL");
    if (url && url[0]) {
        size_t n = strlen(url);
        while (n > 0 && url[n - 1] == '/')
            n--;
        return arena_printf(c->arena, "%.*s%s", (int)n, url, SCIM_PREFIX);
    }
    /* nginx's fastcgi_params pass $host (no port): the port is the server's, left out
     * when it is the scheme's default; behind a proxy on another port, set WEBUI_URL */
    const struct request *r = c->req;
    bool https = request_is_https(r, c->cfg ? c->cfg->trusted_proxies : NULL);
    const char *host = r->host && r->host[0] ? r->host : "localhost";
    const char *port = request_env(r, "SERVER_PORT");
    bool with_port = port && port[0] && !strchr(host, ':') && !strchr(host, ']') &&
                     strcmp(port, https ? "443" : "80") != 0 &&
                     strspn(port, "0123456789") == strlen(port);
    return arena_printf(c->arena, "%s://%s%s%s%s", https ? "https" : "http", host,
                        with_port ? ":" : "", with_port ? port : "", SCIM_PREFIX);
}

const char *scim_etag(struct ctx *c, long long version)
{
    return arena_printf(c->arena, "W/\"%lld\"", version);
}

int scim_if_match(struct ctx *c, long long version)
{
    const char *h = request_header(c->req, "If-Match");
    if (!h)
        return 0;
    const char *want = scim_etag(c, version);
    size_t wlen = strlen(want);
    const char *strong = want + 2;   /* a client may send the tag without W/ */
    size_t slen = wlen - 2;
    for (const char *p = h; *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *end = p;
        while (*end && *end != ',')
            end++;
        size_t len = (size_t)(end - p);
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if ((len == 1 && *p == '*') || (len == wlen && memcmp(p, want, wlen) == 0) ||
            (len == slen && memcmp(p, strong, slen) == 0))
            return 0;
        p = end;
    }
    scim_fail(c, 412, SCIM_TYPE_NONE, "The resource has changed (If-Match).");
    return -1;
}

/* ---- the query -------------------------------------------------------------------------- */

static int query_integer(struct ctx *c, const char *name, long long *out)
{
    const char *v = request_query(c->req, name);
    if (!v)
        return 0;
    while (*v == ' ')
        v++;
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    while (*end == ' ')
        end++;
    if (end == v || *end || (v[0] != '-' && v[0] != '+' && !isdigit((unsigned char)v[0]))) {
        scim_fail(c, 400, SCIM_INVALID_VALUE,
                  arena_printf(c->arena, "%s must be an integer.", name));
        return -1;
    }
    if (errno == ERANGE)   /* a huge value is clamped, as any other out of range */
        n = n < 0 ? -1 : (long long)1 << 40;
    *out = n;
    return 0;
}

int scim_paging(struct ctx *c, long long *start, long long *count)
{
    *start = 1;
    *count = SCIM_DEFAULT_COUNT;
    if (query_integer(c, "startIndex", start) != 0 || query_integer(c, "count", count) != 0)
        return -1;
    if (*start < 1)
        *start = 1;
    if (*count < 0)
        *count = 0;
    if (*count > SCIM_MAX_RESULTS)
        *count = SCIM_MAX_RESULTS;
    return 0;
}

int scim_query_filter(struct ctx *c, const struct scim_attr_def *defs, size_t ndefs,
                      const char *urn, struct scim_filter **out)
{
    *out = NULL;
    const char *text = request_query(c->req, "filter");
    if (!text)
        return 0;
    struct scim_error err = { 0 };
    struct scim_filter *f = scim_filter_parse(c->arena, text, strlen(text), &err);
    if (!f || !scim_filter_resolve(f, defs, ndefs, urn, c->arena, &err)) {
        if (!err.status)
            err = (struct scim_error){ 400, SCIM_INVALID_FILTER, "Invalid filter." };
        scim_fail_with(c, &err);
        return -1;
    }
    *out = f;
    return 0;
}

bool scim_excluded(struct ctx *c, const char *attr)
{
    const char *v = request_query(c->req, "excludedAttributes");
    size_t n = strlen(attr);
    for (const char *p = v; p && *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len && p[len - 1] == ' ')
            len--;
        if (len == n && strncasecmp(p, attr, n) == 0)
            return true;
        p = end ? end : p + len;
    }
    return false;
}

/* ---- bodies ----------------------------------------------------------------------------- */

struct json_object *scim_body_object(struct ctx *c)
{
    struct json_object *b = c->req->fields;
    if (!b || c->req->body_kind != BODY_JSON || !json_object_is_type(b, json_type_object)) {
        scim_fail(c, 400, SCIM_INVALID_SYNTAX, "The body must be a JSON object.");
        return NULL;
    }
    return b;
}

struct json_object *scim_member(struct json_object *obj, const char *name)
{
    if (!obj || !json_object_is_type(obj, json_type_object))
        return NULL;
    struct json_object *v;
    if (json_object_object_get_ex(obj, name, &v))
        return v;
    json_object_object_foreach(obj, key, val) {
        if (strcasecmp(key, name) == 0)
            return val;
    }
    return NULL;
}

bool scim_bool(struct json_object *v, bool *out)
{
    if (json_object_is_type(v, json_type_boolean)) {
        *out = json_object_get_boolean(v);
        return true;
    }
    if (json_object_is_type(v, json_type_string)) {
        const char *s = json_object_get_string(v);
        if (strcasecmp(s, "true") == 0 || strcasecmp(s, "false") == 0) {
            *out = strcasecmp(s, "true") == 0;
            return true;
        }
    }
    return false;
}

void scim_audit(struct ctx *c, const char *action, const char *target_type, const char *id,
                const char *detail)
{
    audit_note(c, action, target_type, id ? arena_strdup(c->arena, id) : NULL);
    audit_actor(c, NULL, "scim");
    if (detail && detail[0]) {
        /* the names only, one space apart, within the column */
        char *d = arena_strdup(c->arena, detail);
        size_t n = strlen(d);
        while (n && d[n - 1] == ' ')
            d[--n] = '\0';
        if (n > 250)
            d[250] = '\0';
        audit_detail(c, d);
    }
}

bool scim_id_plausible(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)id[i]) && id[i] != '-' && id[i] != '_' && id[i] != '.')
            return false;
    return true;
}

/* ---- the pipeline ----------------------------------------------------------------------- */

/* The SCIM token, per A.2: 0 when the bearer is it, else answers the 401. Refusals are
 * logged at most once a minute per worker, without the credential. */
static int check_token(struct ctx *c)
{
    static long long last_logged;
    const char *h = c->req->authorization;
    const char *why = NULL;
    const char *tok = NULL;
    size_t toklen = 0;
    if (!h) {
        why = "Authorization header required";
    } else {
        const char *p = h, *parts[3];
        size_t lens[3], np = 0;
        while (*p && np < 3) {
            while (*p == ' ' || *p == '\t')
                p++;
            if (!*p)
                break;
            parts[np] = p;
            while (*p && *p != ' ' && *p != '\t')
                p++;
            lens[np] = (size_t)(p - parts[np]);
            np++;
        }
        while (*p == ' ' || *p == '\t')
            p++;
        if (np != 2 || *p)
            why = "Invalid authorization format. Expected: Bearer <token>";
        else if (lens[0] != 6 || strncasecmp(parts[0], "bearer", 6) != 0)
            why = "Invalid authentication scheme";
        else {
            tok = parts[1];
            toklen = lens[1];
        }
    }
    if (!why) {
        /* compared in constant time over the whole length: digests of both */
        const char *want = scim_env()->token;
        char a[65], b[65];
        sha256_hex(tok, toklen, a);
        sha256_hex(want, strlen(want), b);
        unsigned diff = 0;
        for (size_t i = 0; i < 64; i++)
            diff |= (unsigned)(a[i] ^ b[i]);
        if (!want[0] || diff != 0)
            why = "Invalid SCIM token";
    }
    if (!why)
        return 0;
    long long now = (long long)time(NULL);
    if (now - last_logged >= 60) {
        last_logged = now;
        log_warning("SCIM: a request was refused (%s); further refusals are not logged for "
                    "a minute", why);
    }
    scim_fail(c, 401, SCIM_TYPE_NONE, why);
    return -1;
}

static bool has_body(enum http_method m)
{
    return m == HTTP_POST || m == HTTP_PUT || m == HTTP_PATCH || m == HTTP_DELETE;
}

/* One attempt of a SCIM route (api_run_retried): its handler. */
static void scim_attempt(struct ctx *c, const void *arg)
{
    const struct route *route = arg;
    route->handler(c);
}

void scim_handle(struct ctx *c, struct route_match *m, const char *rest, body_read_fn read_fn,
                 void *rctx)
{
    switch (router_match(scim_routes, scim_routes_count, c->req->method_id,
                         rest[0] ? rest : "/", m)) {
    case ROUTE_FOUND:
        break;
    case ROUTE_METHOD_NOT_ALLOWED:
        scim_fail(c, 405, SCIM_TYPE_NONE, "Method Not Allowed");
        return;
    default:
        scim_fail(c, 404, SCIM_TYPE_NONE, "Not Found");
        return;
    }
    if (m->route->access != ACCESS_PUBLIC && check_token(c) != 0)
        return;
    struct http_error err = { 0 };
    if (has_body(c->req->method_id) || c->req->content_length > 0) {
        if (request_read_body(c->req, read_fn, rctx, c->cfg->request_body_max, &err) != 0) {
            scim_fail(c, err.status, err.status == 413 ? SCIM_TYPE_NONE : SCIM_INVALID_SYNTAX,
                      err.detail);
            return;
        }
        if (request_parse_body(c->req, &err) != 0) {
            scim_fail(c, err.status == 413 || err.status == 415 ? err.status : 400,
                      err.status == 413 || err.status == 415 ? SCIM_TYPE_NONE
                                                            : SCIM_INVALID_SYNTAX,
                      err.status == 413 || err.status == 415 ? err.detail
                                                            : "The body is not valid JSON.");
            return;
        }
        if (c->req->body_kind == BODY_FORM) {
            scim_fail(c, 415, SCIM_TYPE_NONE,
                      "Send application/scim+json or application/json.");
            return;
        }
    }
    api_run_retried(c, scim_attempt, m->route);
    if (c->res->status == 0)
        scim_db_error(c);
    audit_write(c);
}

/* ---- discovery -------------------------------------------------------------------------- */

void scim_sp_config_get(struct ctx *c)
{
    scim_answer(c, 200, scim_service_provider_config(scim_base_url(c), SCIM_MAX_RESULTS));
}

void scim_resource_types_get(struct ctx *c)
{
    scim_answer(c, 200, scim_resource_types(scim_base_url(c)));
}

void scim_resource_type_get(struct ctx *c)
{
    struct json_object *o = scim_resource_type(scim_base_url(c), ctx_param(c, "id"));
    if (!o)
        scim_fail(c, 404, SCIM_TYPE_NONE, "Resource type not found");
    else
        scim_answer(c, 200, o);
}

void scim_schemas_get(struct ctx *c)
{
    scim_answer(c, 200, scim_schemas(scim_base_url(c)));
}

void scim_schema_get(struct ctx *c)
{
    struct json_object *o = scim_schema(scim_base_url(c), ctx_param(c, "id"));
    if (!o)
        scim_fail(c, 404, SCIM_TYPE_NONE, "Schema not found");
    else
        scim_answer(c, 200, o);
}

void scim_not_implemented(struct ctx *c)
{
    scim_fail(c, 501, SCIM_TYPE_NONE, "Not Implemented");
}
