/* /api/v1/users: listing and search, the caller's own data (groups, settings, status,
 * info, variables, usage), one user (record, info, activity, groups, OAuth sessions,
 * profile image) and the admin's update and deletion (contract §1a, §6, §7; deltas §2).
 * The permission endpoints are in permissions.c, the access preview of a user in
 * previews.c. */
#include "config.h"
#include "usher/api.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "usher/accounts.h"
#include "usher/api_common.h"
#include "usher/arena.h"
#include "usher/audit.h"
#include "usher/base64url.h"
#include "usher/db.h"
#include "usher/db_groups.h"
#include "usher/db_oauth.h"
#include "usher/db_user_edit.h"
#include "usher/db_user_list.h"
#include "usher/db_users.h"
#include "usher/json_writer.h"
#include "usher/log.h"
#include "usher/password.h"
#include "usher/session.h"
#include "usher/settings.h"
#include "usher/usage.h"
#include "usher/user.h"
#include "usher/validate.h"
#include "usher/variables.h"

#define PAGE_SIZE USERS_PAGE_SIZE
/* A user is active when seen in the last 3 minutes (§6). */
#define ACTIVE_WINDOW_S 180

static bool is_active(long long last_active_at)
{
    return last_active_at >= (long long)time(NULL) - ACTIVE_WINDOW_S;
}

/* ---- listing ------------------------------------------------------------------------- */

/* order_by as the contract names it; anything else orders as no order_by does. */
static enum user_order parse_order(const char *s, const char **group_id)
{
    static const struct { const char *name; enum user_order order; } names[] = {
        { "name", USER_ORDER_NAME }, { "email", USER_ORDER_EMAIL },
        { "created_at", USER_ORDER_CREATED_AT }, { "last_active_at", USER_ORDER_LAST_ACTIVE_AT },
        { "updated_at", USER_ORDER_UPDATED_AT }, { "role", USER_ORDER_ROLE },
    };
    if (!s)
        return USER_ORDER_DEFAULT;
    if (strncmp(s, "group_id:", 9) == 0) {
        *group_id = s + 9;
        return USER_ORDER_GROUP;
    }
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(s, names[i].name) == 0)
            return names[i].order;
    return USER_ORDER_DEFAULT;
}

/* The listing query of GET / and /search: query, order_by, direction and page (clamped to
 * at least 1; not an integer is FastAPI's 422). */
static int parse_listing(struct ctx *c, struct user_query *q)
{
    memset(q, 0, sizeof(*q));
    long long page = 1;
    if (api_query_int(c, "page", &page) != 0)
        return -1;
    if (page < 1)
        page = 1;
    if (page > LLONG_MAX / PAGE_SIZE)
        page = LLONG_MAX / PAGE_SIZE;
    q->text = request_query(c->req, "query");
    q->order = parse_order(request_query(c->req, "order_by"), &q->group_id);
    const char *dir = request_query(c->req, "direction");
    q->ascending = dir && strcmp(dir, "asc") == 0;
    q->offset = (page - 1) * PAGE_SIZE;
    q->limit = PAGE_SIZE;
    return 0;
}

/* {"users": [...], "total": n}: each user in view, plus what the endpoint adds. Written as
 * text (json_writer.h): the same bytes as json-c's objects, at a fraction of their cost. */
static void answer_page(struct ctx *c, const struct user_page *p, enum user_view view)
{
    struct json_writer w;
    json_writer_init(&w, c->arena, 64 + p->n * 768);
    json_writer_lit(&w, "{\"users\":[");
    for (size_t i = 0; i < p->n; i++) {
        if (i)
            json_writer_lit(&w, ",");
        json_writer_lit(&w, "{");
        user_json_write_members(&w, c->arena, &p->users[i], view);
        if (view == VIEW_MODEL) {
            json_writer_lit(&w, ",\"group_ids\":[");
            char *list = p->group_ids && p->group_ids[i] ? arena_strdup(c->arena, p->group_ids[i])
                                                         : NULL;
            bool first = true;
            for (char *save = NULL, *t = list ? strtok_r(list, ",", &save) : NULL; t;
                 t = strtok_r(NULL, ",", &save)) {
                if (!first)
                    json_writer_lit(&w, ",");
                first = false;
                json_writer_string(&w, t);
            }
            json_writer_lit(&w, "]");
        } else if (view == VIEW_INFO) {
            /* UserInfo in lists: groups and activity are not computed (§7.13). */
            json_writer_lit(&w, ",\"groups\":[],\"is_active\":false");
        }
        json_writer_lit(&w, "}");
    }
    json_writer_lit(&w, "],\"total\":");
    json_writer_int(&w, p->total);
    json_writer_lit(&w, "}");
    size_t len = 0;
    const char *body = json_writer_finish(&w, &len);
    response_arena_bytes(c->res, 200, "application/json", body, len);
}

static void list(struct ctx *c, const struct user_query *q, enum user_view view)
{
    struct user_page page;
    if (db_user_list(c->db, c->arena, q, &page) != DB_OK) {
        api_db_error(c);
        return;
    }
    answer_page(c, &page, view);
}

void users_list(struct ctx *c)
{
    struct user_query q;
    if (parse_listing(c, &q) != 0)
        return;
    q.with_group_ids = true;
    list(c, &q, VIEW_MODEL);
}

void users_search(struct ctx *c)
{
    struct user_query q;
    if (parse_listing(c, &q) != 0)
        return;
    q.columns = USER_COLUMNS_INFO;
    list(c, &q, VIEW_INFO);
}

void users_all(struct ctx *c)
{
    struct user_query q = { .order = USER_ORDER_DEFAULT, .columns = USER_COLUMNS_INFO };
    list(c, &q, VIEW_INFO);
}

void users_list_brief(struct ctx *c)
{
    struct user_query q;
    if (parse_listing(c, &q) != 0)
        return;
    q.columns = USER_COLUMNS_BRIEF;
    list(c, &q, VIEW_SIGNIN);
}

/* ---- groups ---------------------------------------------------------------------------- */

/* The groups of user_id as GroupModel items, in a new array; NULL after a database error
 * (answered). */
static struct json_object *groups_of(struct ctx *c, const char *user_id)
{
    struct group *groups;
    size_t n;
    if (db_group_list_of_user(c->db, c->arena, user_id, &groups, &n) != DB_OK) {
        api_db_error(c);
        return NULL;
    }
    struct json_object *a = json_object_new_array();
    for (size_t i = 0; i < n; i++)
        json_object_array_add(a, group_json(&groups[i]));
    return a;
}

void users_my_groups(struct ctx *c)
{
    struct json_object *a = groups_of(c, c->session->user->id);
    if (a)
        response_json(c->res, 200, a);
}

void users_groups_by_id(struct ctx *c)
{
    struct json_object *a = groups_of(c, ctx_param(c, "user_id"));
    if (a)
        response_json(c->res, 200, a);
}

/* ---- one user -------------------------------------------------------------------------- */

/* The route's target in view with its groups as {id, name} and whether it is active. */
static void answer_user_with_groups(struct ctx *c, enum user_view view)
{
    const struct user *u = c->target_user;
    struct json_object *groups = json_object_new_array();
    for (size_t i = 0; i < c->target_ngroups; i++)
        json_object_array_add(groups, group_id_name_json(&c->target_groups[i]));
    struct json_object *o = user_json(c->arena, u, view);
    json_object_object_add(o, "groups", groups);
    json_object_object_add(o, "is_active", json_object_new_boolean(is_active(u->last_active_at)));
    response_json(c->res, 200, o);
}

void users_get_by_id(struct ctx *c)
{
    answer_user_with_groups(c, VIEW_MODEL);
}

void users_info_by_id(struct ctx *c)
{
    answer_user_with_groups(c, VIEW_INFO);
}

void users_active_by_id(struct ctx *c)
{
    long long at = 0;
    int rc = db_user_get_last_active(c->db, c->arena, ctx_param(c, "user_id"), &at);
    if (rc == DB_ERROR) {
        api_db_error(c);
        return;
    }
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "active", json_object_new_boolean(rc == DB_OK && is_active(at)));
    response_json(c->res, 200, o);
}

void users_oauth_sessions_by_id(struct ctx *c)
{
    struct json_object *list = NULL;
    if (db_oauth_session_list(c->db, c->arena, c->target_user->id, &list) != DB_OK) {
        api_db_error(c);
        return;
    }
    /* The reference answers "not found" when the user has none. */
    if (json_object_array_length(list) == 0) {
        json_object_put(list);
        response_detail(c->res, 400, ERR_NOT_FOUND);
        return;
    }
    response_json(c->res, 200, list);
}

/* ---- profile image (§7.8) ------------------------------------------------------------------ */

/* The media type of a data:image URI ("data:<type>[;...],<data>"), lowercased, if the
 * policy allows it; *data points after the comma. NULL otherwise. */
static const char *data_uri_type(struct ctx *c, const char *url, const char **data)
{
    const char *comma = strchr(url, ',');
    if (!comma)
        return NULL;
    size_t end = strcspn(url + 5, ";,");
    char *type = arena_strndup(c->arena, url + 5, end);
    ascii_lower(type);
    const char *allowed = settings_env()->image_policy.allowed_mime;
    if (!allowed)
        allowed = "image/png,image/jpeg,image/gif,image/webp";
    /* an entry of the comma list, whole */
    size_t tl = strlen(type);
    for (const char *p = allowed; *p;) {
        while (*p == ',' || *p == ' ')
            p++;
        size_t n = strcspn(p, ",");
        while (n && p[n - 1] == ' ')
            n--;
        if (n == tl && n && strncasecmp(p, type, n) == 0) {
            *data = comma + 1;
            return type;
        }
        p += strcspn(p, ",");
    }
    return NULL;
}

/* The image types a browser renders as pixels only: served inline. Anything else an admin
 * allows (image/svg+xml runs scripts when opened as a document) is sent as an attachment. */
static bool raster_type(const char *type)
{
    static const char *const raster[] = { "image/png", "image/jpeg", "image/gif", "image/webp" };
    for (size_t i = 0; i < sizeof(raster) / sizeof(raster[0]); i++)
        if (strcmp(type, raster[i]) == 0)
            return true;
    return false;
}

/* Every image answer with a body: no script, plugin or style of its own, even opened as a
 * page of usher's origin, and no sniffing into another type. */
static void image_headers(struct ctx *c)
{
    response_header(c->res, "Content-Security-Policy", "default-src 'none'; sandbox");
    response_header(c->res, "X-Content-Type-Options", "nosniff");
}

void users_profile_image(struct ctx *c)
{
    const char *url = c->target_user->profile_image_url;
    if (url && strncmp(url, "http", 4) == 0 && settings_env()->image_forwarding) {
        response_redirect(c->res, 302, url);
        return;
    }
    const char *data = NULL, *type = NULL;
    if (url && strncmp(url, "data:image", 10) == 0 && (type = data_uri_type(c, url, &data))) {
        /* As Python's b64decode: characters outside the alphabet are dropped, and what
         * remains must be whole quadruples (padding included). */
        size_t len = 0, in = strlen(data);
        char *clean = arena_alloc(c->arena, in + 1);
        for (size_t i = 0; i < in; i++)
            if (isalnum((unsigned char)data[i]) || data[i] == '+' || data[i] == '/' ||
                data[i] == '=')
                clean[len++] = data[i];
        unsigned char *bytes = arena_alloc(c->arena, len / 4 * 3 + 4);
        long n = len % 4 == 0 ? base64_decode(clean, len, bytes) : -1;
        if (n >= 0) {
            response_bytes(c->res, 200, type, (const char *)bytes, (size_t)n);
            response_header(c->res, "Content-Disposition",
                            raster_type(type) ? "inline" : "attachment");
            image_headers(c);
            return;
        }
    }
    /* Anything else, a decode error included: the default image. */
    response_bytes(c->res, 200, "image/png", (const char *)api_default_avatar,
                   api_default_avatar_len);
    image_headers(c);
}

/* ---- the admin's writes (§7.5, §7.6) ------------------------------------------------------ */

/* Both go through the account service (accounts.h): the primary-admin rules (§7.5), the
 * e-mail's normal form and uniqueness, the password policy and the revocation. */
void users_update_by_id(struct ctx *c)
{
    const struct user *target = c->target_user;
    audit_note(c, "user.update", "user", target->id);
    struct account_result r;
    int rc = accounts_update(c, account_http_door(c), target, USER_FORM_ADMIN, c->v, NULL, &r);
    audit_detail(c, r.detail);
    if (rc != 0) {
        api_account_refused(c, &r);
        return;
    }
    struct user *u = NULL;
    if (api_user_db_status(c, db_user_get(c->db, c->arena, target->id, &u)) == 0)
        response_json(c->res, 200, user_json(c->arena, u, VIEW_MODEL));
}

void users_delete_by_id(struct ctx *c)
{
    const char *id = c->target_user->id;
    audit_note(c, "user.delete", "user", id);
    struct account_result r;
    if (accounts_delete(c, account_http_door(c), c->target_user, &r) != 0) {
        api_account_refused(c, &r);
        return;
    }
    response_json(c->res, 200, json_object_new_boolean(1));
}
