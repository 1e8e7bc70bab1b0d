/* percent_decode, utf8_valid, utf8_truncate: table-driven. */
#include "config.h"

#include "tap.h"
#include "usher/encoding.h"
#include "usher/utf8.h"

#include <stdbool.h>
#include <string.h>

struct decode_case {
    const char *in;
    bool plus;
    long want_len;          /* -1: malformed */
    const char *want;       /* compared over want_len bytes */
};

static const struct decode_case decode_cases[] = {
    { "", false, 0, "" },
    { "abc", false, 3, "abc" },
    { "a%20b", false, 3, "a b" },
    { "a+b", false, 3, "a+b" },
    { "a+b", true, 3, "a b" },
    { "%2B", true, 1, "+" },
    { "%2b%2F", false, 2, "+/" },
    { "%e2%82%AC", false, 3, "\xe2\x82\xac" },
    { "%00x", false, 2, "\0x" },          /* NUL decodes; callers reject it */
    { "%", false, -1, NULL },
    { "%2", false, -1, NULL },
    { "ab%", false, -1, NULL },
    { "%G0", false, -1, NULL },
    { "%0g", false, -1, NULL },
    { "%%41", false, -1, NULL },
    { "%2541", false, 3, "%41" },         /* decoded once only */
};

struct utf8_case {
    const char *in;
    size_t len;             /* 0: strlen */
    bool valid;
    const char *what;
};

static const struct utf8_case utf8_cases[] = {
    { "", 0, true, "empty" },
    { "plain ascii", 0, true, "ascii" },
    { "caf\xc3\xa9", 0, true, "2-byte" },
    { "\xe2\x82\xac", 0, true, "3-byte euro" },
    { "\xf0\x9f\x98\x80", 0, true, "4-byte emoji" },
    { "\xef\xbf\xbf", 0, true, "U+FFFF" },
    { "\xf4\x8f\xbf\xbf", 0, true, "U+10FFFF" },
    { "\xed\x9f\xbf", 0, true, "U+D7FF just below surrogates" },
    { "\xee\x80\x80", 0, true, "U+E000 just above surrogates" },
    { "a\0b", 3, true, "NUL is valid UTF-8" },
    { "\x80", 0, false, "lone continuation" },
    { "\xbf", 0, false, "lone continuation bf" },
    { "\xc3", 0, false, "truncated 2-byte" },
    { "\xe2\x82", 0, false, "truncated 3-byte" },
    { "\xf0\x9f\x98", 0, false, "truncated 4-byte" },
    { "\xc3\x28", 0, false, "bad continuation" },
    { "\xe2\x28\xa1", 0, false, "bad 2nd of 3" },
    { "\xe2\x82\x28", 0, false, "bad 3rd of 3" },
    { "\xc0\xaf", 0, false, "overlong '/' (C0)" },
    { "\xc1\xbf", 0, false, "overlong (C1)" },
    { "\xe0\x80\xaf", 0, false, "overlong 3-byte '/'" },
    { "\xe0\x9f\xbf", 0, false, "overlong 3-byte max" },
    { "\xf0\x80\x80\xaf", 0, false, "overlong 4-byte" },
    { "\xf0\x8f\xbf\xbf", 0, false, "overlong 4-byte max" },
    { "\xed\xa0\x80", 0, false, "surrogate D800" },
    { "\xed\xbf\xbf", 0, false, "surrogate DFFF" },
    { "\xed\xa0\xbd\xed\xb8\x80", 0, false, "CESU-8 surrogate pair" },
    { "\xf4\x90\x80\x80", 0, false, "above U+10FFFF" },
    { "\xf5\x80\x80\x80", 0, false, "F5 lead" },
    { "\xff", 0, false, "FF" },
    { "\xfe", 0, false, "FE" },
    { "ok\xc3\xa9\xc3", 0, false, "valid then truncated" },
};

struct trunc_case {
    const char *in;
    size_t max;
    size_t want;
};

static const struct trunc_case trunc_cases[] = {
    { "hello", 10, 5 },
    { "hello", 5, 5 },
    { "hello", 3, 3 },
    { "hello", 0, 0 },
    { "caf\xc3\xa9", 4, 3 },              /* would split é */
    { "caf\xc3\xa9!", 5, 5 },
    { "\xe2\x82\xac\xe2\x82\xac", 4, 3 },
    { "\xe2\x82\xac\xe2\x82\xac", 5, 3 },
    { "\xe2\x82\xac\xe2\x82\xac", 6, 6 },
    { "\xf0\x9f\x98\x80x", 1, 0 },
    { "\xf0\x9f\x98\x80x", 3, 0 },
    { "\xf0\x9f\x98\x80x", 4, 4 },
    { "a\x80\x80\x80\x80", 3, 3 },        /* stray continuation bytes: not UTF-8, cut as asked */
};

int main(void)
{
    for (size_t i = 0; i < sizeof(decode_cases) / sizeof(*decode_cases); i++) {
        const struct decode_case *c = &decode_cases[i];
        char out[64];
        memset(out, 'Z', sizeof(out));
        long n = percent_decode(c->in, strlen(c->in), out, c->plus);
        is_int(n, c->want_len, "percent_decode '%s' plus=%d length", c->in, c->plus);
        if (c->want_len >= 0) {
            ok(memcmp(out, c->want, (size_t)c->want_len) == 0, "percent_decode '%s' bytes", c->in);
            ok(out[n] == '\0', "percent_decode '%s' NUL-terminated", c->in);
        }
    }

    for (size_t i = 0; i < sizeof(utf8_cases) / sizeof(*utf8_cases); i++) {
        const struct utf8_case *c = &utf8_cases[i];
        size_t len = c->len ? c->len : strlen(c->in);
        is_int(utf8_valid(c->in, len), c->valid, "utf8_valid: %s", c->what);
    }
    /* Every code point round-trips as valid; every surrogate is refused. */
    int bad = 0;
    for (unsigned cp = 0x80; cp <= 0x10FFFF; cp++) {
        char b[4];
        size_t n;
        if (cp < 0x800) {
            b[0] = (char)(0xC0 | cp >> 6); b[1] = (char)(0x80 | (cp & 0x3F)); n = 2;
        } else if (cp < 0x10000) {
            b[0] = (char)(0xE0 | cp >> 12); b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
            b[2] = (char)(0x80 | (cp & 0x3F)); n = 3;
        } else {
            b[0] = (char)(0xF0 | cp >> 18); b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
            b[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); b[3] = (char)(0x80 | (cp & 0x3F)); n = 4;
        }
        bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
        if (utf8_valid(b, n) == surrogate)
            bad++;
    }
    is_int(bad, 0, "utf8_valid agrees with the encoder for U+0080..U+10FFFF");

    for (size_t i = 0; i < sizeof(trunc_cases) / sizeof(*trunc_cases); i++) {
        const struct trunc_case *c = &trunc_cases[i];
        is_int(utf8_truncate(c->in, strlen(c->in), c->max), c->want,
               "utf8_truncate case %zu (max %zu)", i, c->max);
    }
    return tap_done();
}
