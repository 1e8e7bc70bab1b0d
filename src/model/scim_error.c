/* The SCIM error model (see scim_error.h). */
#include "config.h"
#include "usher/scim_error.h"

#include <stdio.h>

static const char *const type_names[SCIM_TYPE_COUNT] = {
    [SCIM_INVALID_FILTER] = "invalidFilter",
    [SCIM_TOO_MANY] = "tooMany",
    [SCIM_UNIQUENESS] = "uniqueness",
    [SCIM_MUTABILITY] = "mutability",
    [SCIM_INVALID_SYNTAX] = "invalidSyntax",
    [SCIM_INVALID_PATH] = "invalidPath",
    [SCIM_NO_TARGET] = "noTarget",
    [SCIM_INVALID_VALUE] = "invalidValue",
    [SCIM_INVALID_VERS] = "invalidVers",
    [SCIM_SENSITIVE] = "sensitive",
};

const char *scim_type_name(enum scim_type t)
{
    return (unsigned)t < SCIM_TYPE_COUNT ? type_names[t] : NULL;
}

struct json_object *scim_error_json(int status, enum scim_type type, const char *detail)
{
    struct json_object *o = json_object_new_object();
    struct json_object *schemas = json_object_new_array();
    json_object_array_add(schemas, json_object_new_string(SCIM_URN_ERROR));
    json_object_object_add(o, "schemas", schemas);
    char code[16];
    snprintf(code, sizeof code, "%d", status);
    json_object_object_add(o, "status", json_object_new_string(code));
    const char *name = scim_type_name(type);
    if (name)
        json_object_object_add(o, "scimType", json_object_new_string(name));
    if (detail)
        json_object_object_add(o, "detail", json_object_new_string(detail));
    return o;
}
