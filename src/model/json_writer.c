/* JSON written into one arena buffer (see json_writer.h). */
#include "config.h"
#include "usher/json_writer.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "usher/arena.h"

void json_writer_init(struct json_writer *w, struct arena *a, size_t hint)
{
    w->arena = a;
    w->cap = hint < 64 ? 64 : hint;
    w->buf = arena_alloc(a, w->cap);
    w->len = 0;
}

/* Room for n more bytes and the NUL: a buffer twice as large (the old one stays in the
 * arena until the request ends, so a good hint saves memory). */
static void reserve(struct json_writer *w, size_t n)
{
    if (w->len + n < w->cap)
        return;
    size_t cap = w->cap * 2;
    while (w->len + n >= cap)
        cap *= 2;
    char *buf = arena_alloc(w->arena, cap);
    memcpy(buf, w->buf, w->len);
    w->buf = buf;
    w->cap = cap;
}

void json_writer_raw(struct json_writer *w, const char *s, size_t n)
{
    reserve(w, n);
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

void json_writer_string(struct json_writer *w, const char *s)
{
    if (!s) {
        json_writer_lit(w, "null");
        return;
    }
    static const char hex[] = "0123456789abcdef";
    size_t n = strlen(s);
    reserve(w, n + 2);
    w->buf[w->len++] = '"';
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        /* json-c's escapes: the two-character ones, then \u00XX below a space ('/' is
         * left as it is: NOSLASHESCAPE). */
        char esc = 0;
        switch (c) {
        case '\b': esc = 'b'; break;
        case '\n': esc = 'n'; break;
        case '\r': esc = 'r'; break;
        case '\t': esc = 't'; break;
        case '\f': esc = 'f'; break;
        case '"': esc = '"'; break;
        case '\\': esc = '\\'; break;
        default:
            if (c >= 0x20)
                continue;
        }
        json_writer_raw(w, s + start, i - start);
        if (esc) {
            char two[2] = {'\\', esc};
            json_writer_raw(w, two, 2);
        } else {
            char six[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf]};
            json_writer_raw(w, six, 6);
        }
        start = i + 1;
    }
    json_writer_raw(w, s + start, n - start);
    json_writer_lit(w, "\"");
}

void json_writer_key(struct json_writer *w, const char *key)
{
    json_writer_string(w, key);
    json_writer_lit(w, ":");
}

void json_writer_int(struct json_writer *w, long long v)
{
    char digits[24];
    int n = snprintf(digits, sizeof(digits), "%" PRId64, (int64_t)v);
    json_writer_raw(w, digits, (size_t)n);
}

void json_writer_bool(struct json_writer *w, int v)
{
    if (v)
        json_writer_lit(w, "true");
    else
        json_writer_lit(w, "false");
}

void json_writer_json(struct json_writer *w, struct json_object *o)
{
    size_t n = 0;
    const char *s = json_object_to_json_string_length(
        o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
    json_writer_raw(w, s, n);
}

const char *json_writer_finish(struct json_writer *w, size_t *len)
{
    reserve(w, 1);
    w->buf[w->len] = '\0';
    *len = w->len;
    return w->buf;
}
