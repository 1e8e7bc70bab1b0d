#ifndef USHER_SCIM_ERROR_H
#define USHER_SCIM_ERROR_H
/* The SCIM error model (RFC 7644 §3.12; spec openwebui-scim.md B.2): the scimType values
 * and the error body. Pure: no I/O. The SCIM parsers (scim_filter.h, scim_patch.h) report
 * their refusals in a struct scim_error; the route helper answers it with scim_error_json. */
#include <json-c/json.h>

#define SCIM_URN_ERROR "urn:ietf:params:scim:api:messages:2.0:Error"

/* RFC 7644 §3.12's scimType values (SCIM_TYPE_NONE: the error has none, e.g. 404, 412). */
enum scim_type {
    SCIM_TYPE_NONE = 0,
    SCIM_INVALID_FILTER,    /* "invalidFilter" */
    SCIM_TOO_MANY,          /* "tooMany" */
    SCIM_UNIQUENESS,        /* "uniqueness" */
    SCIM_MUTABILITY,        /* "mutability" */
    SCIM_INVALID_SYNTAX,    /* "invalidSyntax" */
    SCIM_INVALID_PATH,      /* "invalidPath" */
    SCIM_NO_TARGET,         /* "noTarget" */
    SCIM_INVALID_VALUE,     /* "invalidValue" */
    SCIM_INVALID_VERS,      /* "invalidVers" */
    SCIM_SENSITIVE,         /* "sensitive" */
    SCIM_TYPE_COUNT
};

/* The RFC's spelling of t ("invalidFilter", ...); NULL for SCIM_TYPE_NONE or a value out of
 * range. A static string. */
const char *scim_type_name(enum scim_type t);

/* A refusal as the parsers report it: the HTTP status (400 for everything the parsers
 * refuse), the scimType and the detail (a text for the client: what is wrong and, for
 * filters and paths, where: "... at position N", N counted in bytes from 0). detail is a
 * static string or lives in the arena the parser was given; it never holds more of the
 * input than a short quoted excerpt. */
struct scim_error {
    int status;
    enum scim_type type;
    const char *detail;
};

/* The error body as a new JSON object (the caller owns it):
 * {"schemas": [SCIM_URN_ERROR], "status": "<status>", "scimType": "<type>", "detail": ...}
 * "scimType" is left out for SCIM_TYPE_NONE, "detail" when detail is NULL. */
struct json_object *scim_error_json(int status, enum scim_type type, const char *detail);

#endif
