/* Tests of the SCIM discovery documents (model/scim_schema.c): ServiceProviderConfig tells
 * the truth (spec B.3), ResourceTypes and Schemas as ListResponses and one by one, their
 * meta.location, and the ListResponse. */
#include "config.h"

#include "usher/scim_schema.h"
#include "tap.h"

#include <string.h>

#define BASE "https://host.example/api/v1/scim/v2"

/* The JSON text of the member at a dotted path ("filter.maxResults", "Resources.0.id"). */
static const char *at(struct json_object *o, const char *path)
{
    static char buf[4][512];
    static int next;
    char *b = buf[next++ % 4];
    char p[256];
    snprintf(p, sizeof p, "%s", path);
    struct json_object *v = o;
    for (char *save = NULL, *k = strtok_r(p, ".", &save); k && v; k = strtok_r(NULL, ".", &save)) {
        if (json_object_is_type(v, json_type_array))
            v = json_object_array_get_idx(v, (size_t)atoi(k));
        else if (!json_object_object_get_ex(v, k, &v))
            v = NULL;
    }
    snprintf(b, 512, "%s", v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : "(absent)");
    return b;
}

/* The attribute definition called name in a Schema's attributes. */
static struct json_object *attr(struct json_object *schema, const char *name)
{
    struct json_object *attrs = json_object_object_get(schema, "attributes");
    for (size_t k = 0; k < json_object_array_length(attrs); k++) {
        struct json_object *a = json_object_array_get_idx(attrs, k);
        if (strcmp(json_object_get_string(json_object_object_get(a, "name")), name) == 0)
            return a;
    }
    return NULL;
}

int main(void)
{
    struct json_object *o = scim_service_provider_config(BASE, 100);
    is_str(at(o, "schemas"), "[\"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig\"]", "SPC schemas");
    is_str(at(o, "patch.supported"), "true", "patch supported");
    is_str(at(o, "filter.supported"), "true", "filter supported");
    is_str(at(o, "filter.maxResults"), "100", "filter maxResults as given");
    is_str(at(o, "etag.supported"), "true", "etag supported");
    is_str(at(o, "changePassword.supported"), "true", "changePassword supported");
    is_str(at(o, "sort.supported"), "false", "sort not supported");
    is_str(at(o, "bulk.supported"), "false", "bulk not supported");
    is_str(at(o, "bulk.maxOperations"), "0", "bulk maxOperations 0");
    is_str(at(o, "authenticationSchemes.0.type"), "\"oauthbearertoken\"", "bearer token scheme");
    is_str(at(o, "meta.location"), "\"" BASE "/ServiceProviderConfig\"", "SPC location");
    is_str(at(o, "meta.resourceType"), "\"ServiceProviderConfig\"", "SPC resourceType");
    json_object_put(o);

    o = scim_resource_types(BASE);
    is_str(at(o, "schemas"), "[\"urn:ietf:params:scim:api:messages:2.0:ListResponse\"]", "ResourceTypes: a ListResponse");
    is_str(at(o, "totalResults"), "2", "two resource types");
    is_str(at(o, "itemsPerPage"), "2", "itemsPerPage 2");
    is_str(at(o, "startIndex"), "1", "startIndex 1");
    is_str(at(o, "Resources.0.id"), "\"User\"", "User first");
    is_str(at(o, "Resources.0.endpoint"), "\"/Users\"", "User endpoint");
    is_str(at(o, "Resources.0.schema"), "\"" SCIM_URN_USER "\"", "User schema");
    is_str(at(o, "Resources.0.meta.location"), "\"" BASE "/ResourceTypes/User\"", "User location");
    is_str(at(o, "Resources.0.meta.resourceType"), "\"ResourceType\"", "resourceType ResourceType");
    is_str(at(o, "Resources.1.id"), "\"Group\"", "Group second");
    is_str(at(o, "Resources.1.endpoint"), "\"/Groups\"", "Group endpoint");
    is_str(at(o, "Resources.1.schema"), "\"" SCIM_URN_GROUP "\"", "Group schema");
    json_object_put(o);
    o = scim_resource_type(BASE, "Group");
    is_str(at(o, "meta.location"), "\"" BASE "/ResourceTypes/Group\"", "one ResourceType: Group");
    json_object_put(o);
    o = scim_resource_type(BASE, "user");
    is_str(at(o, "id"), "\"User\"", "ResourceType id in any case");
    json_object_put(o);
    ok(scim_resource_type(BASE, "Bogus") == NULL && scim_resource_type(BASE, NULL) == NULL &&
       scim_resource_type(BASE, "Users") == NULL, "unknown ResourceType: NULL");

    o = scim_schemas(BASE);
    is_str(at(o, "totalResults"), "2", "two schemas");
    is_str(at(o, "Resources.0.id"), "\"" SCIM_URN_USER "\"", "User schema first");
    is_str(at(o, "Resources.1.id"), "\"" SCIM_URN_GROUP "\"", "Group schema second");
    is_str(at(o, "Resources.0.meta.location"), "\"" BASE "/Schemas/" SCIM_URN_USER "\"", "schema location");
    json_object_put(o);
    o = scim_schema(BASE, "URN:ietf:params:scim:schemas:core:2.0:user");
    is_str(at(o, "name"), "\"User\"", "User schema by URN in any case");
    is_str(at(attr(o, "userName"), "uniqueness"), "\"server\"", "userName uniqueness server");
    is_str(at(attr(o, "userName"), "required"), "true", "userName required");
    is_str(at(attr(o, "active"), "type"), "\"boolean\"", "active boolean");
    is_str(at(attr(o, "password"), "returned"), "\"never\"", "password returned never");
    is_str(at(attr(o, "password"), "mutability"), "\"writeOnly\"", "password writeOnly");
    is_str(at(attr(o, "externalId"), "caseExact"), "true", "externalId caseExact");
    is_str(at(attr(o, "name"), "subAttributes.1.name"), "\"familyName\"", "name.familyName");
    is_str(at(attr(o, "emails"), "multiValued"), "true", "emails multi-valued");
    ok(attr(o, "displayName") && attr(o, "photos") && attr(o, "groups"), "displayName, photos, groups");
    is_str(at(attr(o, "groups"), "mutability"), "\"readOnly\"", "groups readOnly");
    json_object_put(o);
    o = scim_schema(BASE, SCIM_URN_GROUP);
    is_str(at(attr(o, "displayName"), "uniqueness"), "\"server\"", "group displayName unique");
    is_str(at(attr(o, "members"), "subAttributes.0.name"), "\"value\"", "members.value");
    ok(attr(o, "externalId") != NULL, "group externalId");
    json_object_put(o);
    ok(scim_schema(BASE, SCIM_URN_ENTERPRISE_USER) == NULL && scim_schema(BASE, NULL) == NULL,
       "unknown schema: NULL");

    o = scim_list_response(NULL, 0, 1);
    is_str(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
           "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:ListResponse\"],\"totalResults\":0,"
           "\"itemsPerPage\":0,\"startIndex\":1,\"Resources\":[]}", "an empty ListResponse");
    json_object_put(o);
    struct json_object *r = json_object_new_array();
    json_object_array_add(r, json_object_new_object());
    o = scim_list_response(r, 57, 21);
    is_str(at(o, "totalResults"), "57", "totalResults as given");
    is_str(at(o, "itemsPerPage"), "1", "itemsPerPage: the count returned");
    is_str(at(o, "startIndex"), "21", "startIndex as given");
    json_object_put(o);
    return tap_done();
}
