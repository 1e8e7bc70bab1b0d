#ifndef USHER_FORM_H
#define USHER_FORM_H
/* Body decoders behind request_parse_body: each turns bytes into the field view (a json-c
 * object of strings / arrays of strings). Pure functions, unit-tested. */
#include <stddef.h>
#include <json-c/json.h>
#include "usher/http_error.h"

/* application/x-www-form-urlencoded: '&'-separated pairs ('+' is a space; a pair without
 * '=' has the value ""). Returns a new object, or NULL with err (400 "Invalid form body" for
 * a bad %-escape, NUL or invalid UTF-8 in a decoded name or value). */
struct json_object *form_parse_urlencoded(const char *body, size_t len, struct http_error *err);
/* JSON (RFC 8259, stricter than json-c alone): parses body[0..len) (no NUL terminator
 * needed) allowing max_depth nested objects/arrays; rejects invalid UTF-8, raw control
 * characters in strings, \u0000, lone surrogate escapes, trailing garbage, comments,
 * NaN/Infinity and non-JSON numbers. Returns a new value (which may be json null: then NULL
 * is returned and *is_null is set) or NULL with err (422 json_invalid, detail "JSON decode
 * error", or one naming the depth limit). Integers beyond 64 bits saturate (json-c). */
struct json_object *form_parse_json(const char *body, size_t len, int max_depth, int *is_null,
                                    struct http_error *err);

/* Adds value under name to obj: a second value turns the member into an array. A trailing
 * "[]" on name is dropped ("ids[]" and "ids" are one field). */
void form_add_field(struct json_object *obj, const char *name, const char *value, size_t len);

#endif
