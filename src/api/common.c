/* Small helpers the API handlers share. */
#include "config.h"
#include "usher/api_common.h"

#include <stdlib.h>
#include <string.h>

#include "usher/arena.h"
#include "usher/users.h"

struct json_object *json_str_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

struct json_object *json_int_or_null(const char *s)
{
    return s ? json_object_new_int64(strtoll(s, NULL, 10)) : NULL;
}

const char *api_image_path(struct arena *a, const char *user_id)
{
    return arena_printf(a, "/api/v1/users/%s/profile/image", user_id);
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
