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
static void grow(struct json_writer *w, size_t n)
{
    size_t cap = w->cap * 2;
    while (w->len + n >= cap)
        cap *= 2;
    char *buf = arena_alloc(w->arena, cap);
    memcpy(buf, w->buf, w->len);
    w->buf = buf;
    w->cap = cap;
}

static inline void reserve(struct json_writer *w, size_t n)
{
    if (w->len + n >= w->cap)
        grow(w, n);
}

void json_writer_raw(struct json_writer *w, const char *s, size_t n)
{
    reserve(w, n);
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

/* json-c's escape of each byte: 0 for none, a letter for \b \n \r \t \f \" \\, 'u' for
 * \u00XX (the other bytes below a space); '/' stays as it is (NOSLASHESCAPE). */
static const char escape_of[256] = {
    ['\b'] = 'b', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't', ['\f'] = 'f', ['"'] = '"',
    ['\\'] = '\\',
    [0x01] = 'u', [0x02] = 'u', [0x03] = 'u', [0x04] = 'u', [0x05] = 'u', [0x06] = 'u',
    [0x07] = 'u', [0x0b] = 'u', [0x0e] = 'u', [0x0f] = 'u', [0x10] = 'u', [0x11] = 'u',
    [0x12] = 'u', [0x13] = 'u', [0x14] = 'u', [0x15] = 'u', [0x16] = 'u', [0x17] = 'u',
    [0x18] = 'u', [0x19] = 'u', [0x1a] = 'u', [0x1b] = 'u', [0x1c] = 'u', [0x1d] = 'u',
    [0x1e] = 'u', [0x1f] = 'u',
};

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
        char esc = escape_of[c];
        if (!esc)
            continue;
        json_writer_raw(w, s + start, i - start);
        if (esc != 'u') {
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
