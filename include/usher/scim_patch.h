#ifndef USHER_SCIM_PATCH_H
#define USHER_SCIM_PATCH_H
/* SCIM PATCH bodies (RFC 7644 §3.5.2; spec openwebui-scim.md B.2, B.5, B.7) parsed into a
 * normalized list of operations, one per attribute usher keeps, in the body's order (the
 * caller applies them in order, all or none). What Okta and Entra send is accepted: `op`
 * and paths in any case, a path prefixed by the core URN, valueless add/replace whose keys
 * are attribute names or paths (expanded into one op per key, in the object's order),
 * booleans as the strings "True"/"False" in any case. Attributes usher does not keep
 * (other schemas such as the enterprise extension, title, roles, locale, groups,
 * schemas, ...) give no op. Pure: no I/O, nothing logged; all memory in the arena; string
 * values point into the body (or the arena), so the body must outlive the result. */
#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "usher/scim_error.h"

struct arena;

/* Bodies with more operations (after expanding valueless ones) are refused (invalidValue). */
#define SCIM_PATCH_MAX_OPS 1000

enum scim_patch_kind { SCIM_PATCH_ADD, SCIM_PATCH_REPLACE, SCIM_PATCH_REMOVE };

/* The attribute an operation changes. */
enum scim_patch_attr {
    /* Users */
    SCIM_PA_ACTIVE,          /* boolean; "True"/"False" strings (any case) accepted */
    SCIM_PA_USER_NAME,       /* string: the account's e-mail (the caller checks it) */
    SCIM_PA_EMAIL,           /* string: the account's e-mail, from "emails" (its primary,
                                else first, value) or "emails[type eq \"work\"].value",
                                "emails[primary eq true].value" and the like */
    SCIM_PA_DISPLAY_NAME,    /* string: the name, whole (also a group's displayName) */
    SCIM_PA_NAME_FORMATTED,  /* string: the name, whole */
    SCIM_PA_NAME_GIVEN,      /* string or NULL: the name becomes "givenName familyName" */
    SCIM_PA_NAME_FAMILY,     /* string or NULL */
    SCIM_PA_EXTERNAL_ID,     /* string, or NULL (remove, or null): cleared */
    SCIM_PA_PASSWORD,        /* string (the caller applies the password policy) */
    SCIM_PA_PHOTO,           /* string or NULL: photos' primary (else first) value */
    /* Groups */
    SCIM_PA_MEMBERS,         /* ids: add (add these), remove (remove these; all when
                                remove_all), replace (the whole set; may be empty) */
};

struct scim_patch_op {
    enum scim_patch_kind op;
    enum scim_patch_attr attr;
    /* SCIM_PA_ACTIVE: */
    bool boolean;
    /* string attributes: the value (NUL-terminated; NULL = clear, for the attributes that
     * allow it: remove, or a JSON null). */
    const char *str;
    /* SCIM_PA_MEMBERS: the member ids, as given (the caller checks they exist: 400
     * invalidValue); remove_all for remove with no value. */
    const char **ids;
    size_t nids;
    bool remove_all;
    /* The attribute's name for the audit detail ("active", "name.givenName", "members"),
     * static. */
    const char *name;
};

struct scim_patch {
    struct scim_patch_op *ops;
    size_t n;
};

enum scim_resource { SCIM_RES_USER, SCIM_RES_GROUP };

/* Parses a PATCH body (the parsed JSON; NULL or not an object is refused) for a resource
 * of kind res whose id is resource_id (for Okta's {"id": <this id>, ...}). Fills *out and
 * returns true; false with *err (status 400) as spec B.2 says:
 *   invalidSyntax: body not an object, "Operations" missing or not a list, an operation
 *                  not an object, "op" missing, not a string or not add/remove/replace
 *                  (any case);
 *   invalidPath:   a path that is not a string or malformed (scim_path_parse), a value
 *                  filter on an attribute that has none (e.g. "name[...]"), a members
 *                  filter other than value eq "<id>" (or several joined by "or"), a
 *                  sub-attribute that does not exist ("name.foo", "emails.foo");
 *   invalidValue:  add/replace without a value, a valueless add/replace whose value is not
 *                  an object, a value of the wrong type ("active" not a boolean or
 *                  "true"/"false" string, a non-string userName / displayName / externalId
 *                  / password / name part, members not a list of {"value": "<id>"}),
 *                  removing a required attribute (userName, emails, active, password,
 *                  displayName), too many operations;
 *   mutability:    "id" or "meta" (or a sub-attribute) as a path or key, except a value
 *                  equal to resource_id, which is ignored (Okta's rename); "groups" on a
 *                  user is readOnly: ignored, not refused;
 *   noTarget:      remove without a path; replace of an emails value filter that matches
 *                  nothing (the account's one address has type "work" and primary true;
 *                  filters on emails may name type and primary).
 * A body with no operations is refused (invalidValue): RFC 7644 requires at least one. The
 * "schemas" member is not checked. */
bool scim_patch_parse(struct arena *a, enum scim_resource res, struct json_object *body,
                      const char *resource_id, struct scim_patch *out,
                      struct scim_error *err);

/* Helpers for POST and PUT bodies, with the PATCH parser's rules: */
/* A SCIM boolean as the IdPs send it: JSON true / false, or the strings "true" / "false" in
 * any case (Entra's "False"). True with *out set; false (and *out untouched) for anything
 * else, which the caller answers 400 invalidValue. */
bool scim_json_bool(struct json_object *v, bool *out);
/* The item of a multi-valued attribute (emails, photos) that counts: the first item whose
 * "primary" is true (a boolean, or "true" in any case), else the first item. An object
 * alone counts as a list of one. NULL for an empty list, a non-list, or a list holding
 * something other than objects. Borrowed from v. */
struct json_object *scim_primary_item(struct json_object *v);

/* The op's name in the RFC's lowercase ("add", "replace", "remove"), static. */
const char *scim_patch_kind_name(enum scim_patch_kind k);

#endif
