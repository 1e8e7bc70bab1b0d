/* Small helpers the API handlers share. */
#include "config.h"
#include "usher/api_common.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "usher/accounts.h"
#include "usher/arena.h"
#include "usher/db.h"
#include "usher/db_users.h"
#include "usher/errors.h"
#include "usher/log.h"
#include "usher/password.h"
#include "usher/session.h"
#include "usher/settings.h"
#include "usher/validate.h"
#include "usher/work_gate.h"

const char *ctx_param(const struct ctx *c, const char *name)
{
    return route_param(c->match, name);
}

void api_db_error(struct ctx *c)
{
    response_detail(c->res, 500, ERR_DEFAULT);
}

struct json_object *json_str_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

struct json_object *json_int_or_null(const char *s)
{
    return s ? json_object_new_int64(strtoll(s, NULL, 10)) : NULL;
}

int api_parse_form(struct ctx *c, const struct field_spec *specs, size_t n, bool forbid_extra,
                   struct field_value *out)
{
    struct json_object *errors = NULL;
    if (fields_parse(c->arena, c->req->fields, specs, n, forbid_extra, out, &errors) == 0)
        return 0;
    response_validation(c->res, errors);
    return -1;
}

const char *api_value_str(const struct field_value *v)
{
    return v->present && !v->is_null ? v->s : NULL;
}

const char *api_image_url_ok(const char *url, size_t len, const void *arg)
{
    (void)arg;
    return validate_profile_image_url(url, len, &settings_env()->image_policy);
}

int api_bcrypt_enter(struct ctx *c)
{
    if (work_gate_enter())
        return 0;
    response_header(c->res, "Retry-After", "1");
    response_detail(c->res, 503, "Too many password checks at once. Please try again shortly.");
    return -1;
}

void api_bcrypt_leave(void)
{
    work_gate_leave();
}

/* One 422 item at loc ["query", name] (FastAPI's shape for a query parameter). */
static void query_error(struct ctx *c, const char *type, const char *name, const char *msg,
                        const char *input, struct json_object *ctxobj)
{
    struct json_object *item = json_object_new_object();
    struct json_object *loc = json_object_new_array();
    json_object_array_add(loc, json_object_new_string("query"));
    json_object_array_add(loc, json_object_new_string(name));
    json_object_object_add(item, "type", json_object_new_string(type));
    json_object_object_add(item, "loc", loc);
    json_object_object_add(item, "msg", json_object_new_string(msg));
    json_object_object_add(item, "input", json_object_new_string(input));
    if (ctxobj)
        json_object_object_add(item, "ctx", ctxobj);
    struct json_object *list = json_object_new_array();
    json_object_array_add(list, item);
    response_validation(c->res, list);
}

int api_query_int(struct ctx *c, const char *name, long long *out)
{
    const char *s = request_query(c->req, name);
    if (!s)
        return 0;
    /* pydantic's lax int from a string: optional sign and surrounding whitespace, digits
     * (underscores between digits are allowed too, but nobody sends them). */
    const char *p = s;
    while (*p == ' ' || *p == '\t')
        p++;
    char *end;
    errno = 0;
    long long v = strtoll(p, &end, 10);
    while (end != p && (*end == ' ' || *end == '\t'))
        end++;
    if (end == p || *end || errno == ERANGE || !(p[0] == '-' || p[0] == '+' || isdigit((unsigned char)p[0]))) {
        query_error(c, "int_parsing", name,
                    "Input should be a valid integer, unable to parse string as an integer",
                    s, NULL);
        return -1;
    }
    *out = v;
    return 0;
}

int api_query_range(struct ctx *c, const char *name, long long value, long long min,
                    long long max)
{
    if (value >= min && value <= max)
        return 0;
    bool low = value < min;
    struct json_object *ctxobj = json_object_new_object();
    json_object_object_add(ctxobj, low ? "ge" : "le", json_object_new_int64(low ? min : max));
    const char *msg = arena_printf(c->arena, "Input should be %s than or equal to %lld",
                                   low ? "greater" : "less", low ? min : max);
    query_error(c, low ? "greater_than_equal" : "less_than_equal", name, msg,
                request_query(c->req, name), ctxobj);
    return -1;
}

int api_body_object(struct ctx *c)
{
    struct json_object *body = c->req->fields;
    if (body && json_object_is_type(body, json_type_object))
        return 0;
    struct json_object *list = json_object_new_array();
    if (!body && c->req->body_kind == BODY_NONE)
        json_object_array_add(list, fields_error("missing", NULL, "Field required", NULL));
    else
        json_object_array_add(list, fields_error("dict_type", NULL,
                                                 "Input should be a valid dictionary", body));
    response_validation(c->res, list);
    return -1;
}

int api_user_db_status(struct ctx *c, int rc)
{
    if (rc == DB_OK)
        return 0;
    if (rc == DB_NOT_FOUND)
        response_detail(c->res, 400, ERR_NOT_FOUND);
    else if (rc == DB_DUPLICATE)
        response_detail(c->res, 400, ERR_EMAIL_TAKEN);
    else
        api_db_error(c);
    return -1;
}

void api_account_refused(struct ctx *c, const struct account_result *r)
{
    if (r->refusal == ACCOUNT_BUSY)
        response_header(c->res, "Retry-After", "1");
    response_detail(c->res, r->status, r->reason);
}

bool api_admin_bootstrap_owed(struct ctx *c)
{
    if (!accounts_bootstrap_pending())
        return false;
    response_header(c->res, "Retry-After", "5");
    response_detail(c->res, 503,
                    "The administrator account is not set up yet. Please try again shortly.");
    return true;
}

enum {
    /* A request whose transaction lost a conflict runs again at most this many times more. */
    CONFLICT_RETRIES = 6,
};

/* A short random pause before running a request again: 2^attempt ms plus as much jitter, so
 * two hosts that conflicted do not meet again at once. */
static void conflict_backoff(int attempt)
{
    static unsigned int seed;
    if (!seed)
        seed = (unsigned int)time(NULL) ^ ((unsigned int)getpid() << 16);
    long ms = 2L << attempt;
    ms += (long)(rand_r(&seed) % (unsigned int)ms);
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

void api_run_retried(struct ctx *c, void (*attempt)(struct ctx *c, const void *arg),
                     const void *arg)
{
    const struct response saved = *c->res;
    for (int n = 0;; n++) {
        db_attempt_begin(c->db);
        attempt(c, arg);
        if (n == CONFLICT_RETRIES || c->res->status < 400 || !db_attempt_retryable(c->db))
            break;
        log_notice("%s %s: a conflicting write on another worker or host; running it again "
                   "(%d)", c->req->method, c->req->path, n + 1);
        *c->res = saved;
        c->audit = NULL;
        c->target_user = NULL;
        c->target_groups = NULL;
        c->target_ngroups = 0;
        c->target_group = NULL;
        conflict_backoff(n);
        db_set_causal(c->db, true);
    }
    db_set_causal(c->db, false);
}
