/* /api/v1/users/user/... and /usage: the caller's own settings, status, info, variables
 * and usage report (contract §1a, deltas §2.1, §2.3, §2.4). */
#include "config.h"
#include "usher/api.h"

#include <string.h>
#include <time.h>

#include "usher/api_common.h"
#include "usher/arena.h"
#include "usher/db.h"
#include "usher/db_user_edit.h"
#include "usher/db_users.h"
#include "usher/fields.h"
#include "usher/session.h"
#include "usher/settings.h"
#include "usher/usage.h"
#include "usher/user.h"
#include "usher/variables.h"

static bool is_admin(const struct ctx *c)
{
    return c->session->user->role == ROLE_ADMIN;
}

/* A stored JSON column as the answer (null when NULL or not valid JSON). */
static void answer_json_text(struct ctx *c, const char *text)
{
    struct json_object *v = text ? json_tokener_parse(text) : NULL;
    response_json(c->res, 200, v);
}

/* The answer to a merge of settings or info that did not land: a document over
 * user_data.max_size or .max_keys is a 413 naming the limit (nothing written). */
static int merge_status(struct ctx *c, int rc, const char *refused)
{
    if (rc == DB_REFUSED) {
        response_detail(c->res, 413, refused ? refused : "user_data limit");
        return -1;
    }
    return api_user_db_status(c, rc);
}

/* ---- settings ------------------------------------------------------------------------ */

/* The caller's whole row, for the answers that show its settings or info: the session's
 * user has neither (the caller lookup never reads them). NULL when answered (an error). */
static struct user *me_whole(struct ctx *c)
{
    struct user *u = NULL;
    if (api_user_db_status(c, db_user_get(c->db, c->arena, c->session->user->id, &u)) != 0)
        return NULL;
    return u;
}

void users_settings_get(struct ctx *c)
{
    struct user *me = me_whole(c);
    if (!me)
        return;
    /* UserSettings: a stored object without "ui" shows "ui": {}. */
    struct json_object *o = user_json(c->arena, me, VIEW_MODEL);
    struct json_object *settings = json_object_object_get(o, "settings");
    response_json(c->res, 200, json_object_get(settings));
    json_object_put(o);
}

/* UserSettings: "ui" an object (or null), any other member kept. */
static const struct field_spec settings_fields[] = {
    { "ui", FIELD_OBJECT, false, true, 0, NULL, NULL },
};
const struct form users_settings_form = FORM(settings_fields);

/* Deletes member key of obj when obj is an object. */
static void drop(struct json_object *obj, const char *key)
{
    if (obj && json_object_is_type(obj, json_type_object))
        json_object_object_del(obj, key);
}

void users_settings_update(struct ctx *c)
{
    const struct user *me = c->session->user;
    /* deltas §2.4, in the reference's order: the body (a dict: 422), settings.interface,
     * then the tool servers and webhooks a non-admin may not set are removed, then the
     * shallow merge. */
    if (api_body_object(c) != 0)
        return;
    if (!is_admin(c) && !session_has_permission(c, me, "settings.interface")) {
        response_detail(c->res, 403, ERR_ACCESS_PROHIBITED);
        return;
    }
    struct json_object *body = json_object_get(c->req->fields);
    struct json_object *ui = json_object_object_get(body, "ui");
    if (!is_admin(c)) {
        if (ui && json_object_object_get_ex(ui, "toolServers", NULL) &&
            !session_has_permission(c, me, "features.direct_tool_servers"))
            drop(ui, "toolServers");
        struct json_object *notes = json_object_object_get(ui, "notifications");
        bool webhook = json_object_object_get_ex(body, "notifications", NULL) ||
                       (notes && json_object_is_type(notes, json_type_object) &&
                        json_object_object_get_ex(notes, "webhook_url", NULL));
        if (webhook && !session_has_permission(c, me, "features.webhooks")) {
            drop(body, "notifications");
            drop(notes, "webhook_url");
        }
    }
    struct json_object *merged = NULL;
    const char *refused = NULL;
    int rc = db_user_merge_json(c->db, c->arena, me->id, USER_COLUMN_SETTINGS, body,
                                &settings_env()->user_doc, &merged, &refused);
    json_object_put(body);
    if (merge_status(c, rc, refused) != 0)
        return;
    if (!json_object_object_get_ex(merged, "ui", NULL))
        json_object_object_add(merged, "ui", json_object_new_object());
    response_json(c->res, 200, merged);
}

/* ---- info -------------------------------------------------------------------------------- */

void users_info_get(struct ctx *c)
{
    struct user *me = me_whole(c);
    if (me)
        answer_json_text(c, me->info);
}

void users_info_update(struct ctx *c)
{
    if (api_body_object(c) != 0)
        return;
    struct json_object *merged = NULL;
    const char *refused = NULL;
    int rc = db_user_merge_json(c->db, c->arena, c->session->user->id, USER_COLUMN_INFO,
                                c->req->fields, &settings_env()->user_doc, &merged, &refused);
    if (merge_status(c, rc, refused) == 0)
        response_json(c->res, 200, merged);
}

/* ---- status ------------------------------------------------------------------------------ */

static int status_enabled(struct ctx *c)
{
    if (settings_bool(c, "ENABLE_USER_STATUS"))
        return 0;
    response_detail(c->res, 403, ERR_ACTION_PROHIBITED);
    return -1;
}

void users_status_get(struct ctx *c)
{
    if (status_enabled(c) != 0)
        return;
    struct user *me = me_whole(c);   /* the answer is the whole UserModel */
    if (me)
        response_json(c->res, 200, user_json(c->arena, me, VIEW_MODEL));
}

enum { STATUS_EMOJI, STATUS_MESSAGE, STATUS_EXPIRES, STATUS__MAX };
static const struct field_spec status_fields[STATUS__MAX] = {
    [STATUS_EMOJI] = { "status_emoji", FIELD_STR, false, true, 64, NULL, NULL },
    /* in every GET /auths/ answer: bounded like bio (usher's, not the reference's) */
    [STATUS_MESSAGE] = { "status_message", FIELD_STR, false, true, 4096, NULL, NULL },
    [STATUS_EXPIRES] = { "status_expires_at", FIELD_INT, false, true, 0, NULL, NULL },
};
const struct form users_status_form = FORM(status_fields);

void users_status_update(struct ctx *c)
{
    if (status_enabled(c) != 0)
        return;
    const struct field_value *v = c->v;
    const char *id = c->session->user->id;
    bool expires = v[STATUS_EXPIRES].present && !v[STATUS_EXPIRES].is_null;
    int rc = db_user_set_status(c->db, id, api_value_str(&v[STATUS_EMOJI]),
                                api_value_str(&v[STATUS_MESSAGE]),
                                expires ? &v[STATUS_EXPIRES].i : NULL);
    struct user *u = NULL;
    if (rc == DB_OK)
        rc = db_user_get(c->db, c->arena, id, &u);
    if (api_user_db_status(c, rc) == 0)
        response_json(c->res, 200, user_json(c->arena, u, VIEW_MODEL));
}

/* ---- variables ------------------------------------------------------------------------------ */

static void answer_variables(struct ctx *c, struct json_object *vars)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "variables", vars);
    response_json(c->res, 200, o);
}

void users_variables_get(struct ctx *c)
{
    const char *json = NULL;
    int rc = db_user_get_variables(c->db, c->arena, c->session->user->id, &json);
    if (rc == DB_ERROR) {
        api_db_error(c);
        return;
    }
    answer_variables(c, variables_from_stored(json));
}

static const struct field_spec variables_fields[] = {
    { "variables", FIELD_OBJECT, false, false, 0, NULL, NULL },
};
const struct form users_variables_form = FORM(variables_fields);

void users_variables_update(struct ctx *c)
{
    struct json_object *given = c->v[0].present ? c->v[0].json : NULL;
    struct json_object *empty = given ? NULL : json_object_new_object();
    struct json_object *vars = NULL;
    const char *why = variables_validate(c->arena, given ? given : empty, &vars);
    json_object_put(empty);
    if (why) {
        response_detail(c->res, 400, why);
        return;
    }
    const char *text = json_object_to_json_string_ext(vars, JSON_C_TO_STRING_PLAIN |
                                                            JSON_C_TO_STRING_NOSLASHESCAPE);
    int rc = db_user_set_variables(c->db, c->session->user->id, text);
    if (api_user_db_status(c, rc) != 0) {
        json_object_put(vars);
        return;
    }
    answer_variables(c, vars);
}

/* ---- usage ------------------------------------------------------------------------------------ */

void users_usage(struct ctx *c)
{
    const struct user *me = c->session->user;
    struct usage_args q = {
        .has_days = request_query(c->req, "days") != NULL,
        .has_start = request_query(c->req, "start_date") != NULL,
        .has_end = request_query(c->req, "end_date") != NULL,
    };
    if (api_query_int(c, "days", &q.days) != 0 || api_query_int(c, "start_date", &q.start) != 0 ||
        api_query_int(c, "end_date", &q.end) != 0)
        return;
    /* Out of range is FastAPI's 422 for the parameter, before any arithmetic. */
    if ((q.has_days &&
         api_query_range(c, "days", q.days, USAGE_MIN_DAYS_ARG, USAGE_MAX_DAYS_ARG) != 0) ||
        (q.has_start &&
         api_query_range(c, "start_date", q.start, USAGE_MIN_DATE, USAGE_MAX_DATE) != 0) ||
        (q.has_end && api_query_range(c, "end_date", q.end, USAGE_MIN_DATE, USAGE_MAX_DATE) != 0))
        return;
    long long start = 0, end = 0;
    switch (usage_period(&q, (long long)time(NULL), me->created_at, &start, &end)) {
    case USAGE_OK:
        response_json(c->res, 200, usage_empty(start, end, me->timezone));
        return;
    case USAGE_START_AFTER_END:
        response_detail(c->res, 400, ERR_START_AFTER_END);
        return;
    case USAGE_TOO_LONG:
        response_detail(c->res, 400, ERR_PERIOD_TOO_LONG);
        return;
    case USAGE_BAD_DAYS:
    case USAGE_BAD_START:
    case USAGE_BAD_END:
        break;   /* answered above */
    }
    response_detail(c->res, 400, ERR_DEFAULT);
}
