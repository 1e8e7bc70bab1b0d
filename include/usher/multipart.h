#ifndef USHER_MULTIPART_H
#define USHER_MULTIPART_H
/* The multipart/form-data decoder behind request_parse_body (its parts become the same
 * field view as form.h's decoders). A pure function, unit-tested and fuzzed. */
#include <stddef.h>
#include <json-c/json.h>
#include "usher/http_error.h"

/* multipart/form-data with the boundary taken from content_type (quoted or not, 1..70 chars).
 * Part names may be quoted (with \" escapes); CRLF line ends; preamble and epilogue are
 * ignored. Every part's value (a file's content too) must be UTF-8 without NUL (else 400)
 * and at most max_part bytes (else 413). Returns a new object, or NULL with err: 400
 * "Invalid multipart body" for a missing final boundary, headers, Content-Disposition or
 * name; 400 for a missing/invalid boundary. Never reads outside body[0..len). */
struct json_object *form_parse_multipart(const char *content_type, const char *body, size_t len,
                                         size_t max_part, struct http_error *err);

#endif
