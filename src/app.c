/* The request pipeline drawn in src/README.md:
 * request -> router -> session -> handler -> response.
 * Every failure on the way becomes one of the contract's JSON errors; nothing here knows
 * SQL or FastCGI. */
#include "config.h"
#include "usher/app.h"

#include <stdlib.h>
#include <string.h>

#include "usher/accounts.h"
#include "usher/api.h"
#include "usher/api_common.h"
#include "usher/arena.h"
#include "usher/audit.h"
#include "usher/config.h"
#include "usher/csrf.h"
#include "usher/ctx.h"
#include "usher/db.h"
#include "usher/db_groups.h"
#include "usher/db_users.h"
#include "usher/fields.h"
#include "usher/log.h"
#include "usher/pages.h"
#include "usher/response.h"
#include "usher/router.h"
#include "usher/scim_api.h"
#include "usher/session.h"
#include "usher/settings.h"
#include "usher/work_gate.h"

struct app {
    const struct usher_config *cfg;
    struct db *db;
    struct request req;
    bool have_request;
};

struct app *app_new(const struct usher_config *cfg)
{
    struct app *app = calloc(1, sizeof(*app));
    if (!app)
        return NULL;
    app->cfg = cfg;
    struct db_options o = {
        .socket = cfg->db_socket, .host = cfg->db_host, .port = (unsigned)cfg->db_port,
        .user = cfg->db_user, .password = cfg->db_password, .name = cfg->db_name,
    };
    app->db = db_connect(&o);
    settings_env_init(cfg);
    accounts_bootstrap_from_env(app->db);
    return app;
}

void app_free(struct app *app)
{
    if (!app)
        return;
    db_close(app->db);
    free(app);
}

static bool method_has_body(enum http_method m)
{
    return m == HTTP_POST || m == HTTP_PUT || m == HTTP_PATCH || m == HTTP_DELETE;
}

/* The target the caller lookup read in the same round trip (session.h), taken once: a
 * retried attempt reads it again. Returns true with *rc set when it served the route. */
static bool prefetched_target(struct ctx *c, enum route_target target, int *rc)
{
    struct session *s = c->session;
    const char *id = ctx_param(c, "user_id");
    if (!s || !s->target_read || !s->target_id || !id || strcmp(s->target_id, id) != 0)
        return false;
    s->target_read = false;
    if (!s->target) {
        *rc = DB_NOT_FOUND;
        return true;
    }
    c->target_user = s->target;
    *rc = route_target_has_groups(target)
              ? db_user_group_names_listed(c->db, c->arena, id, s->groups_version,
                                           s->target_group_ids, &c->target_groups,
                                           &c->target_ngroups)
              : DB_OK;
    return true;
}

/* Loads the route's target from its path parameter, answering the contract's not-found
 * error when there is none (route.h). Returns 0 when the handler may run. */
static int load_target(struct ctx *c, enum route_target target)
{
    int rc = DB_OK;
    switch (target) {
    case TARGET_NONE:
        return 0;
    case TARGET_USER:
    case TARGET_USER_404:
    case TARGET_USER_GROUPS:
    case TARGET_USER_GROUPS_404:
        if (!prefetched_target(c, target, &rc))
            rc = route_target_has_groups(target)
                     ? db_user_get_with_groups(c->db, c->arena, ctx_param(c, "user_id"),
                                               c->session ? c->session->groups_version : NULL,
                                               &c->target_user, &c->target_groups,
                                               &c->target_ngroups)
                     : db_user_get(c->db, c->arena, ctx_param(c, "user_id"), &c->target_user);
        if (rc == DB_NOT_FOUND)
            response_detail(c->res, route_target_is_404(target) ? 404 : 400, ERR_NOT_FOUND);
        break;
    case TARGET_GROUP:
    case TARGET_GROUP_404:
        rc = db_group_get(c->db, c->arena, ctx_param(c, "id"), &c->target_group);
        if (rc == DB_NOT_FOUND)
            response_detail(c->res, target == TARGET_GROUP ? 401 : 404, ERR_NOT_FOUND);
        break;
    }
    if (rc == DB_OK)
        return 0;
    if (rc != DB_NOT_FOUND)
        api_db_error(c);
    return -1;
}

/* FastAPI answers a path that matches only with the final slash toggled by a 307 to the
 * other form, as an absolute URL built from the request's Host. */
static void redirect_slash(struct ctx *c, const char *path)
{
    const struct request *r = c->req;
    const char *q = r->query_string && r->query_string[0] ? "?" : "";
    const char *loc = r->host ? arena_printf(c->arena, "%s://%s%s%s%s",
                                             r->https && r->https[0] ? "https" : "http",
                                             r->host, path, q, q[0] ? r->query_string : "")
                              : arena_printf(c->arena, "%s%s%s", path, q,
                                             q[0] ? r->query_string : "");
    response_redirect(c->res, 307, loc);
}

/* A browser that posted a plain HTML form gets a 303 to the form's "next" (a local path
 * only, so the redirect cannot be turned against another site) instead of JSON. */
static void browser_redirect(struct ctx *c)
{
    if (!request_is_browser_form(c->req) || c->res->status < 200 || c->res->status > 299)
        return;
    const char *next = NULL;
    struct json_object *v;
    if (c->req->fields && json_object_is_type(c->req->fields, json_type_object) &&
        json_object_object_get_ex(c->req->fields, "next", &v) &&
        json_object_is_type(v, json_type_string))
        next = json_object_get_string(v);
    if (!response_local_path(next))
        next = "/";
    c->res->body = "";
    c->res->body_len = 0;
    c->res->content_type = NULL;
    c->res->status = 303;
    response_header(c->res, "Location", arena_strdup(c->arena, next));
}

/* The target, then the handler: one attempt of api_run_retried. */
static void attempt_route(struct ctx *c, const void *arg)
{
    const struct route *route = arg;
    if (load_target(c, route->target) == 0)
        route->handler(c);
}

static void dispatch(struct app *app, struct ctx *ctx, struct route_match *match,
                     char *const *envp, body_read_fn read_fn, void *rctx)
{
    struct http_error err = { 0 };
    struct response *res = ctx->res;
    struct ctx *c = ctx;
    if (request_init(&app->req, ctx->arena, envp, &err) != 0) {
        response_http_error(res, &err);
        return;
    }
    /* SCIM (scim_api.h), when on: its own pipeline, table, credential and error shape. */
    const char *scim_rest;
    if (scim_mounted(app->req.path, &scim_rest)) {
        scim_handle(c, match, scim_rest, read_fn, rctx);
        return;
    }
    /* A path under pages.prefix is a browser page (pages.h): same pipeline, its own table. */
    const struct route *table = usher_routes;
    size_t ntable = usher_routes_count;
    const char *path = app->req.path;
    if (pages_match(c, path, &path)) {
        c->page = true;
        table = pages_routes;
        ntable = pages_routes_count;
    }
    switch (router_match(table, ntable, app->req.method_id, path, match)) {
    case ROUTE_NOT_FOUND:
        response_detail(res, 404, "Not Found");
        return;
    case ROUTE_METHOD_NOT_ALLOWED:
        response_detail(res, 405, "Method Not Allowed");
        return;
    case ROUTE_REDIRECT:
        redirect_slash(c, c->page ? arena_printf(c->arena, "%s%s", pages_prefix(c),
                                                 match->redirect)
                                  : match->redirect);
        return;
    case ROUTE_FOUND:
        break;
    }
    if (method_has_body(app->req.method_id) || app->req.content_length > 0) {
        if (request_read_body(&app->req, read_fn, rctx, app->cfg->request_body_max, &err) != 0 ||
            request_parse_body(&app->req, &err) != 0) {
            response_http_error(res, &err);
            return;
        }
    }
    if (session_authenticate(c, match->route->access) != 0)
        return;
    if (csrf_check(c) != 0)
        return;
    const struct route *route = match->route;
    if (route->form) {
        struct field_value *v = arena_calloc(c->arena, route->form->n ? route->form->n : 1,
                                             sizeof(*v));
        struct json_object *errors = NULL;
        if (fields_parse(c->arena, c->req->fields, route->form->fields, route->form->n,
                         route->form->forbid_extra, v, &errors) == 0) {
            c->v = v;
        } else if (c->page) {
            c->form_errors = errors;   /* the page shows them next to its form (page.h) */
        } else {
            response_validation(res, errors);
            return;
        }
    }
    api_run_retried(c, attempt_route, route);
    if (res->status == 0) {
        log_error("%s %s: handler produced no response", app->req.method, app->req.path);
        response_detail(res, 500, ERR_DEFAULT);
    }
    audit_write(c);
    if (!c->page)
        browser_redirect(c);
}

void app_handle(struct app *app, struct arena *arena, char *const *envp,
                body_read_fn read_fn, void *rctx, struct response *res)
{
    struct route_match *match = arena_alloc(arena, sizeof(*match));
    struct ctx c = { .arena = arena, .req = &app->req, .res = res, .db = app->db,
                     .cfg = app->cfg, .match = match };
    response_init(res, arena);
    res->no_store = true;
    app->have_request = true;
    /* WEBUI_ADMIN_EMAIL's admin comes before any request when start-up could not make it
     * (the database was down): see accounts.h. Once settled, this returns at once. */
    accounts_bootstrap_from_env(app->db);
    dispatch(app, &c, match, envp, read_fn, rctx);
    /* A failure because MariaDB cannot be reached is not the server's fault to hide: 503,
     * so proxies and clients retry, with the contract's text. */
    if (res->status == 500 && app->db && !db_connected(app->db)) {
        response_detail(res, 503, ERR_DEFAULT);
        response_header(res, "Retry-After", "1");
    }
    if (c.page)
        pages_finish(&c);
    session_release(&c);
    settings_release(&c);
}

void app_after_request(struct app *app)
{
    work_gate_leave();   /* a handler that returned early still gives its token back */
    if (app->db && db_in_transaction(app->db)) {
        log_error("%s %s: request ended inside a transaction; rolled back",
                  app->req.method ? app->req.method : "-", app->req.path ? app->req.path : "-");
        db_rollback(app->db);
    }
    if (app->have_request) {
        request_release(&app->req);
        memset(&app->req, 0, sizeof(app->req));
        app->have_request = false;
    }
}

void app_every_thousand(struct app *app)
{
    db_forget_idle_statements(app->db);
}
