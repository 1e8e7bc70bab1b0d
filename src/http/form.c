/* Body decoders for JSON and application/x-www-form-urlencoded, and the field view they share
 * with multipart (multipart.c). */
#include "config.h"

#include "usher/form.h"
#include "usher/encoding.h"
#include "usher/utf8.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- field view ------------------------------------------------------------------------ */

void form_add_field(struct json_object *obj, const char *name, const char *value, size_t len)
{
    /* "ids[]" (PHP/jQuery style) and "ids" are the same field. */
    size_t nlen = strlen(name);
    char *stripped = NULL;
    if (nlen >= 2 && name[nlen - 2] == '[' && name[nlen - 1] == ']') {
        stripped = strndup(name, nlen - 2);
        if (!stripped)
            abort();
        name = stripped;
    }

    struct json_object *val = json_object_new_string_len(value, (int)len);
    struct json_object *old = NULL;
    if (!json_object_object_get_ex(obj, name, &old)) {
        json_object_object_add(obj, name, val);
    } else if (json_object_is_type(old, json_type_array)) {
        json_object_array_add(old, val);
    } else {
        /* Second value: the member becomes [first, second]. The array takes its own
         * reference to the first value before object_add drops the object's. */
        struct json_object *arr = json_object_new_array();
        json_object_array_add(arr, json_object_get(old));
        json_object_array_add(arr, val);
        json_object_object_add(obj, name, arr);
    }
    free(stripped);
}

/* ---- application/x-www-form-urlencoded --------------------------------------------------- */

/* Decodes src[0..len) ('+' is a space) into dst; the result must be a C string of valid
 * UTF-8. Returns the decoded length or -1. */
static long decode_component(const char *src, size_t len, char *dst)
{
    long n = percent_decode(src, len, dst, true);
    if (n < 0 || memchr(dst, '\0', (size_t)n) || !utf8_valid(dst, (size_t)n))
        return -1;
    return n;
}

struct json_object *form_parse_urlencoded(const char *body, size_t len, struct http_error *err)
{
    if (len > INT_MAX) {   /* json-c string lengths are ints; bodies are far smaller anyway */
        http_error_set(err, 413, "", "Request body too large");
        return NULL;
    }
    /* One scratch buffer holds each decoded name and value (a pair decodes to at most
     * its own length, plus two terminators). */
    char *scratch = malloc(len + 2);
    if (!scratch)
        abort();
    struct json_object *obj = json_object_new_object();

    const char *p = body, *end = body + len;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *pair_end = amp ? amp : end;
        if (pair_end > p) {     /* "a=1&&b=2": empty pairs are skipped */
            const char *eq = memchr(p, '=', (size_t)(pair_end - p));
            const char *name_end = eq ? eq : pair_end;
            const char *vstart = eq ? eq + 1 : pair_end;   /* "flag" alone: value "" */
            char *name = scratch;
            long nlen = decode_component(p, (size_t)(name_end - p), name);
            char *value = nlen >= 0 ? scratch + nlen + 1 : NULL;
            long vlen = value ? decode_component(vstart, (size_t)(pair_end - vstart), value) : -1;
            if (nlen < 0 || vlen < 0) {
                http_error_set(err, 400, "", "Invalid form body");
                json_object_put(obj);
                free(scratch);
                return NULL;
            }
            form_add_field(obj, name, value, (size_t)vlen);
        }
        p = amp ? amp + 1 : end;
    }
    free(scratch);
    return obj;
}

/* ---- JSON -------------------------------------------------------------------------------- */

/* Index past the digits of s starting at i (at most len). */
static size_t skip_digits(const char *s, size_t i, size_t len)
{
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++;
    return i;
}

/* JSON number grammar (RFC 8259 section 6) over exactly s[0..len). */
static bool json_number_valid(const char *s, size_t len)
{
    size_t i = 0;
    if (i < len && s[i] == '-')
        i++;
    if (i < len && s[i] == '0')
        i++;
    else if (i < len && s[i] >= '1' && s[i] <= '9')
        i = skip_digits(s, i + 1, len);
    else
        return false;
    if (i < len && s[i] == '.') {
        size_t start = ++i;
        if ((i = skip_digits(s, i, len)) == start)
            return false;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t start = i;
        if ((i = skip_digits(s, i, len)) == start)
            return false;
    }
    return i == len;
}

static int hex4(const char *s, size_t avail)
{
    if (avail < 4)
        return -1;
    int v = 0;
    for (int k = 0; k < 4; k++) {
        char c = s[k];
        int d = c >= '0' && c <= '9' ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return -1;
        v = v << 4 | d;
    }
    return v;
}

enum prescan { PRESCAN_OK, PRESCAN_INVALID, PRESCAN_TOO_DEEP };

/* json-c (0.16) is more lenient than JSON, so this pass rejects what it would let through:
 * - any byte sequence that is not UTF-8 (json-c copies string bytes unchecked);
 * - raw control characters inside strings, and "\u0000" (handlers use C strings);
 * - \u escapes that leave a lone surrogate (json-c silently turns them into U+FFFD);
 * - single-quoted strings, comments, NaN/Infinity and numbers like 01, 1. or -01
 *   (json-c accepts all of these even with JSON_TOKENER_STRICT);
 * and it measures container nesting exactly, so the depth limit means max_depth levels of
 * objects/arrays. What it lets pass is only close to JSON: the structure, literals and
 * escapes other than \u are left for json-c to check. */
static enum prescan json_prescan(const char *s, size_t len, int max_depth)
{
    if (!utf8_valid(s, len))
        return PRESCAN_INVALID;
    int depth = 0;
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case ' ': case '\t': case '\n': case '\r': case ':': case ',':
            i++;
            continue;
        case '{': case '[':
            if (++depth > max_depth)
                return PRESCAN_TOO_DEEP;
            i++;
            continue;
        case '}': case ']':
            if (--depth < 0)
                return PRESCAN_INVALID;
            i++;
            continue;
        case '"':
            break;   /* string: below */
        default:
            if (c == '-' || (c >= '0' && c <= '9')) {
                size_t start = i;
                while (i < len && strchr("0123456789+-.eE", s[i]) && s[i] != '\0')
                    i++;
                if (!json_number_valid(s + start, i - start))
                    return PRESCAN_INVALID;
                continue;
            }
            if (c >= 'a' && c <= 'z') {     /* true/false/null: json-c checks the spelling */
                i++;
                continue;
            }
            return PRESCAN_INVALID;
        }
        /* Inside a string, from the opening quote. */
        for (i++;; i++) {
            if (i >= len)
                return PRESCAN_INVALID;
            c = (unsigned char)s[i];
            if (c == '"')
                break;
            if (c < 0x20)
                return PRESCAN_INVALID;
            if (c != '\\')
                continue;
            if (++i >= len)
                return PRESCAN_INVALID;
            if (s[i] != 'u')
                continue;     /* other escapes: json-c rejects unknown ones */
            int cp = hex4(s + i + 1, len - i - 1);
            if (cp <= 0)      /* malformed, or \u0000 */
                return PRESCAN_INVALID;
            i += 4;
            if (cp >= 0xDC00 && cp <= 0xDFFF)
                return PRESCAN_INVALID;    /* low surrogate without a high one */
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (len - i < 3 || s[i + 1] != '\\' || s[i + 2] != 'u')
                    return PRESCAN_INVALID;
                int lo = hex4(s + i + 3, len - i - 3);
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return PRESCAN_INVALID;
                i += 6;
            }
        }
        i++;    /* past the closing quote */
    }
    return PRESCAN_OK;
}

struct json_object *form_parse_json(const char *body, size_t len, int max_depth, int *is_null,
                                    struct http_error *err)
{
    char why[120];
    if (is_null)
        *is_null = 0;
    if (max_depth < 1)
        max_depth = 1;
    if (len > INT_MAX - 1)
        goto invalid;
    switch (json_prescan(body, len, max_depth)) {
    case PRESCAN_OK:
        break;
    case PRESCAN_TOO_DEEP:
        goto too_deep;
    case PRESCAN_INVALID:
        goto invalid;
    }

    /* json-c's stack holds the innermost scalar too, hence one level more than containers. */
    struct json_tokener *tok = json_tokener_new_ex(max_depth + 1);
    if (!tok)
        abort();
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    struct json_object *obj = json_tokener_parse_ex(tok, body, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    if (jerr == json_tokener_success && json_tokener_get_parse_end(tok) != len) {
        json_object_put(obj);   /* defensive: STRICT already fails on trailing garbage */
        obj = NULL;
        jerr = json_tokener_error_parse_unexpected;
    } else if (jerr == json_tokener_continue) {
        /* A top-level number or literal only ends at the end of input: json-c learns
         * that from a terminating NUL (body itself need not have one). */
        obj = json_tokener_parse_ex(tok, "", 1);
        jerr = json_tokener_get_error(tok);
    }
    json_tokener_free(tok);
    if (jerr == json_tokener_success) {
        if (!obj && is_null)
            *is_null = 1;   /* the body is the literal null */
        return obj;
    }
    json_object_put(obj);
    if (jerr == json_tokener_error_depth)
        goto too_deep;

invalid:
    http_error_set(err, 422, "json_invalid", "JSON decode error");
    return NULL;
too_deep:
    snprintf(why, sizeof(why), "JSON decode error: nested deeper than %d levels", max_depth);
    http_error_set(err, 422, "json_invalid", why);
    return NULL;
}
