/* libFuzzer harness: a JSON body through form_parse_json and fields_parse against a form
 * with one field of every type (validators and length caps included), then the 422 list
 * serialised (capped inputs, tests/fuzz/README.md). Build and run: `make fuzz`. */
#include "config.h"

#include "usher/arena.h"
#include "usher/fields.h"
#include "usher/form.h"
#include "usher/validate.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *image_ok(const char *v, size_t len, const void *arg)
{
    return validate_profile_image_url(v, len, arg);
}

static const struct field_spec specs[] = {
    { "name", FIELD_STR, true, false, 255, NULL, NULL },
    { "email", FIELD_STR, true, false, 0, NULL, NULL },
    { "active", FIELD_BOOL, false, false, 0, NULL, NULL },
    { "n", FIELD_INT, false, true, 0, NULL, NULL },
    { "meta", FIELD_OBJECT, false, true, 0, NULL, NULL },
    { "ids", FIELD_STR_LIST, false, false, 0, NULL, NULL },
    { "date_of_birth", FIELD_DATE, false, true, 0, NULL, NULL },
    { "count", FIELD_INT_OR_STR, false, true, 32, NULL, NULL },
    { "any", FIELD_ANY, false, true, 0, NULL, NULL },
    { "profile_image_url", FIELD_STR, false, false, 0, image_ok, NULL },
};
#define NSPECS (sizeof(specs) / sizeof(specs[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    bool forbid_extra = data[0] & 1;
    char *body = malloc(size);   /* exact size: reads past the end are reported */
    memcpy(body, data + 1, size - 1);
    struct http_error err;
    int is_null = 0;
    struct json_object *o = form_parse_json(body, size - 1, 8, &is_null, &err);
    struct arena *a = arena_new(4096);
    struct field_value out[NSPECS];
    memset(out, 0, sizeof(out));
    struct json_object *errors = NULL;
    int rc = fields_parse(a, o, specs, NSPECS, forbid_extra, out, &errors);
    if (rc == 0 && errors)
        abort();                        /* success has no error list */
    if (rc == 0) {
        for (size_t i = 0; i < NSPECS; i++)
            if (specs[i].required && !out[i].present)
                abort();                /* a required field cannot be missing on success */
    }
    if (errors) {
        const char *text = json_object_to_json_string_ext(errors, JSON_C_TO_STRING_PLAIN);
        /* Each item echoes at most a capped input (fields.h): the list stays bounded by its
         * item count, whatever the body's size. */
        size_t n = json_object_array_length(errors);
        if (strlen(text) > n * (2 * FIELDS_INPUT_TOTAL_MAX + 16 * 7 * (FIELDS_INPUT_STRING_MAX + 8)) + 1024)
            abort();
    }
    json_object_put(errors);
    arena_free(a);
    json_object_put(o);
    free(body);
    return 0;
}
