#ifndef USHER_FORM_H
#define USHER_FORM_H
/* Body decoders behind request_parse_body: each turns bytes into the field view (a json-c
 * object of strings / arrays of strings). Pure functions, unit-tested. */
#include <stddef.h>
#include <json-c/json.h>
#include "usher/request.h"

/* application/x-www-form-urlencoded. Returns a new object, or NULL with err (400). */
struct json_object *form_parse_urlencoded(const char *body, size_t len, struct http_error *err);
/* multipart/form-data with the boundary taken from content_type. Part names may be quoted
 * (with \" escapes); CRLF line ends; a part with a filename is kept as a string field only
 * when it is valid UTF-8 and at most max_part bytes. Returns a new object, or NULL with err. */
struct json_object *form_parse_multipart(const char *content_type, const char *body, size_t len,
                                         size_t max_part, struct http_error *err);
/* JSON: parses body with a depth limit; rejects invalid UTF-8. Returns a new value (which may
 * be json null: then *is_null is set) or NULL with err (422 json_invalid). */
struct json_object *form_parse_json(const char *body, size_t len, int max_depth, int *is_null,
                                    struct http_error *err);

/* Adds value under name to obj: a second value turns the member into an array. */
void form_add_field(struct json_object *obj, const char *name, const char *value, size_t len);

#endif
