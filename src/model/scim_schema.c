/* SCIM discovery documents (see scim_schema.h): built anew on each call from the tables
 * below (a few dozen objects; the discovery routes are not hot). */
#include "config.h"
#include "usher/scim_schema.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static struct json_object *str(const char *s) { return json_object_new_string(s); }

static struct json_object *one_urn(const char *urn)
{
    struct json_object *a = json_object_new_array();
    json_object_array_add(a, str(urn));
    return a;
}

static struct json_object *supported(bool yes)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "supported", json_object_new_boolean(yes));
    return o;
}

/* {"resourceType": type, "location": base + tail ["/" id]} */
static struct json_object *meta(const char *type, const char *base, const char *tail,
                                const char *id)
{
    struct json_object *m = json_object_new_object();
    json_object_object_add(m, "resourceType", str(type));
    if (!base)
        base = "";
    size_t n = strlen(base) + strlen(tail) + (id ? strlen(id) + 1 : 0) + 1;
    char *loc = malloc(n);
    if (!loc)
        abort();
    snprintf(loc, n, "%s%s%s%s", base, tail, id ? "/" : "", id ? id : "");
    json_object_object_add(m, "location", json_object_new_string(loc));
    free(loc);
    return m;
}

struct json_object *scim_service_provider_config(const char *base_url, int max_results)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "schemas", one_urn(SCIM_URN_SP_CONFIG));
    json_object_object_add(o, "patch", supported(true));
    struct json_object *bulk = supported(false);
    json_object_object_add(bulk, "maxOperations", json_object_new_int(0));
    json_object_object_add(bulk, "maxPayloadSize", json_object_new_int(0));
    json_object_object_add(o, "bulk", bulk);
    struct json_object *filter = supported(true);
    json_object_object_add(filter, "maxResults", json_object_new_int(max_results));
    json_object_object_add(o, "filter", filter);
    json_object_object_add(o, "changePassword", supported(true));
    json_object_object_add(o, "sort", supported(false));
    json_object_object_add(o, "etag", supported(true));
    struct json_object *schemes = json_object_new_array();
    struct json_object *bearer = json_object_new_object();
    json_object_object_add(bearer, "type", str("oauthbearertoken"));
    json_object_object_add(bearer, "name", str("OAuth Bearer Token"));
    json_object_object_add(bearer, "description",
                           str("Authentication with the SCIM token (SCIM_TOKEN) as an HTTP "
                               "Bearer token"));
    json_object_object_add(bearer, "primary", json_object_new_boolean(true));
    json_object_array_add(schemes, bearer);
    json_object_object_add(o, "authenticationSchemes", schemes);
    json_object_object_add(o, "meta",
                           meta("ServiceProviderConfig", base_url, "/ServiceProviderConfig",
                                NULL));
    return o;
}

/* ---- ResourceTypes ------------------------------------------------------------------- */

static const struct {
    const char *id, *endpoint, *description, *schema;
} resource_types[] = {
    { "User", "/Users", "User Account", SCIM_URN_USER },
    { "Group", "/Groups", "Group", SCIM_URN_GROUP },
};

static struct json_object *resource_type_at(const char *base_url, size_t k)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "schemas", one_urn(SCIM_URN_RESOURCE_TYPE));
    json_object_object_add(o, "id", str(resource_types[k].id));
    json_object_object_add(o, "name", str(resource_types[k].id));
    json_object_object_add(o, "endpoint", str(resource_types[k].endpoint));
    json_object_object_add(o, "description", str(resource_types[k].description));
    json_object_object_add(o, "schema", str(resource_types[k].schema));
    json_object_object_add(o, "schemaExtensions", json_object_new_array());
    json_object_object_add(o, "meta", meta("ResourceType", base_url, "/ResourceTypes",
                                           resource_types[k].id));
    return o;
}

struct json_object *scim_resource_type(const char *base_url, const char *id)
{
    for (size_t k = 0; id && k < 2; k++)
        if (strcasecmp(id, resource_types[k].id) == 0)
            return resource_type_at(base_url, k);
    return NULL;
}

struct json_object *scim_resource_types(const char *base_url)
{
    struct json_object *a = json_object_new_array();
    for (size_t k = 0; k < 2; k++)
        json_object_array_add(a, resource_type_at(base_url, k));
    return scim_list_response(a, 2, 1);
}

/* ---- Schemas ------------------------------------------------------------------------- */

/* One attribute definition (RFC 7643 §7). subs: a NULL-terminated table or NULL. */
struct attr_def {
    const char *name, *type, *description;
    bool multi, required, case_exact;
    const char *mutability, *returned, *uniqueness;
    const char *ref_type;                  /* "reference": its referenceTypes[0] */
    const char *canonical;                 /* canonicalValues[0] or NULL */
    const struct attr_def *subs;
};

#define A_STR(n, d) { n, "string", d, false, false, false, "readWrite", "default", "none", NULL, NULL, NULL }

static const struct attr_def name_subs[] = {
    A_STR("formatted", "The full name: usher's account name"),
    A_STR("familyName", "The family name"),
    A_STR("givenName", "The given name"),
    { 0 },
};
static const struct attr_def email_subs[] = {
    A_STR("value", "The e-mail address (the account's, lowercased)"),
    { "type", "string", "work", false, false, false, "readWrite", "default", "none", NULL, "work", NULL },
    { "primary", "boolean", "Always true: an account has one address", false, false, false, "readWrite", "default", "none", NULL, NULL, NULL },
    { 0 },
};
static const struct attr_def photo_subs[] = {
    { "value", "reference", "The profile image URL", false, false, false, "readWrite", "default", "none", "external", NULL, NULL },
    { "type", "string", "photo", false, false, false, "readWrite", "default", "none", NULL, "photo", NULL },
    { "primary", "boolean", "Always true", false, false, false, "readWrite", "default", "none", NULL, NULL, NULL },
    { 0 },
};
static const struct attr_def user_group_subs[] = {
    { "value", "string", "The group's id", false, false, true, "readOnly", "default", "none", NULL, NULL, NULL },
    { "$ref", "reference", "The group's URI", false, false, true, "readOnly", "default", "none", "Group", NULL, NULL },
    { "display", "string", "The group's name", false, false, false, "readOnly", "default", "none", NULL, NULL, NULL },
    { "type", "string", "direct", false, false, false, "readOnly", "default", "none", NULL, "direct", NULL },
    { 0 },
};
static const struct attr_def user_attrs[] = {
    { "userName", "string", "The account's e-mail address, the sign-in name (lowercased)", false, true, false, "readWrite", "default", "server", NULL, NULL, NULL },
    { "name", "complex", "The account's name", false, false, false, "readWrite", "default", "none", NULL, NULL, name_subs },
    A_STR("displayName", "The account's name"),
    { "emails", "complex", "The account's one e-mail address", true, false, false, "readWrite", "default", "none", NULL, NULL, email_subs },
    { "active", "boolean", "false: the account is deactivated (nothing deleted)", false, false, false, "readWrite", "default", "none", NULL, NULL, NULL },
    { "externalId", "string", "The identity provider's id of the account", false, false, true, "readWrite", "default", "none", NULL, NULL, NULL },
    { "password", "string", "The account's password (checked by the password policy)", false, false, false, "writeOnly", "never", "none", NULL, NULL, NULL },
    { "photos", "complex", "The profile image", true, false, false, "readWrite", "default", "none", NULL, NULL, photo_subs },
    { "groups", "complex", "The account's groups", true, false, false, "readOnly", "default", "none", NULL, NULL, user_group_subs },
    { 0 },
};
static const struct attr_def member_subs[] = {
    { "value", "string", "The member's user id", false, false, true, "immutable", "default", "none", NULL, NULL, NULL },
    { "$ref", "reference", "The member's URI", false, false, true, "immutable", "default", "none", "User", NULL, NULL },
    { "display", "string", "The member's name", false, false, false, "readOnly", "default", "none", NULL, NULL, NULL },
    { "type", "string", "User", false, false, false, "immutable", "default", "none", NULL, "User", NULL },
    { 0 },
};
static const struct attr_def group_attrs[] = {
    { "displayName", "string", "The group's name (unique)", false, true, false, "readWrite", "default", "server", NULL, NULL, NULL },
    { "externalId", "string", "The identity provider's id of the group", false, false, true, "readWrite", "default", "none", NULL, NULL, NULL },
    { "members", "complex", "The group's members (users)", true, false, false, "readWrite", "default", "none", NULL, NULL, member_subs },
    { 0 },
};

static const struct {
    const char *id, *name, *description;
    const struct attr_def *attrs;
} schemas[] = {
    { SCIM_URN_USER, "User", "User Account", user_attrs },
    { SCIM_URN_GROUP, "Group", "Group", group_attrs },
};

static struct json_object *attrs_json(const struct attr_def *d)
{
    struct json_object *a = json_object_new_array();
    for (; d->name; d++) {
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "name", str(d->name));
        json_object_object_add(o, "type", str(d->type));
        json_object_object_add(o, "multiValued", json_object_new_boolean(d->multi));
        json_object_object_add(o, "description", str(d->description));
        json_object_object_add(o, "required", json_object_new_boolean(d->required));
        if (d->canonical) {
            json_object_object_add(o, "canonicalValues", one_urn(d->canonical));
        }
        json_object_object_add(o, "caseExact", json_object_new_boolean(d->case_exact));
        json_object_object_add(o, "mutability", str(d->mutability));
        json_object_object_add(o, "returned", str(d->returned));
        json_object_object_add(o, "uniqueness", str(d->uniqueness));
        if (d->ref_type)
            json_object_object_add(o, "referenceTypes", one_urn(d->ref_type));
        if (d->subs)
            json_object_object_add(o, "subAttributes", attrs_json(d->subs));
        json_object_array_add(a, o);
    }
    return a;
}

static struct json_object *schema_at(const char *base_url, size_t k)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "schemas", one_urn(SCIM_URN_SCHEMA));
    json_object_object_add(o, "id", str(schemas[k].id));
    json_object_object_add(o, "name", str(schemas[k].name));
    json_object_object_add(o, "description", str(schemas[k].description));
    json_object_object_add(o, "attributes", attrs_json(schemas[k].attrs));
    json_object_object_add(o, "meta", meta("Schema", base_url, "/Schemas", schemas[k].id));
    return o;
}

struct json_object *scim_schema(const char *base_url, const char *urn)
{
    for (size_t k = 0; urn && k < 2; k++)
        if (strcasecmp(urn, schemas[k].id) == 0)
            return schema_at(base_url, k);
    return NULL;
}

struct json_object *scim_schemas(const char *base_url)
{
    struct json_object *a = json_object_new_array();
    for (size_t k = 0; k < 2; k++)
        json_object_array_add(a, schema_at(base_url, k));
    return scim_list_response(a, 2, 1);
}

struct json_object *scim_list_response(struct json_object *resources, long long total,
                                       long long start_index)
{
    if (!resources)
        resources = json_object_new_array();
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "schemas", one_urn(SCIM_URN_LIST));
    json_object_object_add(o, "totalResults", json_object_new_int64(total));
    json_object_object_add(o, "itemsPerPage",
                           json_object_new_int64((int64_t)json_object_array_length(resources)));
    json_object_object_add(o, "startIndex", json_object_new_int64(start_index));
    json_object_object_add(o, "Resources", resources);
    return o;
}
