/* Small helpers the API handlers share. */
#include "config.h"
#include "usher/api_common.h"

#include <stdlib.h>
#include <string.h>

#include "usher/api.h"
#include "usher/arena.h"
#include "usher/db.h"
#include "usher/db_users.h"
#include "usher/password.h"
#include "usher/session.h"
#include "usher/settings.h"
#include "usher/validate.h"

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

/* The password policy, answered as a 400 with its text. */
int api_check_password_policy(struct ctx *c, const char *password)
{
    const char *why = password_policy_check(password, &settings_env()->password_policy);
    if (!why)
        return 0;
    response_detail(c->res, 400, why);
    return -1;
}

int api_set_password(struct ctx *c, const char *user_id, const char *password)
{
    if (api_check_password_policy(c, password) != 0)
        return -1;
    char newhash[128];
    if (password_hash(password, settings_env()->bcrypt_cost, newhash, sizeof(newhash)) != 0) {
        api_db_error(c);
        return -1;
    }
    /* Every token of the user issued before now stops working (usher's difference #1), but
     * the session making the change keeps working when it is the user's own. */
    const struct session *s = c->session;
    const char *keep = s && s->kind == CRED_JWT && strcmp(s->user->id, user_id) == 0 &&
                               s->claims.jti[0] ? s->claims.jti : NULL;
    if (db_user_set_password(c->db, user_id, newhash, session_now_ms() + 1, keep) != DB_OK) {
        api_db_error(c);
        return -1;
    }
    return 0;
}

