#ifndef USHER_FIELDS_H
#define USHER_FIELDS_H
/* Typed form validation: each form is a const table of field specs; fields_parse checks the
 * request's field view (JSON object, or strings from urlencoded/multipart) against it and
 * produces typed values, or the FastAPI/pydantic 422 list
 * [{"type","loc":["body",name],"msg","input"}] with pydantic's texts. String inputs from a
 * form post are coerced the way pydantic's lax mode coerces them ("true"/"1"/"on" -> true,
 * "42" -> 42, "" for an optional field -> null). */
#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

struct arena;

enum field_type {
    FIELD_STR,       /* JSON string */
    FIELD_BOOL,      /* JSON bool (pydantic lax: also 0/1 and the usual strings) */
    FIELD_INT,       /* JSON integer (lax: an integral float or a numeric string) */
    FIELD_OBJECT,    /* JSON object (kept as json-c object, borrowed from the body) */
    FIELD_STR_LIST,  /* JSON array of strings (a form's repeated field or one value: a lone
                      * string is replaced in the body by a one-element array) */
    FIELD_DATE,      /* "YYYY-MM-DD" (validated calendar date) */
    FIELD_INT_OR_STR,/* int | str (admin-config count fields) */
    FIELD_ANY,       /* any JSON value, borrowed */
};

/* A validator returns NULL when value is fine, else the message (pydantic's "Value error, "
 * prefix is added by fields_parse). */
typedef const char *(*field_validator)(const char *value, size_t len, const void *arg);
/* Validators run on FIELD_STR, FIELD_DATE, the string case of FIELD_INT_OR_STR and each
 * element of FIELD_STR_LIST, after the type and length checks, never on null. Strings that
 * contain a NUL are refused before ("Value error, string contains a NUL character").
 * An empty string for a field that is not required and not string-typed (BOOL, INT, DATE,
 * OBJECT, STR_LIST) counts as absent, for JSON bodies too (fields_parse cannot tell a form
 * post from JSON; pydantic would answer such a JSON "" with a 422). */

struct field_spec {
    const char *name;
    enum field_type type;
    bool required;         /* missing -> 422 "missing" / "Field required" */
    bool nullable;         /* JSON null accepted (value.is_null) */
    size_t max_len;        /* strings: characters (code points, as pydantic counts), 0 = no
                            * limit -> 422 string_too_long */
    field_validator validate;
    const void *validate_arg;
};

struct field_value {
    bool present;          /* the member was in the body */
    bool is_null;          /* present and null */
    const char *s;         /* FIELD_STR/FIELD_DATE/FIELD_INT_OR_STR(string) */
    size_t len;
    long long i;           /* FIELD_INT, FIELD_INT_OR_STR (is_int) */
    bool is_int;
    bool b;                /* FIELD_BOOL */
    struct json_object *json; /* FIELD_OBJECT / FIELD_STR_LIST / FIELD_ANY: borrowed */
};

/* pydantic's lax bool: JSON true/false, the integers 0/1 (and 0.0/1.0), and the strings
 * 0 1 f t n y no on off yes true false in any case. Returns 1 with *out set; 0 when v has a
 * type pydantic tries (a string or a number) but a value it cannot read ("bool_parsing");
 * -1 for another type, NULL included ("bool_type"). */
int fields_lax_bool(struct json_object *v, bool *out);

/* Names a browser form may always carry besides the spec (never reported as extra). */
bool fields_is_form_control(const char *name);

/* Validates body against specs[0..n) into out[0..n) (same order). When forbid_extra, a
 * member not in specs is a 422 "extra_forbidden". Returns 0, or -1 with *errors set to a
 * new json array (caller passes it to response_validation). A body that is not an object
 * gives one error of type "model_attributes_type" at loc ["body"]. A NULL body counts as
 * missing: every required field is reported, or with no required fields out is all empty. */
int fields_parse(struct arena *a, struct json_object *body, const struct field_spec *specs,
                 size_t n, bool forbid_extra, struct field_value *out, struct json_object **errors);

/* Builds one 422 item: {"type":type,"loc":["body",name?],"msg":msg,"input":input}. input
 * is referenced as is when small; a long string is cut to FIELDS_INPUT_STRING_MAX bytes
 * (at a character boundary) followed by "...", and an object or array larger than
 * FIELDS_INPUT_TOTAL_MAX bytes of text is echoed as a copy of its first 16 members with
 * their strings cut likewise and nested containers as "...", so a large body is never
 * echoed whole (once per item). */
#define FIELDS_INPUT_STRING_MAX 256
#define FIELDS_INPUT_TOTAL_MAX 4096
struct json_object *fields_error(const char *type, const char *name, const char *msg,
                                 struct json_object *input);

#endif
