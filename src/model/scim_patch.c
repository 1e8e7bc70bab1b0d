/* SCIM PATCH bodies (see scim_patch.h). STUB: being implemented. */
#include "config.h"
#include "usher/scim_patch.h"

#include "usher/arena.h"

bool scim_patch_parse(struct arena *a, enum scim_resource res, struct json_object *body,
                      const char *resource_id, struct scim_patch *out,
                      struct scim_error *err)
{
    (void)a; (void)res; (void)body; (void)resource_id;
    out->ops = NULL;
    out->n = 0;
    err->status = 400;
    err->type = SCIM_INVALID_SYNTAX;
    err->detail = "not implemented yet";
    return false;
}
const char *scim_patch_kind_name(enum scim_patch_kind k)
{
    return k == SCIM_PATCH_ADD ? "add" : k == SCIM_PATCH_REPLACE ? "replace" : "remove";
}
