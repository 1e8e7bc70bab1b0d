#ifndef USHER_JSON_WRITER_H
#define USHER_JSON_WRITER_H
/* JSON written straight into one arena buffer, byte for byte as json-c prints the same
 * values with JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE (response_json's
 * flags): for answers of many objects (a page of 30 users is about 700 json-c objects,
 * each a malloc with its own hash table, which cost the worker more than the rest of the
 * request). The caller writes the punctuation ({, :, ",", ]) with json_writer_raw. */
#include <stddef.h>

struct arena;
struct json_object;

struct json_writer {
    struct arena *arena;
    char *buf;
    size_t len, cap;
};

/* An empty buffer in arena a, with room for about hint bytes before it grows. */
void json_writer_init(struct json_writer *w, struct arena *a, size_t hint);
/* n bytes as they are (punctuation, keys known to need no escaping). */
void json_writer_raw(struct json_writer *w, const char *s, size_t n);
/* A string literal as it is (only a literal compiles): json_writer_lit(w, "{\"users\":["). */
#define json_writer_lit(w, s) json_writer_raw((w), "" s, sizeof(s) - 1)
/* s as a JSON string, escaped as json-c does; NULL writes null. */
void json_writer_string(struct json_writer *w, const char *s);
/* "key": (key escaped as a string). */
void json_writer_key(struct json_writer *w, const char *key);
/* An integer, as json-c prints an int64. */
void json_writer_int(struct json_writer *w, long long v);
/* true or false. */
void json_writer_bool(struct json_writer *w, int v);
/* json-c's text of o (NULL writes null); o is not released. */
void json_writer_json(struct json_writer *w, struct json_object *o);
/* The text written (arena, NUL-terminated) and its length in *len. */
const char *json_writer_finish(struct json_writer *w, size_t *len);

#endif
