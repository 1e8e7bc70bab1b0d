#ifndef USHER_VARIABLES_H
#define USHER_VARIABLES_H
/* User variables (deltas §2.1): the checks of POST /users/user/variables/update and the
 * normalisation of what GET shows. Pure: no I/O. */
#include <stddef.h>
#include <json-c/json.h>

struct arena;

/* The longest variables map, in characters of Python's json.dumps (ensure_ascii, ", " and
 * ": " separators); the longest value in code points. */
#define VARIABLES_MAX_JSON 100000
#define VARIABLE_MAX_VALUE 20000

/* Checks vars (an object) in the reference's order: the size of the whole map, then each
 * entry in order (key ^[a-z][a-z0-9_]*$ with Python's "$" before one final newline; a
 * string value; CRLF turned into LF; at most VARIABLE_MAX_VALUE code points). Returns NULL
 * and sets *out to a new object of the normalised map, or returns the 400 text (arena). */
const char *variables_validate(struct arena *a, struct json_object *vars,
                               struct json_object **out);
/* What GET shows of a stored value: a new object of its entries whose key and value are
 * strings ({} for NULL, invalid JSON or a non-object). */
struct json_object *variables_from_stored(const char *json);
/* Python json.dumps(v) length with ensure_ascii and the default separators (exposed for
 * the unit test). */
size_t variables_python_json_length(struct json_object *v);

#endif
