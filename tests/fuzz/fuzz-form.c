/* libFuzzer harness for the body decoders: form_parse_multipart, form_parse_urlencoded and
 * form_parse_json. Built with the others by `make fuzz` (scripts/fuzz.sh; README "Fuzzing").
 *
 * The first input byte picks the decoder. For multipart, the bytes up to the first '\n' are
 * the Content-Type parameters (so boundary parsing is fuzzed too) and the rest is the body.
 * Besides the sanitizers' checks, every accepted result must be the documented field view. */
#include "config.h"

#include "usher/utf8.h"
#include "usher/form.h"
#include "usher/multipart.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_string(struct json_object *s)
{
    const char *v = json_object_get_string(s);
    size_t len = (size_t)json_object_get_string_len(s);
    if (!json_object_is_type(s, json_type_string) || !utf8_valid(v, len) || memchr(v, '\0', len))
        abort();
}

/* urlencoded/multipart results: an object of strings or arrays of (at least two) strings. */
static void check_field_view(struct json_object *obj)
{
    if (!json_object_is_type(obj, json_type_object))
        abort();
    json_object_object_foreach(obj, key, val) {
        if (!utf8_valid(key, strlen(key)))
            abort();
        if (json_object_is_type(val, json_type_array)) {
            size_t n = json_object_array_length(val);
            if (n < 2)
                abort();
            for (size_t i = 0; i < n; i++)
                check_string(json_object_array_get_idx(val, i));
        } else {
            check_string(val);
        }
    }
}

/* JSON results: every string and key, at any depth, is UTF-8 without NUL. */
static void check_json(struct json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_string:
        check_string(v);
        break;
    case json_type_array:
        for (size_t i = 0; i < json_object_array_length(v); i++)
            check_json(json_object_array_get_idx(v, i));
        break;
    case json_type_object: {
        json_object_object_foreach(v, key, val) {
            if (!utf8_valid(key, strlen(key)))
                abort();
            check_json(val);
        }
        break;
    }
    default:
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int which = data[0] % 3;
    /* Exact-size heap copy: any read past the end is an ASan report. */
    size_t len = size - 1;
    char *body = malloc(len ? len : 1);
    memcpy(body, data + 1, len);
    struct http_error err;
    struct json_object *o = NULL;

    if (which == 0) {
        const char *nl = memchr(body, '\n', len);
        size_t plen = nl ? (size_t)(nl - body) : 0;
        char ct[160] = "multipart/form-data; ";
        size_t base = strlen(ct);
        if (plen > sizeof(ct) - base - 1)
            plen = sizeof(ct) - base - 1;
        memcpy(ct + base, body, plen);
        ct[base + plen] = '\0';
        size_t skip = nl ? (size_t)(nl - body) + 1 : 0;
        char *mp = malloc(len - skip ? len - skip : 1);
        memcpy(mp, body + skip, len - skip);
        o = form_parse_multipart(ct, mp, len - skip, 64, &err);
        if (o)
            check_field_view(o);
        else if (err.status != 400 && err.status != 413)
            abort();
        free(mp);
    } else if (which == 1) {
        o = form_parse_urlencoded(body, len, &err);
        if (o)
            check_field_view(o);
        else if (err.status != 400)
            abort();
    } else {
        int is_null = 0;
        o = form_parse_json(body, len, 8, &is_null, &err);
        if (o)
            check_json(o);
        else if (!is_null && err.status != 422)
            abort();
    }
    json_object_put(o);
    free(body);
    return 0;
}
