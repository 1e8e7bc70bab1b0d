/* SCIM filters and attribute paths (see scim_filter.h): a recursive-descent parser over
 * RFC 7644 §3.4.2.2's grammar whose recursion only happens at '(' , "not (" and '[', each
 * counted against SCIM_FILTER_MAX_DEPTH, so the stack is bounded whatever the input. */
#include "config.h"
#include "usher/scim_filter.h"

#include "usher/arena.h"
#include "usher/utf8.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const op_names[] = {
    [SCIM_EQ] = "eq", [SCIM_NE] = "ne", [SCIM_CO] = "co", [SCIM_SW] = "sw", [SCIM_EW] = "ew",
    [SCIM_GT] = "gt", [SCIM_GE] = "ge", [SCIM_LT] = "lt", [SCIM_LE] = "le", [SCIM_PR] = "pr",
};

const char *scim_op_name(enum scim_op op)
{
    return (unsigned)op < sizeof op_names / sizeof op_names[0] ? op_names[op] : NULL;
}

#define STR_(x) #x
#define STR(x) STR_(x)

/* ---- the parser ---------------------------------------------------------------------- */

struct parser {
    struct arena *a;
    const char *s;
    size_t len, i;
    int depth;
    int terms;                /* comparisons so far */
    enum scim_type type;      /* what a failure is: invalidFilter or invalidPath */
    struct scim_error *err;
    bool failed;
};

static void fail(struct parser *p, size_t pos, const char *what)
{
    if (p->failed)
        return;
    p->failed = true;
    p->err->status = 400;
    p->err->type = p->type;
    p->err->detail = arena_printf(p->a, "%s at position %zu", what, pos);
}

/* what, with an excerpt of the text at [pos, pos+n) (at most 32 bytes, cut on a UTF-8
 * boundary) in single quotes. */
static void fail_at(struct parser *p, size_t pos, size_t n, const char *what)
{
    if (p->failed)
        return;
    if (n > p->len - pos)
        n = p->len - pos;
    n = utf8_truncate(p->s + pos, n, 32);
    fail(p, pos, arena_printf(p->a, "%s '%.*s'", what, (int)n, p->s + pos));
}

static bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_name_char(char c) { return is_alpha(c) || is_digit(c) || c == '-' || c == '_'; }

static void skip_ws(struct parser *p)
{
    while (p->i < p->len && is_ws(p->s[p->i]))
        p->i++;
}

static char peek(const struct parser *p) { return p->i < p->len ? p->s[p->i] : '\0'; }

/* Length of the word (letters) at the cursor; 0 when none. */
static size_t word_len(const struct parser *p)
{
    size_t n = 0;
    while (p->i + n < p->len && is_alpha(p->s[p->i + n]))
        n++;
    /* a keyword ends at a character that cannot continue a name */
    if (n && p->i + n < p->len && (is_name_char(p->s[p->i + n]) || p->s[p->i + n] == '.' ||
                                   p->s[p->i + n] == ':' || p->s[p->i + n] == '$'))
        return 0;
    return n;
}

static bool word_is(const struct parser *p, const char *kw)
{
    size_t n = strlen(kw);
    return word_len(p) == n && strncasecmp(p->s + p->i, kw, n) == 0;
}

static struct scim_filter *node(struct parser *p, enum scim_filter_kind kind, size_t pos)
{
    struct scim_filter *f = arena_calloc(p->a, 1, sizeof *f);
    f->kind = kind;
    f->pos = pos;
    return f;
}

/* ATTRNAME = ALPHA *(ALPHA / DIGIT / "-" / "_"), and "$ref". Returns its length in s. */
static size_t name_len(const char *s, size_t n)
{
    size_t i = 0;
    if (n && s[0] == '$')
        i = 1;
    if (i >= n || !is_alpha(s[i]))
        return 0;
    while (i < n && is_name_char(s[i]))
        i++;
    return i;
}

/* attrPath = [URI ":"] ATTRNAME ["." ATTRNAME]: the run of URN and name characters at the
 * cursor, split at its last ':'. */
static bool parse_attr_path(struct parser *p, struct scim_attr_path *out)
{
    size_t start = p->i, end = p->i, colon = SIZE_MAX;
    while (end < p->len) {
        char c = p->s[end];
        if (c == ':')
            colon = end;
        else if (!is_name_char(c) && c != '.' && c != '$')
            break;
        end++;
    }
    if (end == start) {
        if (start >= p->len)
            fail(p, start, "expected an attribute name");
        else
            fail_at(p, start, 1, "expected an attribute name, found");
        return false;
    }
    memset(out, 0, sizeof *out);
    size_t name = start;
    if (colon != SIZE_MAX) {
        if (colon == start || strncasecmp(p->s + start, "urn:", 4) != 0) {
            fail_at(p, start, end - start, "bad schema URN in");
            return false;
        }
        out->urn = arena_strndup(p->a, p->s + start, colon - start);
        name = colon + 1;
    }
    size_t n = name_len(p->s + name, end - name);
    if (!n) {
        fail_at(p, start, end - start, "bad attribute name");
        return false;
    }
    out->attr = arena_strndup(p->a, p->s + name, n);
    size_t at = name + n;
    if (at < end) {
        size_t m = p->s[at] == '.' ? name_len(p->s + at + 1, end - at - 1) : 0;
        if (!m || at + 1 + m != end) {
            fail_at(p, start, end - start, "bad attribute name");
            return false;
        }
        out->sub = arena_strndup(p->a, p->s + at + 1, m);
    }
    p->i = end;
    return true;
}

static int hex4(const char *s)
{
    int v = 0;
    for (int k = 0; k < 4; k++) {
        char c = s[k];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return -1;
    }
    return v;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A JSON string at the cursor ('"' ... '"'), decoded into f->str. */
static bool parse_string(struct parser *p, struct scim_filter *f)
{
    size_t start = p->i++;
    /* the decoded text is never longer than the quoted one */
    char *out = arena_alloc(p->a, p->len - start + 1);
    size_t o = 0;
    for (;;) {
        if (p->i >= p->len) {
            fail(p, start, "unterminated string");
            return false;
        }
        unsigned char c = (unsigned char)p->s[p->i];
        if (c == '"') {
            p->i++;
            break;
        }
        if (c < 0x20) {
            fail(p, p->i, "control character in a string");
            return false;
        }
        if (c != '\\') {
            out[o++] = (char)c;
            p->i++;
            continue;
        }
        size_t esc = p->i;
        if (p->i + 1 >= p->len) {
            fail(p, start, "unterminated string");
            return false;
        }
        char e = p->s[p->i + 1];
        p->i += 2;
        switch (e) {
        case '"': out[o++] = '"'; break;
        case '\\': out[o++] = '\\'; break;
        case '/': out[o++] = '/'; break;
        case 'b': out[o++] = '\b'; break;
        case 'f': out[o++] = '\f'; break;
        case 'n': out[o++] = '\n'; break;
        case 'r': out[o++] = '\r'; break;
        case 't': out[o++] = '\t'; break;
        case 'u': {
            int cp = p->i + 4 <= p->len ? hex4(p->s + p->i) : -1;
            if (cp < 0) {
                fail(p, esc, "bad \\u escape in a string");
                return false;
            }
            p->i += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                int lo = p->i + 6 <= p->len && p->s[p->i] == '\\' && p->s[p->i + 1] == 'u'
                             ? hex4(p->s + p->i + 2) : -1;
                if (lo < 0xDC00 || lo > 0xDFFF) {
                    fail(p, esc, "unpaired surrogate in a string");
                    return false;
                }
                p->i += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                fail(p, esc, "unpaired surrogate in a string");
                return false;
            } else if (cp == 0) {
                fail(p, esc, "NUL character in a string");
                return false;
            }
            o += put_utf8(out + o, (unsigned)cp);
            break;
        }
        default:
            fail(p, esc, "bad escape in a string");
            return false;
        }
    }
    out[o] = '\0';
    f->str = out;
    f->str_len = o;
    f->value_kind = SCIM_VAL_STRING;
    return true;
}

/* A JSON number at the cursor. */
static bool parse_number(struct parser *p, struct scim_filter *f)
{
    size_t start = p->i, i = p->i;
    if (i < p->len && p->s[i] == '-')
        i++;
    if (i < p->len && p->s[i] == '0')
        i++;
    else if (i < p->len && is_digit(p->s[i]))
        while (i < p->len && is_digit(p->s[i]))
            i++;
    else
        goto bad;
    if (i < p->len && p->s[i] == '.') {
        if (++i >= p->len || !is_digit(p->s[i]))
            goto bad;
        while (i < p->len && is_digit(p->s[i]))
            i++;
    }
    if (i < p->len && (p->s[i] == 'e' || p->s[i] == 'E')) {
        i++;
        if (i < p->len && (p->s[i] == '+' || p->s[i] == '-'))
            i++;
        if (i >= p->len || !is_digit(p->s[i]))
            goto bad;
        while (i < p->len && is_digit(p->s[i]))
            i++;
    }
    if (i < p->len && (is_name_char(p->s[i]) || p->s[i] == '.'))
        goto bad;
    f->str = arena_strndup(p->a, p->s + start, i - start);
    f->str_len = i - start;
    errno = 0;
    f->num = strtod(f->str, NULL);
    if (!isfinite(f->num)) {
        fail_at(p, start, i - start, "number out of range:");
        return false;
    }
    f->value_kind = SCIM_VAL_NUMBER;
    p->i = i;
    return true;
bad:
    fail_at(p, start, i + 1 - start, "bad number");
    return false;
}

static bool parse_value(struct parser *p, struct scim_filter *f)
{
    char c = peek(p);
    if (c == '"')
        return parse_string(p, f);
    if (c == '-' || is_digit(c))
        return parse_number(p, f);
    if (word_is(p, "true") || word_is(p, "false") || word_is(p, "null")) {
        f->value_kind = word_is(p, "true") ? SCIM_VAL_TRUE
                        : word_is(p, "false") ? SCIM_VAL_FALSE : SCIM_VAL_NULL;
        p->i += word_len(p);
        return true;
    }
    if (p->i >= p->len)
        fail(p, p->i, "expected a value");
    else
        fail_at(p, p->i, 8, "expected a value (a JSON string, number, true, false or null), found");
    return false;
}

static struct scim_filter *parse_or(struct parser *p);

static bool enter(struct parser *p)
{
    if (++p->depth > SCIM_FILTER_MAX_DEPTH) {
        fail(p, p->i, "filter nested too deeply");
        return false;
    }
    return true;
}

/* The parenthesized filter after '(' (the cursor is on it), with its ')'. */
static struct scim_filter *parse_group(struct parser *p)
{
    size_t open = p->i++;
    if (!enter(p))
        return NULL;
    struct scim_filter *f = parse_or(p);
    p->depth--;
    if (!f)
        return NULL;
    skip_ws(p);
    if (peek(p) != ')') {
        if (p->i >= p->len)
            fail(p, open, "missing ')' for the '('");
        else
            fail_at(p, p->i, 8, "expected ')', found");
        return NULL;
    }
    p->i++;
    return f;
}

/* The comparison after an attribute path (the cursor after the path). */
static struct scim_filter *parse_comparison(struct parser *p, struct scim_filter *f)
{
    size_t before = p->i;
    skip_ws(p);
    size_t n = word_len(p);
    if (p->i == before || !n) {
        if (p->i >= p->len)
            fail(p, p->i, "expected an operator");
        else
            fail_at(p, p->i, n ? n : 8, "expected an operator, found");
        return NULL;
    }
    size_t k;
    for (k = 0; k < sizeof op_names / sizeof op_names[0]; k++)
        if (n == 2 && strncasecmp(p->s + p->i, op_names[k], 2) == 0)
            break;
    if (k == sizeof op_names / sizeof op_names[0]) {
        fail_at(p, p->i, n, "unknown operator");
        return NULL;
    }
    f->op = (enum scim_op)k;
    p->i += n;
    if (f->op == SCIM_PR) {
        f->value_kind = SCIM_VAL_NONE;
        return f;
    }
    before = p->i;
    skip_ws(p);
    char c = peek(p);
    if (p->i == before && (c == '"' || c == '-' || is_digit(c) || is_alpha(c))) {
        fail_at(p, p->i, 8, "expected a space before the value, found");
        return NULL;
    }
    return parse_value(p, f) ? f : NULL;
}

/* not (...), (...), or an attribute expression. */
static struct scim_filter *parse_unary(struct parser *p)
{
    skip_ws(p);
    size_t pos = p->i;
    if (peek(p) == '(')
        return parse_group(p);
    if (word_is(p, "not")) {
        size_t save = p->i;
        p->i += 3;
        skip_ws(p);
        if (peek(p) == '(') {
            struct scim_filter *f = node(p, SCIM_F_NOT, pos);
            f->left = parse_group(p);
            return f->left ? f : NULL;
        }
        p->i = save;    /* an attribute named "not" */
    }
    if (++p->terms > SCIM_FILTER_MAX_TERMS) {
        fail(p, pos, "more than " STR(SCIM_FILTER_MAX_TERMS) " comparisons");
        return NULL;
    }
    struct scim_filter *f = node(p, SCIM_F_CMP, pos);
    if (!parse_attr_path(p, &f->path))
        return NULL;
    if (peek(p) == '[') {
        size_t open = p->i++;
        f->kind = SCIM_F_VALPATH;
        if (!enter(p))
            return NULL;
        f->left = parse_or(p);
        p->depth--;
        if (!f->left)
            return NULL;
        skip_ws(p);
        if (peek(p) != ']') {
            if (p->i >= p->len)
                fail(p, open, "missing ']' for the '['");
            else
                fail_at(p, p->i, 8, "expected ']', found");
            return NULL;
        }
        p->i++;
        return f;
    }
    return parse_comparison(p, f);
}

/* True when the next word is kw, preceded by white space or ')' / ']' / '"'. */
static bool next_keyword(struct parser *p, const char *kw)
{
    size_t save = p->i;
    skip_ws(p);
    if (word_is(p, kw)) {
        p->i += strlen(kw);
        return true;
    }
    p->i = save;
    return false;
}

static struct scim_filter *parse_and(struct parser *p)
{
    struct scim_filter *left = parse_unary(p);
    while (left && next_keyword(p, "and")) {
        struct scim_filter *f = node(p, SCIM_F_AND, left->pos);
        f->left = left;
        f->right = parse_unary(p);
        left = f->right ? f : NULL;
    }
    return left;
}

static struct scim_filter *parse_or(struct parser *p)
{
    struct scim_filter *left = parse_and(p);
    while (left && next_keyword(p, "or")) {
        struct scim_filter *f = node(p, SCIM_F_OR, left->pos);
        f->left = left;
        f->right = parse_and(p);
        left = f->right ? f : NULL;
    }
    return left;
}

static bool start(struct parser *p, struct arena *a, const char *text, size_t len,
                  enum scim_type type, const char *what, struct scim_error *err)
{
    *p = (struct parser){ .a = a, .s = text ? text : "", .len = text ? len : 0, .type = type,
                          .err = err };
    if (len > SCIM_FILTER_MAX_LEN) {
        fail(p, SCIM_FILTER_MAX_LEN, arena_printf(a, "%s longer than %d bytes", what,
                                                  SCIM_FILTER_MAX_LEN));
        return false;
    }
    const char *nul = memchr(p->s, '\0', p->len);
    if (nul) {
        fail(p, (size_t)(nul - p->s), "NUL byte");
        return false;
    }
    if (!utf8_valid(p->s, p->len)) {
        fail(p, 0, arena_printf(a, "%s is not UTF-8 text", what));
        return false;
    }
    skip_ws(p);
    if (p->i >= p->len) {
        fail(p, p->i, arena_printf(a, "empty %s", what));
        return false;
    }
    return true;
}

struct scim_filter *scim_filter_parse(struct arena *a, const char *text, size_t len,
                                      struct scim_error *err)
{
    struct parser p;
    if (!start(&p, a, text, len, SCIM_INVALID_FILTER, "filter", err))
        return NULL;
    struct scim_filter *f = parse_or(&p);
    if (!f)
        return NULL;
    skip_ws(&p);
    if (p.i < p.len) {
        fail_at(&p, p.i, 16, "unexpected");
        return NULL;
    }
    return f;
}

struct scim_path *scim_path_parse(struct arena *a, const char *text, size_t len,
                                  struct scim_error *err)
{
    struct parser p;
    if (!start(&p, a, text, len, SCIM_INVALID_PATH, "path", err))
        return NULL;
    struct scim_path *path = arena_calloc(a, 1, sizeof *path);
    if (!parse_attr_path(&p, &path->attr))
        return NULL;
    if (peek(&p) == '[') {
        if (path->attr.sub) {
            fail(&p, p.i, "a value filter follows a sub-attribute");
            return NULL;
        }
        size_t open = p.i++;
        p.depth = 1;
        path->filter = parse_or(&p);
        if (!path->filter)
            return NULL;
        skip_ws(&p);
        if (peek(&p) != ']') {
            if (p.i >= p.len)
                fail(&p, open, "missing ']' for the '['");
            else
                fail_at(&p, p.i, 8, "expected ']', found");
            return NULL;
        }
        p.i++;
        if (peek(&p) == '.') {
            size_t n = name_len(p.s + p.i + 1, p.len - p.i - 1);
            if (!n) {
                fail_at(&p, p.i, 8, "bad sub-attribute");
                return NULL;
            }
            path->sub_after = arena_strndup(a, p.s + p.i + 1, n);
            p.i += 1 + n;
        }
    }
    skip_ws(&p);
    if (p.i < p.len) {
        fail_at(&p, p.i, 16, peek(&p) == ']' ? "unbalanced brackets:" : "unexpected");
        return NULL;
    }
    return path;
}
