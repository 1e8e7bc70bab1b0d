#ifndef USHER_SCIM_FILTER_H
#define USHER_SCIM_FILTER_H
/* SCIM filters (RFC 7644 §3.4.2.2; spec openwebui-scim.md B.5) and attribute paths
 * (RFC 7644 §3.5.2's PATH, used by PATCH: scim_patch.h). Pure: no I/O.
 *
 *   filter = "userName eq \"a@b.c\" and not (emails co \"%\") or meta.lastModified gt \"...\""
 *
 * scim_filter_parse builds the tree; scim_filter_resolve checks every attribute against
 * the resource's list (scim_user_filter_attrs, scim_group_filter_attrs) and the operator
 * and value against the attribute's type, and fills in the canonical enum scim_attr that
 * the db helper maps to a column. Both refuse with 400 invalidFilter (struct scim_error).
 * Everything is allocated in the arena given; nothing is logged. */
#include <stdbool.h>
#include <stddef.h>

#include "usher/scim_error.h"

struct arena;

/* Limits: longer filters are refused before parsing (invalidFilter); deeper nesting of
 * parentheses, not (...) and value filters is refused when reached (the parser's recursion
 * is bounded by it, so 10,000 '(' cost nothing). */
#define SCIM_FILTER_MAX_LEN 4096
#define SCIM_FILTER_MAX_DEPTH 32
/* At most this many comparisons (attribute expressions) in one filter, so a tree (and the
 * SQL made from it) stays small: its depth is below 2 * SCIM_FILTER_MAX_TERMS. */
#define SCIM_FILTER_MAX_TERMS 100

/* The comparison operators (any case in the text). */
enum scim_op { SCIM_EQ, SCIM_NE, SCIM_CO, SCIM_SW, SCIM_EW, SCIM_GT, SCIM_GE, SCIM_LT,
               SCIM_LE, SCIM_PR };
/* "eq", "ne", ... (lowercase, static); NULL out of range. */
const char *scim_op_name(enum scim_op op);

/* A comparison's literal (compValue: JSON false / null / true / number / string). */
enum scim_value_kind { SCIM_VAL_NONE /* pr */, SCIM_VAL_STRING, SCIM_VAL_NUMBER,
                       SCIM_VAL_TRUE, SCIM_VAL_FALSE, SCIM_VAL_NULL };

/* The canonical attributes usher filters and patches on (one enum for Users and Groups). */
enum scim_attr {
    SCIM_ATTR_UNKNOWN = 0,
    SCIM_ATTR_ID,
    SCIM_ATTR_EXTERNAL_ID,
    SCIM_ATTR_USER_NAME,
    SCIM_ATTR_EMAILS_VALUE,   /* "emails.value", alias "emails" */
    SCIM_ATTR_DISPLAY_NAME,
    SCIM_ATTR_NAME_GIVEN,     /* "name.givenName" */
    SCIM_ATTR_NAME_FAMILY,    /* "name.familyName" */
    SCIM_ATTR_ACTIVE,
    SCIM_ATTR_META_CREATED,
    SCIM_ATTR_META_LAST_MODIFIED,
    SCIM_ATTR_COUNT
};

/* How an attribute compares: the db helper picks its SQL from it. */
enum scim_attr_type {
    SCIM_T_STRING_CI,    /* string, compared case-insensitively (userName, emails, names) */
    SCIM_T_STRING_EXACT, /* string, compared exactly (id, externalId) */
    SCIM_T_BOOLEAN,      /* eq / ne with true / false, and pr */
    SCIM_T_DATETIME      /* RFC 3339 date-time string, compared as an instant (eq ne gt ge
                            lt le pr; value_ms holds it) */
};

/* One attribute a resource can be filtered on. path is "userName", "name.givenName",
 * "meta.lastModified" (matched in any case, optionally prefixed by the resource's schema
 * URN and ':'). */
struct scim_attr_def {
    const char *path;
    enum scim_attr attr;
    enum scim_attr_type type;
};
/* Users: id, externalId, userName, emails.value, emails (alias), displayName,
 * name.givenName, name.familyName, active, meta.created, meta.lastModified.
 * Groups: id, externalId, displayName (case-insensitive). */
extern const struct scim_attr_def scim_user_filter_attrs[];
extern const size_t scim_user_filter_nattrs;
extern const struct scim_attr_def scim_group_filter_attrs[];
extern const size_t scim_group_filter_nattrs;

/* An attribute path as written: [urn ":"] attr ["." sub]. Pointers into the arena,
 * NUL-terminated, in the case they were written in; urn and sub NULL when absent. */
struct scim_attr_path {
    const char *urn;
    const char *attr;
    const char *sub;
};

enum scim_filter_kind {
    SCIM_F_CMP,     /* path op value (op SCIM_PR: value kind SCIM_VAL_NONE) */
    SCIM_F_AND,     /* left and right */
    SCIM_F_OR,      /* left or right */
    SCIM_F_NOT,     /* not (left) */
    SCIM_F_VALPATH  /* path[left]: a value filter; left's paths name sub-attributes of path */
};

struct scim_filter {
    enum scim_filter_kind kind;
    struct scim_filter *left, *right;
    /* SCIM_F_CMP, SCIM_F_VALPATH: */
    struct scim_attr_path path;
    /* SCIM_F_CMP: */
    enum scim_op op;
    enum scim_value_kind value_kind;
    const char *str;      /* SCIM_VAL_STRING: the decoded JSON string (NUL-terminated; a
                             literal holding \u0000 is refused); '%', '_', '\' in it are
                             plain characters. SCIM_VAL_NUMBER: the number as written. */
    size_t str_len;
    double num;           /* SCIM_VAL_NUMBER */
    /* Set by scim_filter_resolve (SCIM_F_CMP only): */
    enum scim_attr attr;
    enum scim_attr_type attr_type;
    long long value_ms;   /* SCIM_T_DATETIME: the literal as milliseconds since the epoch */
    size_t pos;           /* byte offset of the node in the text (for messages) */
};

/* Parses text[0..len) (the filter query parameter, already percent-decoded) into a tree in
 * the arena. NULL on failure with *err = {400, SCIM_INVALID_FILTER, "<what> at position N"}
 * (empty filter, too long, too deep, unknown operator, bad attribute name, unterminated or
 * malformed string, bad number, missing ')' or ']', trailing text, a NUL byte, more than
 * SCIM_FILTER_MAX_TERMS comparisons). Attribute
 * names are not checked against any resource here (scim_filter_resolve does). Operators,
 * "and", "or", "not", "true", "false", "null" are read in any case; white space is SP, HT,
 * CR, LF. */
struct scim_filter *scim_filter_parse(struct arena *a, const char *text, size_t len,
                                      struct scim_error *err);

/* Checks every comparison of f against defs[0..ndefs) and fills in attr, attr_type and
 * value_ms. schema_urn (the resource's core URN, e.g. SCIM_URN_USER; NULL: no prefix
 * accepted) may prefix a path in any case. Refused (false, *err = 400 invalidFilter, the
 * detail naming the attribute or operator): an unknown attribute (or one of another
 * schema), a value filter (attr[...]) on any attribute, a string attribute compared with a
 * non-string (null, a number, a boolean), a boolean attribute with anything but eq/ne/pr
 * and true/false, a date-time attribute with co/sw/ew or a literal that is not an RFC 3339
 * date-time. The detail may be in the arena. */
bool scim_filter_resolve(struct scim_filter *f, const struct scim_attr_def *defs,
                         size_t ndefs, const char *schema_urn, struct arena *a,
                         struct scim_error *err);

/* For index lookups: when the resolved filter f is exactly one comparison
 * `userName eq "<s>"` or `externalId eq "<s>"`, returns SCIM_ATTR_USER_NAME or
 * SCIM_ATTR_EXTERNAL_ID and sets *value to the literal (f's string); otherwise (any other
 * filter, NULL) SCIM_ATTR_UNKNOWN and *value is left alone. Redundant parentheses around
 * the comparison do not matter (the tree has none). */
enum scim_attr scim_filter_lookup(const struct scim_filter *f, const char **value);

/* A PATCH path (RFC 7644 §3.5.2: attrPath / valuePath [subAttr]), e.g. "active",
 * "name.familyName", "emails[type eq \"work\"].value", "members[value eq \"id\"]",
 * "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager". */
struct scim_path {
    struct scim_attr_path attr;     /* attr.sub: "name.familyName"'s familyName */
    struct scim_filter *filter;     /* the value filter in [...] (unresolved) or NULL */
    const char *sub_after;          /* the sub-attribute after "]" ("value") or NULL */
};
/* Parses text[0..len) as a path into the arena. NULL on failure with *err = {400,
 * SCIM_INVALID_PATH, "<what> at position N"}: empty, too long (SCIM_FILTER_MAX_LEN), a bad
 * name, unbalanced brackets, a bad value filter inside them, text after the path. */
struct scim_path *scim_path_parse(struct arena *a, const char *text, size_t len,
                                  struct scim_error *err);

/* RFC 3339 date-time (YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM); 'T' and 'Z' in any
 * case) to milliseconds since the epoch in *ms. False when s is not one (or out of the
 * years 0001..9999). */
bool scim_datetime_ms(const char *s, long long *ms);

#endif
