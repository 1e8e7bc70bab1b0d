/* Escaping stored strings for usherctl's output (see cli_escape.h). */
#include "config.h"
#include "usher/cli_escape.h"

#include <stdbool.h>
#include <string.h>

#include "usher/arena.h"
#include "usher/utf8.h"

/* The length of the well-formed UTF-8 sequence at p (1 for ASCII), 0 when p does not start
 * one. */
static size_t seq_len(const unsigned char *p)
{
    size_t n = p[0] < 0x80 ? 1 : (p[0] & 0xe0) == 0xc0 ? 2 : (p[0] & 0xf0) == 0xe0 ? 3
             : (p[0] & 0xf8) == 0xf0 ? 4 : 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    return n > 1 && !utf8_valid((const char *)p, n) ? 0 : n;
}

/* The byte to escape at p, or -1 when the sequence there is kept; *n: bytes consumed. */
static int escaped(const unsigned char *p, size_t *n)
{
    size_t len = seq_len(p);
    *n = len ? len : 1;
    if (len == 0)
        return p[0];                                  /* not UTF-8 */
    if (len == 1)
        return p[0] < 0x20 || p[0] == 0x7f ? p[0] : -1;
    if (len == 2 && p[0] == 0xc2 && p[1] <= 0x9f)
        return p[1];                                  /* C1: U+0080-U+009F */
    return -1;
}

/* Writes prefix and the byte b as two lowercase hex digits at o; returns the end. */
static char *put_hex(char *o, const char *prefix, unsigned b)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = strlen(prefix);
    memcpy(o, prefix, n);
    o[n] = hex[(b >> 4) & 0xf];
    o[n + 1] = hex[b & 0xf];
    return o + n + 2;
}

const char *cli_text(struct arena *a, const char *s)
{
    if (!s)
        return NULL;
    const unsigned char *p = (const unsigned char *)s;
    size_t n, extra = 0;
    for (const unsigned char *q = p; *q; q += n)
        if (escaped(q, &n) >= 0)
            extra += 3;
    if (extra == 0)
        return s;
    char *out = arena_alloc(a, strlen(s) + extra + 1), *o = out;
    for (; *p; p += n) {
        int e = escaped(p, &n);
        if (e >= 0) {
            o = put_hex(o, "\\x", (unsigned)e);
        } else {
            memcpy(o, p, n);
            o += n;
        }
    }
    *o = '\0';
    return out;
}

const char *cli_json(struct arena *a, const char *json)
{
    if (!json)
        return NULL;
    const unsigned char *p = (const unsigned char *)json;
    size_t n, extra = 0;
    for (const unsigned char *q = p; *q; q += n)
        if (escaped(q, &n) >= 0x20)   /* C0 is json-c's already (or the layout's) */
            extra += 6;
    if (extra == 0)
        return json;
    char *out = arena_alloc(a, strlen(json) + extra + 1), *o = out;
    for (; *p; p += n) {
        int e = escaped(p, &n);
        if (e >= 0x20) {
            /* bytes that are not UTF-8 cannot be told apart from C1 in JSON: U+FFFD */
            bool bad = n == 1 && e >= 0x80;
            o = put_hex(o, bad ? "\\uff" : "\\u00", bad ? 0xfd : (unsigned)e);
        } else {
            memcpy(o, p, n);
            o += n;
        }
    }
    *o = '\0';
    return out;
}
