/* A subset of Python's regular expressions (the password policy's
 * PASSWORD_VALIDATION_REGEX_PATTERN), translated to POSIX extended regexes (see pyregex.h). */
#include "config.h"
#include "usher/pyregex.h"

#include <regex.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ASCII classes, whatever the process locale (Python's re without re.LOCALE). */
static int lower_ascii(int c) { return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c; }
static bool is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_digit(int c) { return c >= '0' && c <= '9'; }


struct strbuf {
    char *s;
    size_t len, cap;
    bool oom;
};

static void sb_putn(struct strbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sb_puts(struct strbuf *b, const char *s)
{
    sb_putn(b, s, strlen(s));
}

static void sb_putc(struct strbuf *b, char c)
{
    sb_putn(b, &c, 1);
}

/* Encodes code point cp as UTF-8 into out (4 bytes max); returns the length, 0 if invalid. */
static size_t utf8_encode(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp >= 0xD800 && cp <= 0xDFFF)
        return 0;
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    if (cp <= 0x10FFFF) {
        out[0] = (char)(0xF0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (char)(0x80 | (cp & 0x3F));
        return 4;
    }
    return 0;
}

static int hexval(int c)
{
    if (is_digit(c))
        return c - '0';
    c = lower_ascii(c);
    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

/* The literal one escape stands for: \n \t \r \f \v \a, \xhh, \uhhhh, \Uhhhhhhhh, or an
 * escaped punctuation character. Advances *pp past the escape (which starts after the
 * backslash). Returns the UTF-8 length written to out, 0 when the escape is not a literal. */
static size_t escape_literal(const char **pp, char *out)
{
    const char *p = *pp;
    int c = (unsigned char)*p;
    int digits = 0;
    switch (c) {
    case 'n': out[0] = '\n'; *pp = p + 1; return 1;
    case 't': out[0] = '\t'; *pp = p + 1; return 1;
    case 'r': out[0] = '\r'; *pp = p + 1; return 1;
    case 'f': out[0] = '\f'; *pp = p + 1; return 1;
    case 'v': out[0] = '\v'; *pp = p + 1; return 1;
    case 'a': out[0] = '\a'; *pp = p + 1; return 1;
    case 'x': digits = 2; break;
    case 'u': digits = 4; break;
    case 'U': digits = 8; break;
    default:
        if (c == 0 || is_alpha(c) || is_digit(c) || c >= 0x80)
            return 0;     /* classes, anchors, backreferences, unknown letters */
        out[0] = (char)c;
        *pp = p + 1;
        return 1;
    }
    uint32_t cp = 0;
    for (int i = 1; i <= digits; i++) {
        int v = hexval((unsigned char)p[i]);
        if (v < 0)
            return 0;
        cp = cp * 16 + (uint32_t)v;
    }
    size_t n = utf8_encode(cp, out);
    if (n == 0 || cp == 0)
        return 0;         /* NUL cannot appear in a C string pattern */
    *pp = p + 1 + digits;
    return n;
}

/* Emits a literal character sequence so that ERE reads it literally. */
static void put_literal(struct strbuf *b, const char *s, size_t n)
{
    if (n == 1 && strchr(".[]()*+?{}|^$\\", s[0])) {
        if (s[0] == ']' || s[0] == '}') {    /* escaping these is undefined in ERE */
            sb_putc(b, '[');
            sb_putc(b, s[0]);
            sb_putc(b, ']');
        } else {
            sb_putc(b, '\\');
            sb_putc(b, s[0]);
        }
        return;
    }
    sb_putn(b, s, n);
}

/* Length of the UTF-8 sequence starting at p (1 for ASCII or a stray byte). */
static size_t utf8_seq_len(const char *p)
{
    unsigned char c = (unsigned char)*p;
    size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    for (size_t i = 1; i < n; i++)
        if (((unsigned char)p[i] & 0xC0) != 0x80)
            return 1;
    return n;
}

static uint32_t utf8_decode(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    if (n == 1)
        return u[0];
    uint32_t cp = u[0] & (0x7F >> n);
    for (size_t i = 1; i < n; i++)
        cp = (cp << 6) | (u[i] & 0x3F);
    return cp;
}

/* Members of a set that must be placed at a fixed spot of a POSIX bracket. */
struct set_specials { bool close, open, caret, dash; };

/* Lists the characters of the range lo-hi (UTF-8); the ones special in brackets are
 * flagged in sp for the caller to place. */
static int expand_range(struct strbuf *b, const char *lo, size_t lolen, const char *hi, size_t hilen,
                        struct set_specials *sp)
{
    uint32_t a = utf8_decode(lo, lolen), z = utf8_decode(hi, hilen);
    if (a > z || z - a > 1024)
        return -1;
    for (uint32_t cp = a; cp <= z; cp++) {
        if (cp == 0)
            continue;
        if (cp == ']' || cp == '[' || cp == '^' || cp == '-') {
            sp->close |= cp == ']';
            sp->open |= cp == '[';
            sp->caret |= cp == '^';
            sp->dash |= cp == '-';
            continue;
        }
        char enc[4];
        size_t n = utf8_encode(cp, enc);
        if (n)
            sb_putn(b, enc, n);
    }
    return 0;
}

/* One member of a Python character set read at *pp: a single character (UTF-8 bytes in ch)
 * or a class name ("digit", "alnum_", "space"). Returns 1 char, 2 class, 0 unsupported. */
static int set_member(const char **pp, char ch[4], size_t *chlen, const char **cls)
{
    const char *p = *pp;
    if (*p == '\\') {
        p++;
        switch (*p) {
        case 'd': *cls = "[:digit:]"; *pp = p + 1; return 2;
        case 'w': *cls = "[:alnum:]_"; *pp = p + 1; return 2;
        case 's': *cls = "[:space:]"; *pp = p + 1; return 2;
        case 'b': ch[0] = '\b'; *chlen = 1; *pp = p + 1; return 1;
        default: break;
        }
        size_t n = escape_literal(&p, ch);
        if (n == 0)
            return 0;     /* \D \W \S have no POSIX spelling inside a set */
        *chlen = n;
        *pp = p;
        return 1;
    }
    size_t n = utf8_seq_len(p);
    memcpy(ch, p, n);
    *chlen = n;
    *pp = p + n;
    return 1;
}

/* Translates a Python set "[...]" starting at *pp (on the '['). POSIX brackets have no
 * escapes, so members are regrouped: ']' first, '[' '^' '-' last. Returns 0 or -1. */
static int translate_set(const char **pp, struct strbuf *out)
{
    const char *p = *pp + 1;
    bool negate = false;
    if (*p == '^') {
        negate = true;
        p++;
    }
    struct strbuf body = { 0 };
    struct set_specials sp = { false, false, false, false };
    bool first = true;
    int rc = 0;
    for (;;) {
        if (*p == '\0') {
            rc = -1;      /* unterminated set */
            break;
        }
        if (*p == ']' && !first)
            break;
        first = false;
        char lo[4], hi[4];
        size_t lolen = 0, hilen = 0;
        const char *cls = NULL;
        int kind = set_member(&p, lo, &lolen, &cls);
        if (kind == 0) {
            rc = -1;
            break;
        }
        if (kind == 2) {
            sb_puts(&body, cls);
            continue;
        }
        if (p[0] == '-' && p[1] != ']' && p[1] != '\0') {
            const char *q = p + 1;
            const char *hcls = NULL;
            int hk = set_member(&q, hi, &hilen, &hcls);
            if (hk != 1) {
                rc = -1;   /* a range that ends in a class */
                break;
            }
            p = q;
            /* Endpoints that are special inside POSIX brackets would need collating
             * symbols; Python patterns for passwords do not use them. */
            if ((lolen == 1 && strchr("[]^-", lo[0])) || (hilen == 1 && strchr("[]^-", hi[0]))) {
                rc = -1;
                break;
            }
            if (lolen == 1 && hilen == 1) {
                if ((unsigned char)lo[0] > (unsigned char)hi[0]) {
                    rc = -1;
                    break;
                }
                sb_putn(&body, lo, lolen);
                sb_putc(&body, '-');
                sb_putn(&body, hi, hilen);
                continue;
            }
            /* glibc refuses ranges with non-ASCII ends outside the C locale: list the
             * characters instead, for ranges of reasonable size. */
            if (expand_range(&body, lo, lolen, hi, hilen, &sp) < 0) {
                rc = -1;
                break;
            }
            continue;
        }
        if (lolen == 1 && lo[0] == ']')
            sp.close = true;
        else if (lolen == 1 && lo[0] == '[')
            sp.open = true;
        else if (lolen == 1 && lo[0] == '^')
            sp.caret = true;
        else if (lolen == 1 && lo[0] == '-')
            sp.dash = true;
        else
            sb_putn(&body, lo, lolen);
    }
    if (rc == 0) {
        *pp = p + 1;
        bool nothing_before_caret = !negate && !sp.close && body.len == 0 && !sp.open;
        if (sp.caret && nothing_before_caret && !sp.dash) {
            sb_puts(out, "\\^");      /* a set of just '^' */
        } else {
            sb_putc(out, '[');
            if (negate)
                sb_putc(out, '^');
            if (sp.close)
                sb_putc(out, ']');
            sb_putn(out, body.s ? body.s : "", body.len);
            if (sp.open)
                sb_putc(out, '[');
            if (sp.caret && nothing_before_caret) {
                sb_puts(out, "-^");     /* '^' may not come first */
                sp.dash = false;
            } else if (sp.caret) {
                sb_putc(out, '^');
            }
            if (sp.dash)
                sb_putc(out, '-');
            sb_putc(out, ']');
        }
    }
    free(body.s);
    return rc;
}

/* Reads a Python repeat "{m}", "{m,}", "{,n}", "{m,n}" at *pp; writes the ERE form. Returns
 * 1 when it was a repeat, 0 when the '{' is a literal (Python's rule). */
static int translate_brace(const char **pp, struct strbuf *out)
{
    const char *p = *pp + 1;
    const char *lo = p;
    while (is_digit(*p))
        p++;
    size_t lolen = (size_t)(p - lo);
    const char *hi = NULL;
    size_t hilen = 0;
    bool comma = false;
    if (*p == ',') {
        comma = true;
        p++;
        hi = p;
        while (is_digit(*p))
            p++;
        hilen = (size_t)(p - hi);
    }
    if (*p != '}' || (!comma && lolen == 0))
        return 0;
    sb_putc(out, '{');
    if (lolen)
        sb_putn(out, lo, lolen);
    else
        sb_putc(out, '0');
    if (comma) {
        sb_putc(out, ',');
        sb_putn(out, hi, hilen);
    }
    sb_putc(out, '}');
    *pp = p + 1;
    return 1;
}

/* Translates the Python pattern text [p, end) to ERE into out. Returns 0 or -1 when the
 * pattern uses something outside the subset. */
static int translate(const char *p, const char *end, struct strbuf *out)
{
    bool can_repeat = false;      /* whether a quantifier may follow (Python: "nothing to repeat") */
    while (p < end) {
        char c = *p;
        if (c == '\\') {
            const char *q = p + 1;
            if (q >= end)
                return -1;
            const char *cls = NULL;
            switch (*q) {
            case 'd': cls = "[[:digit:]]"; break;
            case 'D': cls = "[^[:digit:]]"; break;
            case 'w': cls = "[[:alnum:]_]"; break;
            case 'W': cls = "[^[:alnum:]_]"; break;
            case 's': cls = "[[:space:]]"; break;
            case 'S': cls = "[^[:space:]]"; break;
            case 'b': cls = "\\b"; break;
            case 'B': cls = "\\B"; break;
            default: break;
            }
            if (cls) {
                sb_puts(out, cls);
                p = q + 1;
                can_repeat = *q != 'b' && *q != 'B';
                continue;
            }
            char lit[4];
            size_t n = escape_literal(&q, lit);
            if (n == 0 || q > end)
                return -1;
            put_literal(out, lit, n);
            p = q;
            can_repeat = true;
            continue;
        }
        switch (c) {
        case '[': {
            const char *q = p;
            if (translate_set(&q, out) < 0 || q > end)
                return -1;
            p = q;
            can_repeat = true;
            continue;
        }
        case '(':
            if (p + 1 < end && p[1] == '?') {
                if (p + 2 < end && p[2] == ':') {
                    sb_putc(out, '(');
                    p += 3;
                    can_repeat = false;
                    continue;
                }
                return -1;    /* lookarounds past the leading run, flags, named groups */
            }
            sb_putc(out, '(');
            p++;
            can_repeat = false;
            continue;
        case ')':
            sb_putc(out, ')');
            p++;
            can_repeat = true;
            continue;
        case '|':
            sb_putc(out, '|');
            p++;
            can_repeat = false;
            continue;
        case '.':
            sb_puts(out, "[^\n]");    /* Python's '.' does not match a newline */
            p++;
            can_repeat = true;
            continue;
        case '^':
        case '$':
            sb_putc(out, c);
            p++;
            can_repeat = false;
            continue;
        case '*':
        case '+':
        case '?':
        case '{': {
            if (c == '{') {
                const char *q = p;
                struct strbuf tmp = { 0 };
                int rep = translate_brace(&q, &tmp);
                if (rep && !can_repeat) {
                    free(tmp.s);
                    return -1;
                }
                if (!rep) {
                    free(tmp.s);
                    put_literal(out, "{", 1);
                    p++;
                    can_repeat = true;
                    continue;
                }
                sb_putn(out, tmp.s, tmp.len);
                free(tmp.s);
                p = q;
            } else {
                if (!can_repeat)
                    return -1;
                sb_putc(out, c);
                p++;
            }
            /* A lazy '?' after a repeat changes which match is found, never whether one
             * exists, so it is dropped; a possessive '+' would change that: refused. */
            if (p < end && *p == '?')
                p++;
            else if (p < end && *p == '+')
                return -1;
            can_repeat = false;
            continue;
        }
        default: {
            size_t n = utf8_seq_len(p);
            put_literal(out, p, n);
            p += n;
            can_repeat = true;
            continue;
        }
        }
    }
    return 0;
}

/* Position just past the ')' that closes the group whose '(' is at p, or NULL. Skips sets
 * and escapes. */
static const char *group_end(const char *p)
{
    int depth = 0;
    while (*p) {
        if (*p == '\\') {
            if (!p[1])
                return NULL;
            p += 2;
            continue;
        }
        if (*p == '[') {
            p++;
            if (*p == '^')
                p++;
            if (*p == ']')
                p++;
            while (*p && *p != ']') {
                if (*p == '\\' && p[1])
                    p++;
                p++;
            }
            if (!*p)
                return NULL;
            p++;
            continue;
        }
        if (*p == '(')
            depth++;
        else if (*p == ')' && --depth == 0)
            return p + 1;
        p++;
    }
    return NULL;
}

#define MAX_LOOKAHEADS 16

struct pyregex {
    size_t n;                         /* compiled parts: lookaheads, then the main one */
    regex_t re[MAX_LOOKAHEADS + 1];
    bool negative[MAX_LOOKAHEADS + 1];
};

/* Matching happens in a UTF-8 locale when one exists, so '.' and {8,} count characters as
 * Python does; in the plain C locale they would count bytes. */
locale_t utf8_locale(void)
{
    static locale_t loc;
    static bool tried;
    if (!tried) {
        tried = true;
        loc = newlocale(LC_CTYPE_MASK | LC_COLLATE_MASK, "C.UTF-8", (locale_t)0);
        if (!loc)
            loc = newlocale(LC_CTYPE_MASK | LC_COLLATE_MASK, "C.utf8", (locale_t)0);
        if (!loc)
            loc = newlocale(LC_CTYPE_MASK | LC_COLLATE_MASK, "en_US.UTF-8", (locale_t)0);
    }
    return loc;
}

static int compile_part(regex_t *re, const char *begin, const char *end, bool anchor_end)
{
    struct strbuf b = { 0 };
    sb_puts(&b, "^(");
    if (translate(begin, end, &b) < 0) {
        free(b.s);
        return -1;
    }
    sb_puts(&b, anchor_end ? ")$" : ")");
    if (b.oom) {
        free(b.s);
        return -1;
    }
    int rc = regcomp(re, b.s, REG_EXTENDED | REG_NOSUB);
    free(b.s);
    return rc == 0 ? 0 : -1;
}

static void pyregex_free(struct pyregex *r)
{
    for (size_t i = 0; i < r->n; i++)
        regfree(&r->re[i]);
    r->n = 0;
}

/* Compiles a pattern: each leading (?=X) / (?!X) becomes "^(X)" that must (not) match at the
 * start, the rest becomes "^(R)$". Call with the UTF-8 locale in force. Returns 0 or -1. */
static int pyregex_compile(struct pyregex *r, const char *pattern)
{
    r->n = 0;
    const char *p = pattern;
    if (*p == '^')
        p++;
    while (p[0] == '(' && p[1] == '?' && (p[2] == '=' || p[2] == '!')) {
        const char *close = group_end(p);
        if (!close || r->n == MAX_LOOKAHEADS) {
            pyregex_free(r);
            return -1;
        }
        if (compile_part(&r->re[r->n], p + 3, close - 1, false) < 0) {
            pyregex_free(r);
            return -1;
        }
        r->negative[r->n] = p[2] == '!';
        r->n++;
        p = close;
    }
    if (compile_part(&r->re[r->n], p, p + strlen(p), true) < 0) {
        pyregex_free(r);
        return -1;
    }
    r->negative[r->n] = false;
    r->n++;
    return 0;
}

static bool pyregex_exec(const struct pyregex *r, const char *subject)
{
    for (size_t i = 0; i < r->n; i++) {
        bool hit = regexec(&r->re[i], subject, 0, NULL, 0) == 0;
        if (hit == r->negative[i])
            return false;
    }
    return true;
}

int pyregex_fullmatch(const char *pattern, const char *subject)
{
    if (!pattern || !subject)
        return -1;
    locale_t loc = utf8_locale();
    locale_t old = loc ? uselocale(loc) : (locale_t)0;
    struct pyregex r;
    int rc = -1;
    if (pyregex_compile(&r, pattern) == 0) {
        rc = pyregex_exec(&r, subject) ? 1 : 0;
        pyregex_free(&r);
    }
    if (loc)
        uselocale(old);
    return rc;
}

