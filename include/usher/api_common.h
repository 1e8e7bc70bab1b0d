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
/* Validates the body against a form table; on failure answers the 422 and returns -1. */
int api_parse_form(struct ctx *c, const struct field_spec *specs, size_t n, bool forbid_extra,
                   struct field_value *out);
/* The string of a present, non-null field, else NULL. */
const char *api_value_str(const struct field_value *v);
/* A field_validator for profile image URLs (§7.7, D22) under the environment's policy. */
const char *api_image_url_ok(const char *url, size_t len, const void *arg);
/* The password policy (§3.6): returns 0 when password passes, else answers 400 with the
 * policy's text and returns -1. */
int api_check_password_policy(struct ctx *c, const char *password);
/* Hashes password (after the policy) into user_id's auth row and ends the user's earlier
 * tokens on every worker, except the caller's own when user_id is the caller (usher's
 * difference #1: the session that changes its password keeps working). Returns 0, or -1
 * with the response filled (400 policy text, 500). */
int api_set_password(struct ctx *c, const char *user_id, const char *password);

#endif
