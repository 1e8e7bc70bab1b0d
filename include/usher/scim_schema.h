#ifndef USHER_SCIM_SCHEMA_H
#define USHER_SCIM_SCHEMA_H
/* SCIM discovery documents (RFC 7643 §5-7, RFC 7644 §4; spec openwebui-scim.md A.3, B.3)
 * and the ListResponse, as pure functions returning new json-c objects (the caller owns
 * them). base_url is the absolute URL of the SCIM root without a trailing '/', e.g.
 * "https://host/api/v1/scim/v2"; meta.location is base_url + "/ResourceTypes/User" and so
 * on. No I/O. */
#include <json-c/json.h>

#define SCIM_URN_USER "urn:ietf:params:scim:schemas:core:2.0:User"
#define SCIM_URN_GROUP "urn:ietf:params:scim:schemas:core:2.0:Group"
#define SCIM_URN_ENTERPRISE_USER "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
#define SCIM_URN_LIST "urn:ietf:params:scim:api:messages:2.0:ListResponse"
#define SCIM_URN_PATCH_OP "urn:ietf:params:scim:api:messages:2.0:PatchOp"
#define SCIM_URN_SP_CONFIG "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
#define SCIM_URN_RESOURCE_TYPE "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
#define SCIM_URN_SCHEMA "urn:ietf:params:scim:schemas:core:2.0:Schema"

/* ServiceProviderConfig: patch supported; filter supported with maxResults = max_results
 * (the cap `count` really gets); etag supported; changePassword supported; sort not; bulk
 * not (maxOperations 0, maxPayloadSize 0); authenticationSchemes one oauthbearertoken;
 * meta {resourceType "ServiceProviderConfig", location}. */
struct json_object *scim_service_provider_config(const char *base_url, int max_results);

/* One ResourceType ("User": endpoint "/Users", schema SCIM_URN_USER; "Group": "/Groups",
 * SCIM_URN_GROUP; schemaExtensions [] since usher keeps no extension), matched in any
 * case; NULL for any other id. */
struct json_object *scim_resource_type(const char *base_url, const char *id);
/* A ListResponse of both ResourceTypes. */
struct json_object *scim_resource_types(const char *base_url);

/* One Schema (SCIM_URN_USER or SCIM_URN_GROUP, matched in any case); NULL for any other.
 * The User schema lists the attributes userName (required, uniqueness server), name
 * (formatted, givenName, familyName), displayName, emails (value, type, primary), active
 * (boolean), externalId, password (writeOnly, returned never), photos, groups (readOnly);
 * the Group schema displayName (required, uniqueness server), externalId and members
 * (value, display, $ref, type). */
struct json_object *scim_schema(const char *base_url, const char *urn);
/* A ListResponse of both Schemas. */
struct json_object *scim_schemas(const char *base_url);

/* {"schemas": [SCIM_URN_LIST], "totalResults": total, "itemsPerPage": <length of
 * resources>, "startIndex": start_index, "Resources": resources}. Takes ownership of
 * resources (a JSON array; NULL gives []). */
struct json_object *scim_list_response(struct json_object *resources, long long total,
                                       long long start_index);

#endif
