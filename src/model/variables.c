/* User variables (see variables.h). */
#include "config.h"
#include "usher/variables.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "usher/arena.h"
#include "usher/utf8.h"

/* Characters of a JSON string as Python writes it with ensure_ascii: two-character escapes
 * for " \ and \b \f \n \r \t, \u00XX for the other controls, \uXXXX for every other
 * non-ASCII code point and a surrogate pair (12) above the BMP. */
static size_t python_string_length(const char *s, size_t len)
{
    size_t n = 2;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            n += (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' ||
                  c == '\t') ? 2 : c < 0x20 ? 6 : 1;
            i++;
        } else {
            size_t seq = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
            n += seq == 4 ? 12 : 6;
            i += seq;
        }
    }
    return n;
}

size_t variables_python_json_length(struct json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_null:
        return 4;
    case json_type_boolean:
        return json_object_get_boolean(v) ? 4 : 5;
    case json_type_int:
    case json_type_double:
        /* json-c prints a parsed number as it was written, as Python mostly does */
        return strlen(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
    case json_type_string:
        return python_string_length(json_object_get_string(v),
                                    (size_t)json_object_get_string_len(v));
    case json_type_array: {
        size_t n = 2, len = json_object_array_length(v);
        for (size_t i = 0; i < len; i++)
            n += (i ? 2 : 0) + variables_python_json_length(json_object_array_get_idx(v, i));
        return n;
    }
    case json_type_object: {
        size_t n = 2, i = 0;
        json_object_object_foreach(v, k, val) {
            n += (i++ ? 2 : 0) + python_string_length(k, strlen(k)) + 2 +
                 variables_python_json_length(val);
        }
        return n;
    }
    }
    return 0;
}

/* ^[a-z][a-z0-9_]*$ as Python's re.match reads it: "$" also matches before one final
 * newline. */
static bool valid_key(const char *k)
{
    if (!(k[0] >= 'a' && k[0] <= 'z'))
        return false;
    const char *p = k + 1;
    while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')
        p++;
    return *p == '\0' || (p[0] == '\n' && p[1] == '\0');
}

/* value with every CRLF turned into LF, in the arena. */
static char *normalise_newlines(struct arena *a, const char *s, size_t len, size_t *out_len)
{
    char *o = arena_alloc(a, len + 1), *w = o;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n')
            continue;
        *w++ = s[i];
    }
    *w = '\0';
    *out_len = (size_t)(w - o);
    return o;
}

const char *variables_validate(struct arena *a, struct json_object *vars,
                               struct json_object **out)
{
    *out = NULL;
    if (variables_python_json_length(vars) > VARIABLES_MAX_JSON)
        return "User variables are too large.";
    struct json_object *result = json_object_new_object();
    json_object_object_foreach(vars, k, v) {
        const char *why = NULL;
        if (!valid_key(k))
            why = arena_printf(a, "Invalid user variable key: %s", k);
        else if (!json_object_is_type(v, json_type_string))
            why = arena_printf(a, "User variable must be a string: %s", k);
        if (why) {
            json_object_put(result);
            return why;
        }
        size_t len;
        char *value = normalise_newlines(a, json_object_get_string(v),
                                         (size_t)json_object_get_string_len(v), &len);
        if (utf8_length(value, len) > VARIABLE_MAX_VALUE) {
            json_object_put(result);
            return arena_printf(a, "User variable is too long: %s", k);
        }
        json_object_object_add(result, k, json_object_new_string_len(value, (int)len));
    }
    *out = result;
    return NULL;
}

struct json_object *variables_from_stored(const char *json)
{
    struct json_object *stored = json ? json_tokener_parse(json) : NULL;
    struct json_object *o = json_object_new_object();
    if (stored && json_object_is_type(stored, json_type_object)) {
        json_object_object_foreach(stored, k, v)
            if (json_object_is_type(v, json_type_string))
                json_object_object_add(o, k, json_object_get(v));
    }
    json_object_put(stored);
    return o;
}
