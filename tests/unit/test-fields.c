/* Tests of typed form validation: pydantic v2's lax coercions and its 422 items, exactly. */
#include "config.h"

#include "usher/fields.h"
#include "usher/arena.h"
#include "tap.h"

#include <string.h>

#define J(s) json_tokener_parse(s)
#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *text(struct json_object *v)
{
    static char bufs[4][8192];
    static int next;
    char *b = bufs[next++ % 4];
    snprintf(b, sizeof(bufs[0]), "%s",
             v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
               : "(NULL)");
    return b;
}

static const char *no_bob(const char *value, size_t len, const void *arg)
{
    (void)arg;
    return len == 3 && memcmp(value, "bob", 3) == 0 ? "bob is not allowed" : NULL;
}

static struct arena *A;

/* Runs fields_parse on body text against one spec; returns the error list text or "ok". */
static const char *run1(const struct field_spec *spec, const char *body, struct field_value *out)
{
    struct json_object *b = body ? J(body) : NULL;
    struct json_object *errs = NULL;
    int rc = fields_parse(A, b, spec, 1, false, out, &errs);
    const char *t = rc == 0 ? "ok" : text(errs);
    if (rc == 0 && errs)
        t = "rc 0 with errors";
    json_object_put(errs);
    /* borrowed pointers die with the body: keep scalar results only */
    if (out->json)
        out->json = (struct json_object *)1;
    if (out->s) {
        static char keep[256];
        snprintf(keep, sizeof(keep), "%.*s", (int)out->len, out->s);
        out->s = keep;
    }
    json_object_put(b);
    return t;
}

static void test_types(void)
{
    static const struct { struct field_spec spec; const char *body; const char *want; } cases[] = {
        /* strings */
        { { "name", FIELD_STR, true, false, 5, NULL, NULL }, "{\"name\":\"abc\"}", "ok" },
        { { "name", FIELD_STR, true, false, 5, NULL, NULL }, "{\"name\":12}",
          "[{\"type\":\"string_type\",\"loc\":[\"body\",\"name\"],\"msg\":\"Input should be a valid string\",\"input\":12}]" },
        { { "name", FIELD_STR, true, false, 5, NULL, NULL }, "{\"name\":true}",
          "[{\"type\":\"string_type\",\"loc\":[\"body\",\"name\"],\"msg\":\"Input should be a valid string\",\"input\":true}]" },
        { { "name", FIELD_STR, true, false, 5, NULL, NULL }, "{\"name\":null}",
          "[{\"type\":\"string_type\",\"loc\":[\"body\",\"name\"],\"msg\":\"Input should be a valid string\",\"input\":null}]" },
        { { "name", FIELD_STR, false, true, 5, NULL, NULL }, "{\"name\":null}", "ok" },
        { { "name", FIELD_STR, true, false, 5, NULL, NULL }, "{\"name\":\"abcdef\"}",
          "[{\"type\":\"string_too_long\",\"loc\":[\"body\",\"name\"],\"msg\":\"String should have at most 5 characters\",\"input\":\"abcdef\",\"ctx\":{\"max_length\":5}}]" },
        { { "name", FIELD_STR, true, false, 1, NULL, NULL }, "{\"name\":\"ab\"}",
          "[{\"type\":\"string_too_long\",\"loc\":[\"body\",\"name\"],\"msg\":\"String should have at most 1 character\",\"input\":\"ab\",\"ctx\":{\"max_length\":1}}]" },
        { { "name", FIELD_STR, true, false, 5, NULL, NULL }, "{\"name\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}", "ok" },
        { { "name", FIELD_STR, true, false, 0, NULL, NULL }, "{\"name\":\"a\\u0000b\"}",
          "[{\"type\":\"value_error\",\"loc\":[\"body\",\"name\"],\"msg\":\"Value error, string contains a NUL character\",\"input\":\"a\\u0000b\",\"ctx\":{\"error\":{}}}]" },
        { { "name", FIELD_STR, true, false, 0, no_bob, NULL }, "{\"name\":\"bob\"}",
          "[{\"type\":\"value_error\",\"loc\":[\"body\",\"name\"],\"msg\":\"Value error, bob is not allowed\",\"input\":\"bob\",\"ctx\":{\"error\":{}}}]" },
        { { "name", FIELD_STR, true, false, 2, no_bob, NULL }, "{\"name\":\"bob\"}",
          "[{\"type\":\"string_too_long\",\"loc\":[\"body\",\"name\"],\"msg\":\"String should have at most 2 characters\",\"input\":\"bob\",\"ctx\":{\"max_length\":2}}]" },
        { { "name", FIELD_STR, false, false, 0, NULL, NULL }, "{\"name\":\"\"}", "ok" },
        { { "name", FIELD_STR, true, false, 0, NULL, NULL }, "{\"other\":1}",
          "[{\"type\":\"missing\",\"loc\":[\"body\",\"name\"],\"msg\":\"Field required\",\"input\":{\"other\":1}}]" },
        { { "name", FIELD_STR, true, false, 0, NULL, NULL }, NULL,
          "[{\"type\":\"missing\",\"loc\":[\"body\",\"name\"],\"msg\":\"Field required\",\"input\":null}]" },
        { { "name", FIELD_STR, false, false, 0, NULL, NULL }, NULL, "ok" },
        { { "name", FIELD_STR, true, false, 0, NULL, NULL }, "[1]",
          "[{\"type\":\"model_attributes_type\",\"loc\":[\"body\"],\"msg\":\"Input should be a valid dictionary or object to extract fields from\",\"input\":[1]}]" },
        { { "name", FIELD_STR, false, false, 0, NULL, NULL }, "\"text\"",
          "[{\"type\":\"model_attributes_type\",\"loc\":[\"body\"],\"msg\":\"Input should be a valid dictionary or object to extract fields from\",\"input\":\"text\"}]" },
        /* booleans */
        { { "b", FIELD_BOOL, true, false, 0, NULL, NULL }, "{\"b\":true}", "ok" },
        { { "b", FIELD_BOOL, true, false, 0, NULL, NULL }, "{\"b\":\"YES\"}", "ok" },
        { { "b", FIELD_BOOL, true, false, 0, NULL, NULL }, "{\"b\":2}",
          "[{\"type\":\"bool_parsing\",\"loc\":[\"body\",\"b\"],\"msg\":\"Input should be a valid boolean, unable to interpret input\",\"input\":2}]" },
        { { "b", FIELD_BOOL, true, false, 0, NULL, NULL }, "{\"b\":\"maybe\"}",
          "[{\"type\":\"bool_parsing\",\"loc\":[\"body\",\"b\"],\"msg\":\"Input should be a valid boolean, unable to interpret input\",\"input\":\"maybe\"}]" },
        { { "b", FIELD_BOOL, true, false, 0, NULL, NULL }, "{\"b\":0.5}",
          "[{\"type\":\"bool_parsing\",\"loc\":[\"body\",\"b\"],\"msg\":\"Input should be a valid boolean, unable to interpret input\",\"input\":0.5}]" },
        { { "b", FIELD_BOOL, true, false, 0, NULL, NULL }, "{\"b\":[]}",
          "[{\"type\":\"bool_type\",\"loc\":[\"body\",\"b\"],\"msg\":\"Input should be a valid boolean\",\"input\":[]}]" },
        { { "b", FIELD_BOOL, true, false, 0, NULL, NULL }, "{\"b\":null}",
          "[{\"type\":\"bool_type\",\"loc\":[\"body\",\"b\"],\"msg\":\"Input should be a valid boolean\",\"input\":null}]" },
        { { "b", FIELD_BOOL, true, false, 0, NULL, NULL }, "{\"b\":\"\"}",
          "[{\"type\":\"bool_parsing\",\"loc\":[\"body\",\"b\"],\"msg\":\"Input should be a valid boolean, unable to interpret input\",\"input\":\"\"}]" },
        { { "b", FIELD_BOOL, false, false, 0, NULL, NULL }, "{\"b\":\"\"}", "ok" },
        /* integers */
        { { "i", FIELD_INT, true, false, 0, NULL, NULL }, "{\"i\":\"1.5\"}",
          "[{\"type\":\"int_parsing\",\"loc\":[\"body\",\"i\"],\"msg\":\"Input should be a valid integer, unable to parse string as an integer\",\"input\":\"1.5\"}]" },
        { { "i", FIELD_INT, true, false, 0, NULL, NULL }, "{\"i\":1.5}",
          "[{\"type\":\"int_from_float\",\"loc\":[\"body\",\"i\"],\"msg\":\"Input should be a valid integer, got a number with a fractional part\",\"input\":1.5}]" },
        { { "i", FIELD_INT, true, false, 0, NULL, NULL }, "{\"i\":{}}",
          "[{\"type\":\"int_type\",\"loc\":[\"body\",\"i\"],\"msg\":\"Input should be a valid integer\",\"input\":{}}]" },
        { { "i", FIELD_INT, true, false, 0, NULL, NULL }, "{\"i\":\"abc\"}",
          "[{\"type\":\"int_parsing\",\"loc\":[\"body\",\"i\"],\"msg\":\"Input should be a valid integer, unable to parse string as an integer\",\"input\":\"abc\"}]" },
        { { "i", FIELD_INT, true, false, 0, NULL, NULL }, "{\"i\":\"9223372036854775808\"}",
          "[{\"type\":\"int_parsing_size\",\"loc\":[\"body\",\"i\"],\"msg\":\"Input should be a valid integer, unable to parse number as an integer\",\"input\":\"9223372036854775808\"}]" },
        { { "i", FIELD_INT, true, false, 0, NULL, NULL }, "{\"i\":1e300}",
          "[{\"type\":\"int_parsing_size\",\"loc\":[\"body\",\"i\"],\"msg\":\"Input should be a valid integer, unable to parse number as an integer\",\"input\":1e300}]" },
        { { "i", FIELD_INT, false, false, 0, NULL, NULL }, "{\"i\":\"\"}", "ok" },
        /* objects, lists */
        { { "o", FIELD_OBJECT, true, false, 0, NULL, NULL }, "{\"o\":{\"a\":1}}", "ok" },
        { { "o", FIELD_OBJECT, true, false, 0, NULL, NULL }, "{\"o\":\"x\"}",
          "[{\"type\":\"dict_type\",\"loc\":[\"body\",\"o\"],\"msg\":\"Input should be a valid dictionary\",\"input\":\"x\"}]" },
        { { "l", FIELD_STR_LIST, true, false, 0, NULL, NULL }, "{\"l\":[\"a\",\"b\"]}", "ok" },
        { { "l", FIELD_STR_LIST, true, false, 0, NULL, NULL }, "{\"l\":\"a\"}", "ok" },
        { { "l", FIELD_STR_LIST, true, false, 0, NULL, NULL }, "{\"l\":{}}",
          "[{\"type\":\"list_type\",\"loc\":[\"body\",\"l\"],\"msg\":\"Input should be a valid list\",\"input\":{}}]" },
        { { "l", FIELD_STR_LIST, true, false, 0, no_bob, NULL }, "{\"l\":[\"a\",1,\"bob\"]}",
          "[{\"type\":\"string_type\",\"loc\":[\"body\",\"l\",1],\"msg\":\"Input should be a valid string\",\"input\":1},"
          "{\"type\":\"value_error\",\"loc\":[\"body\",\"l\",2],\"msg\":\"Value error, bob is not allowed\",\"input\":\"bob\",\"ctx\":{\"error\":{}}}]" },
        /* dates */
        { { "d", FIELD_DATE, true, false, 0, NULL, NULL }, "{\"d\":\"2000-02-29\"}", "ok" },
        { { "d", FIELD_DATE, true, false, 0, NULL, NULL }, "{\"d\":\"1900-02-29\"}",
          "[{\"type\":\"date_parsing\",\"loc\":[\"body\",\"d\"],\"msg\":\"Input should be a valid date in the format YYYY-MM-DD\",\"input\":\"1900-02-29\"}]" },
        { { "d", FIELD_DATE, true, false, 0, NULL, NULL }, "{\"d\":5}",
          "[{\"type\":\"date_type\",\"loc\":[\"body\",\"d\"],\"msg\":\"Input should be a valid date\",\"input\":5}]" },
        { { "d", FIELD_DATE, false, true, 0, NULL, NULL }, "{\"d\":\"\"}", "ok" },
        /* int | str */
        { { "n", FIELD_INT_OR_STR, true, false, 0, NULL, NULL }, "{\"n\":2.5}",
          "[{\"type\":\"int_from_float\",\"loc\":[\"body\",\"n\",\"int\"],\"msg\":\"Input should be a valid integer, got a number with a fractional part\",\"input\":2.5},"
          "{\"type\":\"string_type\",\"loc\":[\"body\",\"n\",\"str\"],\"msg\":\"Input should be a valid string\",\"input\":2.5}]" },
        { { "n", FIELD_INT_OR_STR, true, false, 0, NULL, NULL }, "{\"n\":null}",
          "[{\"type\":\"int_type\",\"loc\":[\"body\",\"n\",\"int\"],\"msg\":\"Input should be a valid integer\",\"input\":null},"
          "{\"type\":\"string_type\",\"loc\":[\"body\",\"n\",\"str\"],\"msg\":\"Input should be a valid string\",\"input\":null}]" },
        { { "n", FIELD_INT_OR_STR, true, false, 0, NULL, NULL }, "{\"n\":[]}",
          "[{\"type\":\"int_type\",\"loc\":[\"body\",\"n\",\"int\"],\"msg\":\"Input should be a valid integer\",\"input\":[]},"
          "{\"type\":\"string_type\",\"loc\":[\"body\",\"n\",\"str\"],\"msg\":\"Input should be a valid string\",\"input\":[]}]" },
        /* any */
        { { "x", FIELD_ANY, true, false, 0, NULL, NULL }, "{\"x\":null}", "ok" },
        { { "x", FIELD_ANY, true, false, 0, NULL, NULL }, "{\"x\":[1,{}]}", "ok" },
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct field_value v;
        is_str(run1(&cases[i].spec, cases[i].body, &v), cases[i].want, "case %zu: %s", i,
               cases[i].body ? cases[i].body : "(no body)");
    }
}

static void test_values(void)
{
    struct field_value v;
    struct field_spec s = { "b", FIELD_BOOL, true, false, 0, NULL, NULL };
    static const struct { const char *body; bool want; } bools[] = {
        { "{\"b\":true}", true }, { "{\"b\":false}", false }, { "{\"b\":1}", true }, { "{\"b\":0}", false },
        { "{\"b\":1.0}", true }, { "{\"b\":0.0}", false }, { "{\"b\":\"on\"}", true }, { "{\"b\":\"OFF\"}", false },
        { "{\"b\":\"t\"}", true }, { "{\"b\":\"F\"}", false }, { "{\"b\":\"y\"}", true }, { "{\"b\":\"No\"}", false },
        { "{\"b\":\"1\"}", true }, { "{\"b\":\"0\"}", false }, { "{\"b\":\"True\"}", true }, { "{\"b\":\"false\"}", false },
    };
    for (size_t i = 0; i < N(bools); i++) {
        const char *r = run1(&s, bools[i].body, &v);
        ok(strcmp(r, "ok") == 0 && v.present && v.b == bools[i].want, "bool %s", bools[i].body);
    }
    s = (struct field_spec){ "i", FIELD_INT, true, false, 0, NULL, NULL };
    static const struct { const char *body; long long want; } ints[] = {
        { "{\"i\":42}", 42 }, { "{\"i\":\"42\"}", 42 }, { "{\"i\":\" -7 \"}", -7 }, { "{\"i\":\"+3\"}", 3 },
        { "{\"i\":\"1_000\"}", 1000 }, { "{\"i\":\"5.0\"}", 5 }, { "{\"i\":\"5.\"}", 5 }, { "{\"i\":2.0}", 2 },
        { "{\"i\":true}", 1 }, { "{\"i\":-9223372036854775808}", -9223372036854775807LL - 1 },
        { "{\"i\":\"-9223372036854775808\"}", -9223372036854775807LL - 1 },
    };
    for (size_t i = 0; i < N(ints); i++) {
        const char *r = run1(&s, ints[i].body, &v);
        ok(strcmp(r, "ok") == 0 && v.present && v.is_int && v.i == ints[i].want, "int %s", ints[i].body);
    }
    static const char *const bad_ints[] = { "{\"i\":\"1__0\"}", "{\"i\":\"_1\"}", "{\"i\":\"1_\"}", "{\"i\":\"\"}",
                                            "{\"i\":\"-\"}", "{\"i\":\"0x10\"}", "{\"i\":\"1e3\"}", "{\"i\":\"1.01\"}" };
    for (size_t i = 0; i < N(bad_ints); i++)
        ok(strcmp(run1(&s, bad_ints[i], &v), "ok") != 0, "not an int: %s", bad_ints[i]);

    s = (struct field_spec){ "n", FIELD_INT_OR_STR, true, false, 0, NULL, NULL };
    ok(!strcmp(run1(&s, "{\"n\":5}", &v), "ok") && v.is_int && v.i == 5 && !v.s, "int|str: 5 is an int");
    ok(!strcmp(run1(&s, "{\"n\":\"5\"}", &v), "ok") && !v.is_int && v.s && !strcmp(v.s, "5"), "int|str: \"5\" stays a string");
    ok(!strcmp(run1(&s, "{\"n\":3.0}", &v), "ok") && v.is_int && v.i == 3, "int|str: 3.0 is 3");
    ok(!strcmp(run1(&s, "{\"n\":\"\"}", &v), "ok") && v.present && v.s && !v.is_int, "int|str: \"\" is a string");

    s = (struct field_spec){ "name", FIELD_STR, false, true, 0, NULL, NULL };
    ok(!strcmp(run1(&s, "{\"name\":null}", &v), "ok") && v.present && v.is_null, "nullable null: present and null");
    ok(!strcmp(run1(&s, "{}", &v), "ok") && !v.present && !v.is_null, "absent optional: not present");
    ok(!strcmp(run1(&s, "{\"name\":\"x\\u00e9\"}", &v), "ok") && v.len == 3 && !strcmp(v.s, "x\xc3\xa9"), "string value and byte length");
    s = (struct field_spec){ "d", FIELD_DATE, false, true, 0, NULL, NULL };
    ok(!strcmp(run1(&s, "{\"d\":\"\"}", &v), "ok") && !v.present, "form's empty date: absent");
    ok(!strcmp(run1(&s, "{\"d\":\"2024-01-31\"}", &v), "ok") && v.present && !strcmp(v.s, "2024-01-31"), "date value");
    static const char *const bad_dates[] = { "2024-13-01", "2024-00-10", "2024-04-31", "0000-01-01", "2024-1-01",
                                             "20240101xx", "2024/01/01", "2024-01-01T00:00:00", "abcd-ef-gh" };
    for (size_t i = 0; i < N(bad_dates); i++) {
        char body[64];
        snprintf(body, sizeof(body), "{\"d\":\"%s\"}", bad_dates[i]);
        ok(strcmp(run1(&s, body, &v), "ok") != 0, "bad date %s", bad_dates[i]);
    }
    s = (struct field_spec){ "x", FIELD_ANY, false, false, 0, NULL, NULL };
    ok(!strcmp(run1(&s, "{\"x\":null}", &v), "ok") && v.present && v.is_null, "any: null is present and null");
}

static void test_list_rewrite(void)
{
    struct json_object *b = J("{\"ids\":\"one\"}");
    struct field_spec s = { "ids", FIELD_STR_LIST, true, false, 0, NULL, NULL };
    struct field_value v;
    struct json_object *errs = NULL;
    is_int(fields_parse(A, b, &s, 1, true, &v, &errs), 0, "single form value for a list");
    is_str(text(v.json), "[\"one\"]", "becomes a one-element list");
    is_str(text(b), "{\"ids\":[\"one\"]}", "owned by the body");
    json_object_put(b);
}

static void test_whole_forms(void)
{
    static const struct field_spec signup[] = {
        { "name", FIELD_STR, true, false, 255, NULL, NULL },
        { "email", FIELD_STR, true, false, 255, NULL, NULL },
        { "password", FIELD_STR, true, false, 0, NULL, NULL },
        { "admin", FIELD_BOOL, false, false, 0, NULL, NULL },
    };
    struct field_value v[4];
    struct json_object *errs = NULL;
    struct json_object *b = J("{\"zzz\":1,\"email\":5,\"csrf_token\":\"t\",\"next\":\"/\",\"admin\":\"x\",\"more\":null}");
    is_int(fields_parse(A, b, signup, N(signup), true, v, &errs), -1, "several errors");
    is_str(text(errs),
           "[{\"type\":\"missing\",\"loc\":[\"body\",\"name\"],\"msg\":\"Field required\",\"input\":{\"zzz\":1,\"email\":5,\"csrf_token\":\"t\",\"next\":\"/\",\"admin\":\"x\",\"more\":null}},"
           "{\"type\":\"string_type\",\"loc\":[\"body\",\"email\"],\"msg\":\"Input should be a valid string\",\"input\":5},"
           "{\"type\":\"missing\",\"loc\":[\"body\",\"password\"],\"msg\":\"Field required\",\"input\":{\"zzz\":1,\"email\":5,\"csrf_token\":\"t\",\"next\":\"/\",\"admin\":\"x\",\"more\":null}},"
           "{\"type\":\"bool_parsing\",\"loc\":[\"body\",\"admin\"],\"msg\":\"Input should be a valid boolean, unable to interpret input\",\"input\":\"x\"},"
           "{\"type\":\"extra_forbidden\",\"loc\":[\"body\",\"zzz\"],\"msg\":\"Extra inputs are not permitted\",\"input\":1},"
           "{\"type\":\"extra_forbidden\",\"loc\":[\"body\",\"more\"],\"msg\":\"Extra inputs are not permitted\",\"input\":null}]",
           "fields in table order, then extras in body order; form controls are not extra");
    json_object_put(errs);
    errs = NULL;
    is_int(fields_parse(A, b, signup, N(signup), false, v, &errs), -1, "extras allowed: still the field errors");
    is_int(json_object_array_length(errs), 4, "four errors without the extras");
    json_object_put(errs);
    json_object_put(b);

    b = J("{\"name\":\"N\",\"email\":\"e@x.io\",\"password\":\"p\",\"csrf_token\":\"t\"}");
    errs = NULL;
    is_int(fields_parse(A, b, signup, N(signup), true, v, &errs), 0, "a good form");
    ok(errs == NULL, "no error list");
    ok(v[0].present && !strcmp(v[0].s, "N") && v[1].len == 6 && !v[3].present, "typed values");
    json_object_put(b);

    errs = NULL;
    is_int(fields_parse(A, NULL, signup + 3, 1, true, v, &errs), 0, "no body, nothing required");
    ok(!v[0].present, "nothing present");
    is_int(fields_parse(A, NULL, signup, 1, true, v, NULL), -1, "NULL errors pointer accepted");
    ok(fields_is_form_control("csrf_token") && fields_is_form_control("next") &&
       !fields_is_form_control("name") && !fields_is_form_control(NULL), "form controls");

    struct json_object *in = J("[1]");
    struct json_object *item = fields_error("model_attributes_type", NULL, "m", in);
    is_str(text(item), "{\"type\":\"model_attributes_type\",\"loc\":[\"body\"],\"msg\":\"m\",\"input\":[1]}",
           "fields_error without a name");
    json_object_put(in);
    is_str(text(item), "{\"type\":\"model_attributes_type\",\"loc\":[\"body\"],\"msg\":\"m\",\"input\":[1]}",
           "fields_error holds its own reference to input");
    json_object_put(item);
}

static void test_lax_bool(void)
{
    bool b = false;
    struct json_object *v = json_object_new_string_len("true\0x", 6);
    is_int(fields_lax_bool(v, &b), 0, "a string with a NUL is not a boolean");
    json_object_put(v);
    is_int(fields_lax_bool(NULL, &b), -1, "null is the wrong type");
    v = J("\" true\"");
    is_int(fields_lax_bool(v, &b), 0, "no whitespace trimming");
    json_object_put(v);
}

int main(void)
{
    A = arena_new(4096);
    test_types();
    test_values();
    test_list_rewrite();
    test_whole_forms();
    test_lax_bool();
    arena_free(A);
    return tap_done();
}
