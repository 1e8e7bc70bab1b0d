#ifndef USHER_API_COMMON_H
#define USHER_API_COMMON_H
/* Helpers shared by the API handlers. */
#include <stdbool.h>
#include <json-c/json.h>
#include "usher/ctx.h"
#include "usher/fields.h"

/* A JSON string, or JSON null for NULL. */
struct json_object *json_str_or_null(const char *s);
/* A JSON integer from a decimal string, or null. */
struct json_object *json_int_or_null(const char *s);
/* "/api/v1/users/{id}/profile/image" in the arena. */
const char *api_image_path(struct arena *a, const char *user_id);
/* Validates the body against a form table; on failure answers the 422 and returns -1. */
int api_parse_form(struct ctx *c, const struct field_spec *specs, size_t n, bool forbid_extra,
                   struct field_value *out);
/* The string of a present, non-null field, else NULL. */
const char *api_value_str(const struct field_value *v);

#endif
