/* The permission endpoints of the users router (contract §1a, §4; deltas §2.2, §2.5, §5):
 * the caller's effective tree and the stored default tree (read, replace, and the compiled
 * defaults the "Reset to Defaults" button asks for). The tree itself is model/permissions.c;
 * the stored defaults live in the config table (settings.c), whose version bump makes
 * every worker read a new tree at its next request. */
#include "config.h"
#include "usher/api.h"

#include <string.h>

#include "usher/api_common.h"
#include "usher/audit.h"
#include "usher/fields.h"
#include "usher/permissions.h"
#include "usher/session.h"
#include "usher/settings.h"

void users_permissions(struct ctx *c)
{
    response_json(c->res, 200, session_effective_permissions(c, c->session->user));
}

void users_default_permissions_get(struct ctx *c)
{
    response_json(c->res, 200, permissions_router_view(settings_permission_defaults(c)));
}

void users_default_permissions_compiled(struct ctx *c)
{
    struct json_object *compiled = permissions_compiled_defaults();
    response_json(c->res, 200, permissions_router_view(compiled));
    json_object_put(compiled);
}

/* A 422 list of one item at loc ["body", section(, key)]. */
static void answer_422(struct ctx *c, const char *type, const char *msg, const char *path,
                       struct json_object *input)
{
    struct json_object *item = fields_error(type, NULL, msg, input);
    struct json_object *loc = json_object_new_array();
    json_object_array_add(loc, json_object_new_string("body"));
    /* "section.key": both steps go in the loc. */
    const char *dot = path ? strchr(path, '.') : NULL;
    if (path && dot) {
        json_object_array_add(loc, json_object_new_string_len(path, (int)(dot - path)));
        json_object_array_add(loc, json_object_new_string(dot + 1));
    } else if (path) {
        json_object_array_add(loc, json_object_new_string(path));
    }
    json_object_object_add(item, "loc", loc);
    struct json_object *list = json_object_new_array();
    json_object_array_add(list, item);
    response_validation(c->res, list);
}

/* The value at "section(.key)" of body, borrowed (NULL when absent). */
static struct json_object *at_path(struct json_object *body, const char *path)
{
    char sec[64];
    const char *dot = strchr(path, '.');
    size_t n = dot ? (size_t)(dot - path) : strlen(path);
    if (n >= sizeof(sec))
        return NULL;
    memcpy(sec, path, n);
    sec[n] = '\0';
    struct json_object *v = NULL;
    if (!json_object_object_get_ex(body, sec, &v) || !dot)
        return v;
    struct json_object *w = NULL;
    if (json_object_is_type(v, json_type_object))
        json_object_object_get_ex(v, dot + 1, &w);
    return w;
}

void users_default_permissions_post(struct ctx *c)
{
    audit_note(c, "permissions.defaults_update", NULL, NULL);
    struct json_object *body = c->req->fields;
    if (!body || !json_object_is_type(body, json_type_object)) {
        answer_422(c, body ? "model_attributes_type" : "missing",
                   body ? "Input should be a valid dictionary or object to extract fields from"
                        : "Field required", NULL, body);
        return;
    }
    const char *missing = NULL, *bad = NULL;
    struct json_object *tree = permissions_from_post(body, &missing, &bad);
    if (!tree) {
        if (missing)
            answer_422(c, "missing", "Field required", missing, body);
        else if (bad && !strchr(bad, '.'))
            answer_422(c, "model_attributes_type",
                       "Input should be a valid dictionary or object to extract fields from",
                       bad, at_path(body, bad));
        else
            answer_422(c, "bool_parsing",
                       "Input should be a valid boolean, unable to interpret input", bad,
                       bad ? at_path(body, bad) : NULL);
        return;
    }
    /* The whole stored tree is replaced; the answer is what was stored. */
    struct json_object *answer = json_object_get(tree);
    if (settings_put(c, "USER_PERMISSIONS", tree) != 0) {
        json_object_put(answer);
        api_db_error(c);
        return;
    }
    response_json(c->res, 200, answer);
}
