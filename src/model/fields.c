/* Typed form validation with FastAPI/pydantic v2's 422 items: each field is checked in table
 * order and every failure is reported, then the extra members (when forbidden). */
#include "config.h"

#include "usher/fields.h"
#include "usher/utf8.h"
#include "usher/arena.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MSG_MISSING "Field required"
#define MSG_STRING "Input should be a valid string"
#define MSG_BOOL "Input should be a valid boolean"
#define MSG_BOOL_PARSING "Input should be a valid boolean, unable to interpret input"
#define MSG_INT "Input should be a valid integer"
#define MSG_INT_PARSING "Input should be a valid integer, unable to parse string as an integer"
#define MSG_INT_FROM_FLOAT "Input should be a valid integer, got a number with a fractional part"
#define MSG_INT_SIZE "Input should be a valid integer, unable to parse number as an integer"
#define MSG_FINITE "Input should be a finite number"
#define MSG_DICT "Input should be a valid dictionary"
#define MSG_LIST "Input should be a valid list"
#define MSG_DATE "Input should be a valid date"
#define MSG_DATE_PARSING "Input should be a valid date in the format YYYY-MM-DD"
#define MSG_EXTRA "Extra inputs are not permitted"
#define MSG_MODEL "Input should be a valid dictionary or object to extract fields from"
#define MSG_NUL "string contains a NUL character"

/* Subtracts a size estimate of v's JSON text from *budget; stops early below 0. */
static void spend(struct json_object *v, long *budget)
{
    if (*budget < 0)
        return;
    switch (json_object_get_type(v)) {
    case json_type_string:
        *budget -= json_object_get_string_len(v) + 2;
        break;
    case json_type_array:
        for (size_t i = 0, n = json_object_array_length(v); i < n && *budget >= 0; i++)
            spend(json_object_array_get_idx(v, i), budget);
        *budget -= 2;
        break;
    case json_type_object: {
        json_object_object_foreach(v, key, val) {
            *budget -= (long)strlen(key) + 4;
            spend(val, budget);
            if (*budget < 0)
                break;
        }
        break;
    }
    default:
        *budget -= 24;
        break;
    }
}

/* p (n bytes) into buf, cut to FIELDS_INPUT_STRING_MAX bytes at a character boundary and
 * then followed by "..." when longer. */
static void cut_text(char buf[FIELDS_INPUT_STRING_MAX + 4], const char *p, size_t n)
{
    if (n <= FIELDS_INPUT_STRING_MAX) {
        memcpy(buf, p, n);
        buf[n] = '\0';
        return;
    }
    n = FIELDS_INPUT_STRING_MAX;
    while (n > 0 && ((unsigned char)p[n] & 0xc0) == 0x80)   /* not inside a character */
        n--;
    memcpy(buf, p, n);
    memcpy(buf + n, "...", 4);
}

static struct json_object *cut_string(struct json_object *s)
{
    size_t n = (size_t)json_object_get_string_len(s);
    if (n <= FIELDS_INPUT_STRING_MAX)
        return json_object_get(s);
    char buf[FIELDS_INPUT_STRING_MAX + 4];
    cut_text(buf, json_object_get_string(s), n);
    return json_object_new_string(buf);
}

/* The input a 422 item echoes (see fields.h). */
static struct json_object *capped_input(struct json_object *in)
{
    enum json_type t = json_object_get_type(in);
    if (t == json_type_string)
        return cut_string(in);
    if (t != json_type_object && t != json_type_array)
        return json_object_get(in);
    long budget = FIELDS_INPUT_TOTAL_MAX;
    spend(in, &budget);
    if (budget >= 0)
        return json_object_get(in);
    size_t kept = 0;
    struct json_object *out;
    if (t == json_type_array) {
        out = json_object_new_array();
        for (size_t i = 0, n = json_object_array_length(in); i < n && kept < 16; i++, kept++) {
            struct json_object *v = json_object_array_get_idx(in, i);
            enum json_type vt = json_object_get_type(v);
            json_object_array_add(out, vt == json_type_object || vt == json_type_array
                                           ? json_object_new_string("...")
                                           : vt == json_type_string ? cut_string(v)
                                                                    : json_object_get(v));
        }
        return out;
    }
    out = json_object_new_object();
    json_object_object_foreach(in, key, v) {
        if (kept++ >= 16)
            break;
        enum json_type vt = json_object_get_type(v);
        char name[FIELDS_INPUT_STRING_MAX + 4];
        cut_text(name, key, strlen(key));
        json_object_object_add(out, name, vt == json_type_object || vt == json_type_array
                                              ? json_object_new_string("...")
                                              : vt == json_type_string ? cut_string(v)
                                                                       : json_object_get(v));
    }
    return out;
}

struct json_object *fields_error(const char *type, const char *name, const char *msg,
                                 struct json_object *input)
{
    struct json_object *item = json_object_new_object();
    struct json_object *loc = json_object_new_array();
    json_object_array_add(loc, json_object_new_string("body"));
    if (name)
        json_object_array_add(loc, json_object_new_string(name));
    json_object_object_add(item, "type", json_object_new_string(type));
    json_object_object_add(item, "loc", loc);
    json_object_object_add(item, "msg", json_object_new_string(msg));
    json_object_object_add(item, "input", capped_input(input));
    return item;
}

bool fields_is_form_control(const char *name)
{
    /* the CSRF double-submit field and the redirect target of a browser form post */
    return name && (strcmp(name, "csrf_token") == 0 || strcmp(name, "next") == 0);
}

int fields_lax_bool(struct json_object *v, bool *out)
{
    static const char *const falses[] = { "0", "off", "f", "false", "n", "no" };
    static const char *const trues[] = { "1", "on", "t", "true", "y", "yes" };
    switch (json_object_get_type(v)) {
    case json_type_boolean:
        *out = json_object_get_boolean(v);
        return 1;
    case json_type_int: {
        int64_t i = json_object_get_int64(v);
        if (i == 0 || i == 1) {
            *out = i == 1;
            return 1;
        }
        return 0;
    }
    case json_type_double: {
        double d = json_object_get_double(v);
        if (d == 0.0 || d == 1.0) {
            *out = d == 1.0;
            return 1;
        }
        return 0;
    }
    case json_type_string: {
        const char *s = json_object_get_string(v);
        size_t len = (size_t)json_object_get_string_len(v);
        if (strlen(s) != len)
            return 0;
        for (size_t i = 0; i < sizeof(falses) / sizeof(falses[0]); i++)
            if (strcasecmp(s, falses[i]) == 0) {
                *out = false;
                return 1;
            }
        for (size_t i = 0; i < sizeof(trues) / sizeof(trues[0]); i++)
            if (strcasecmp(s, trues[i]) == 0) {
                *out = true;
                return 1;
            }
        return 0;
    }
    default:
        return -1;
    }
}

/* ------------------------------------------------------------------ error list */

struct errs {
    struct json_object *list;
};

static struct json_object *add_error(struct errs *e, const char *type, const char *name,
                                     const char *msg, struct json_object *input)
{
    if (!e->list)
        e->list = json_object_new_array();
    struct json_object *item = fields_error(type, name, msg, input);
    json_object_array_add(e->list, item);
    return item;
}

/* Appends a further element (a list index or a union member tag) to an item's loc. */
static void loc_append_idx(struct json_object *item, size_t idx)
{
    struct json_object *loc = NULL;
    if (json_object_object_get_ex(item, "loc", &loc))
        json_object_array_add(loc, json_object_new_int64((int64_t)idx));
}

static void loc_append_str(struct json_object *item, const char *tag)
{
    struct json_object *loc = NULL;
    if (json_object_object_get_ex(item, "loc", &loc))
        json_object_array_add(loc, json_object_new_string(tag));
}

/* A validator failure: pydantic's value_error, whose ctx FastAPI renders as {"error":{}}. */
static struct json_object *add_value_error(struct arena *a, struct errs *e, const char *name,
                                           const char *msg, struct json_object *input)
{
    char buf[512];
    const char *text = buf;
    if (a)
        text = arena_printf(a, "Value error, %s", msg);
    else
        snprintf(buf, sizeof(buf), "Value error, %s", msg);
    struct json_object *item = add_error(e, "value_error", name, text, input);
    struct json_object *ctx = json_object_new_object();
    json_object_object_add(ctx, "error", json_object_new_object());
    json_object_object_add(item, "ctx", ctx);
    return item;
}

/* ------------------------------------------------------------------ scalar coercion */


/* Checks a string value: no NUL, at most max_len characters, the validator. Returns true
 * when it is fine (errors added otherwise); idx >= 0 appends a list index to the loc. */
static bool check_string(struct arena *a, struct errs *e, const struct field_spec *f,
                         struct json_object *v, long idx)
{
    const char *s = json_object_get_string(v);
    size_t len = (size_t)json_object_get_string_len(v);
    struct json_object *item = NULL;
    if (memchr(s, '\0', len)) {
        item = add_value_error(a, e, f->name, MSG_NUL, v);
    } else if (f->max_len && utf8_length(s, len) > f->max_len) {
        char msg[96];
        snprintf(msg, sizeof(msg), "String should have at most %zu character%s", f->max_len,
                 f->max_len == 1 ? "" : "s");
        item = add_error(e, "string_too_long", f->name, msg, v);
        struct json_object *ctx = json_object_new_object();
        json_object_object_add(ctx, "max_length", json_object_new_int64((int64_t)f->max_len));
        json_object_object_add(item, "ctx", ctx);
    } else if (f->validate) {
        const char *why = f->validate(s, len, f->validate_arg);
        if (why)
            item = add_value_error(a, e, f->name, why, v);
    }
    if (item && idx >= 0)
        loc_append_idx(item, (size_t)idx);
    return item == NULL;
}

static bool is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* pydantic's int from a string: surrounding whitespace, a sign, digits with single '_'
 * between them, and an optional fraction of zeros ("1.0", "1."). Returns 0, -1 unparsable,
 * -2 out of range. */
static int parse_int_string(const char *s, size_t len, long long *out)
{
    const char *p = s, *end = s + len;
    while (p < end && is_space((unsigned char)*p))
        p++;
    while (end > p && is_space((unsigned char)end[-1]))
        end--;
    bool neg = false;
    if (p < end && (*p == '+' || *p == '-')) {
        neg = *p == '-';
        p++;
    }
    if (p == end || *p < '0' || *p > '9')
        return -1;
    uint64_t v = 0;
    bool overflow = false;
    while (p < end) {
        if (*p == '_') {
            if (p + 1 >= end || p[1] < '0' || p[1] > '9')
                return -1;
            p++;
            continue;
        }
        if (*p < '0' || *p > '9')
            break;
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            overflow = true;
        else
            v = v * 10 + d;
        p++;
    }
    if (p < end && *p == '.') {
        p++;
        while (p < end && *p == '0')
            p++;
    }
    if (p != end)
        return -1;
    if (overflow || (!neg && v > (uint64_t)INT64_MAX) || (neg && v > (uint64_t)INT64_MAX + 1))
        return -2;
    *out = neg ? (long long)(0 - v) : (long long)v;
    return 0;
}

enum int_result { INT_OK, INT_TYPE, INT_PARSING, INT_FROM_FLOAT, INT_SIZE, INT_FINITE };

static enum int_result lax_int(struct json_object *v, long long *out)
{
    switch (json_object_get_type(v)) {
    case json_type_int: {
        int64_t i = json_object_get_int64(v);
        if (i == INT64_MAX && json_object_get_uint64(v) > (uint64_t)INT64_MAX)
            return INT_SIZE;
        *out = i;
        return INT_OK;
    }
    case json_type_boolean:
        *out = json_object_get_boolean(v) ? 1 : 0;
        return INT_OK;
    case json_type_double: {
        double d = json_object_get_double(v);
        if (!isfinite(d))
            return INT_FINITE;
        /* every double of magnitude 2^63 or more is integral (no libm needed) */
        if (d < -9223372036854775808.0 || d >= 9223372036854775808.0)
            return INT_SIZE;
        if ((double)(long long)d != d)
            return INT_FROM_FLOAT;
        *out = (long long)d;
        return INT_OK;
    }
    case json_type_string: {
        int rc = parse_int_string(json_object_get_string(v), (size_t)json_object_get_string_len(v), out);
        return rc == 0 ? INT_OK : rc == -2 ? INT_SIZE : INT_PARSING;
    }
    default:
        return INT_TYPE;
    }
}

static struct json_object *add_int_error(struct errs *e, const char *name, enum int_result r,
                                         struct json_object *v)
{
    switch (r) {
    case INT_PARSING: return add_error(e, "int_parsing", name, MSG_INT_PARSING, v);
    case INT_FROM_FLOAT: return add_error(e, "int_from_float", name, MSG_INT_FROM_FLOAT, v);
    case INT_SIZE: return add_error(e, "int_parsing_size", name, MSG_INT_SIZE, v);
    case INT_FINITE: return add_error(e, "finite_number", name, MSG_FINITE, v);
    default: return add_error(e, "int_type", name, MSG_INT, v);
    }
}

/* A calendar date "YYYY-MM-DD" (year 0001..9999). */
static bool valid_date(const char *s, size_t len)
{
    if (len != 10 || s[4] != '-' || s[7] != '-')
        return false;
    int v[3] = { 0, 0, 0 };
    const int at[3] = { 0, 5, 8 }, n[3] = { 4, 2, 2 };
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < n[k]; i++) {
            char c = s[at[k] + i];
            if (c < '0' || c > '9')
                return false;
            v[k] = v[k] * 10 + (c - '0');
        }
    int y = v[0], m = v[1], d = v[2];
    static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (y < 1 || m < 1 || m > 12 || d < 1)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int maxd = mdays[m - 1] + (m == 2 && leap ? 1 : 0);
    return d <= maxd;
}

/* ------------------------------------------------------------------ one field */

/* The type error pydantic reports for a value of the wrong JSON type (null included). */
static void add_type_error(struct errs *e, const struct field_spec *f, struct json_object *v)
{
    switch (f->type) {
    case FIELD_STR: add_error(e, "string_type", f->name, MSG_STRING, v); break;
    case FIELD_BOOL: add_error(e, "bool_type", f->name, MSG_BOOL, v); break;
    case FIELD_INT: add_error(e, "int_type", f->name, MSG_INT, v); break;
    case FIELD_OBJECT: add_error(e, "dict_type", f->name, MSG_DICT, v); break;
    case FIELD_STR_LIST: add_error(e, "list_type", f->name, MSG_LIST, v); break;
    case FIELD_DATE: add_error(e, "date_type", f->name, MSG_DATE, v); break;
    case FIELD_INT_OR_STR:
        /* a smart union reports each member, tagged in the loc */
        loc_append_str(add_error(e, "int_type", f->name, MSG_INT, v), "int");
        loc_append_str(add_error(e, "string_type", f->name, MSG_STRING, v), "str");
        break;
    case FIELD_ANY: break;
    }
}

/* Validates one present member into out. The body is passed so a lone string for a list
 * field can be replaced by a one-element array that the body owns. */
static void parse_field(struct arena *a, struct errs *e, struct json_object *body,
                        const struct field_spec *f, struct json_object *v, struct field_value *out)
{
    out->present = true;
    if (!v) {    /* JSON null */
        if (f->nullable || f->type == FIELD_ANY)
            out->is_null = true;
        else
            add_type_error(e, f, v);
        return;
    }
    enum json_type t = json_object_get_type(v);
    /* An empty string for an optional field of another type counts as absent: that is what
     * an empty input of an HTML form sends. */
    if (t == json_type_string && json_object_get_string_len(v) == 0 && !f->required &&
        f->type != FIELD_STR && f->type != FIELD_INT_OR_STR && f->type != FIELD_ANY) {
        out->present = false;
        return;
    }
    switch (f->type) {
    case FIELD_STR:
        if (t != json_type_string) {
            add_type_error(e, f, v);
            return;
        }
        if (check_string(a, e, f, v, -1)) {
            out->s = json_object_get_string(v);
            out->len = (size_t)json_object_get_string_len(v);
        }
        return;
    case FIELD_BOOL: {
        int rc = fields_lax_bool(v, &out->b);
        if (rc == 0)
            add_error(e, "bool_parsing", f->name, MSG_BOOL_PARSING, v);
        else if (rc < 0)
            add_type_error(e, f, v);
        return;
    }
    case FIELD_INT: {
        enum int_result r = lax_int(v, &out->i);
        if (r != INT_OK)
            add_int_error(e, f->name, r, v);
        else
            out->is_int = true;
        return;
    }
    case FIELD_OBJECT:
        if (t != json_type_object)
            add_type_error(e, f, v);
        else
            out->json = v;
        return;
    case FIELD_STR_LIST: {
        if (t == json_type_string) {
            /* a form field sent once: make it the one-element list */
            struct json_object *arr = json_object_new_array();
            json_object_array_add(arr, json_object_get(v));
            json_object_object_add(body, f->name, arr);
            v = arr;
            t = json_type_array;
        }
        if (t != json_type_array) {
            add_type_error(e, f, v);
            return;
        }
        bool good = true;
        size_t n = json_object_array_length(v);
        for (size_t i = 0; i < n; i++) {
            struct json_object *el = json_object_array_get_idx(v, i);
            if (!json_object_is_type(el, json_type_string)) {
                loc_append_idx(add_error(e, "string_type", f->name, MSG_STRING, el), i);
                good = false;
            } else if (!check_string(a, e, f, el, (long)i)) {
                good = false;
            }
        }
        if (good)
            out->json = v;
        return;
    }
    case FIELD_DATE: {
        if (t != json_type_string) {
            add_type_error(e, f, v);
            return;
        }
        const char *s = json_object_get_string(v);
        size_t len = (size_t)json_object_get_string_len(v);
        if (!valid_date(s, len)) {
            add_error(e, "date_parsing", f->name, MSG_DATE_PARSING, v);
            return;
        }
        if (f->validate) {
            const char *why = f->validate(s, len, f->validate_arg);
            if (why) {
                add_value_error(a, e, f->name, why, v);
                return;
            }
        }
        out->s = s;
        out->len = len;
        return;
    }
    case FIELD_INT_OR_STR: {
        if (t == json_type_string) {
            if (check_string(a, e, f, v, -1)) {
                out->s = json_object_get_string(v);
                out->len = (size_t)json_object_get_string_len(v);
            }
            return;
        }
        enum int_result r = lax_int(v, &out->i);
        if (r == INT_OK) {
            out->is_int = true;
            return;
        }
        loc_append_str(add_int_error(e, f->name, r == INT_PARSING ? INT_TYPE : r, v), "int");
        loc_append_str(add_error(e, "string_type", f->name, MSG_STRING, v), "str");
        return;
    }
    case FIELD_ANY:
        out->json = v;
        return;
    }
}

int fields_parse(struct arena *a, struct json_object *body, const struct field_spec *specs,
                 size_t n, bool forbid_extra, struct field_value *out, struct json_object **errors)
{
    struct errs e = { NULL };
    if (errors)
        *errors = NULL;
    if (n)
        memset(out, 0, n * sizeof(*out));
    if (body && !json_object_is_type(body, json_type_object)) {
        add_error(&e, "model_attributes_type", NULL, MSG_MODEL, body);
    } else {
        for (size_t i = 0; i < n; i++) {
            struct json_object *v = NULL;
            if (!body || !json_object_object_get_ex(body, specs[i].name, &v)) {
                if (specs[i].required)
                    add_error(&e, "missing", specs[i].name, MSG_MISSING, body);
                continue;
            }
            parse_field(a, &e, body, &specs[i], v, &out[i]);
        }
        if (body && forbid_extra) {
            json_object_object_foreach(body, key, val) {
                bool known = fields_is_form_control(key);
                for (size_t i = 0; i < n && !known; i++)
                    known = strcmp(specs[i].name, key) == 0;
                if (!known)
                    add_error(&e, "extra_forbidden", key, MSG_EXTRA, val);
            }
        }
    }
    if (!e.list)
        return 0;
    if (errors)
        *errors = e.list;
    else
        json_object_put(e.list);
    return -1;
}
