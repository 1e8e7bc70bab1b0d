/* SCIM discovery documents (see scim_schema.h). STUB: being implemented. */
#include "config.h"
#include "usher/scim_schema.h"

struct json_object *scim_service_provider_config(const char *base_url, int max_results)
{ (void)base_url; (void)max_results; return json_object_new_object(); }
struct json_object *scim_resource_type(const char *base_url, const char *id)
{ (void)base_url; (void)id; return NULL; }
struct json_object *scim_resource_types(const char *base_url)
{ (void)base_url; return scim_list_response(NULL, 0, 1); }
struct json_object *scim_schema(const char *base_url, const char *urn)
{ (void)base_url; (void)urn; return NULL; }
struct json_object *scim_schemas(const char *base_url)
{ (void)base_url; return scim_list_response(NULL, 0, 1); }
struct json_object *scim_list_response(struct json_object *resources, long long total,
                                       long long start_index)
{
    (void)total; (void)start_index;
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "Resources", resources ? resources : json_object_new_array());
    return o;
}
