/* SCIM filters and attribute paths (see scim_filter.h). STUB: being implemented. */
#include "config.h"
#include "usher/scim_filter.h"

#include "usher/arena.h"

const struct scim_attr_def scim_user_filter_attrs[] = {
    { "id", SCIM_ATTR_ID, SCIM_T_STRING_EXACT },
};
const size_t scim_user_filter_nattrs = 1;
const struct scim_attr_def scim_group_filter_attrs[] = {
    { "id", SCIM_ATTR_ID, SCIM_T_STRING_EXACT },
};
const size_t scim_group_filter_nattrs = 1;

static void stub(struct scim_error *err, enum scim_type t)
{
    err->status = 400;
    err->type = t;
    err->detail = "not implemented yet";
}

const char *scim_op_name(enum scim_op op) { (void)op; return NULL; }
struct scim_filter *scim_filter_parse(struct arena *a, const char *text, size_t len,
                                      struct scim_error *err)
{ (void)a; (void)text; (void)len; stub(err, SCIM_INVALID_FILTER); return NULL; }
bool scim_filter_resolve(struct scim_filter *f, const struct scim_attr_def *defs,
                         size_t ndefs, const char *schema_urn, struct arena *a,
                         struct scim_error *err)
{ (void)f; (void)defs; (void)ndefs; (void)schema_urn; (void)a; stub(err, SCIM_INVALID_FILTER); return false; }
enum scim_attr scim_filter_lookup(const struct scim_filter *f, const char **value)
{ (void)f; (void)value; return SCIM_ATTR_UNKNOWN; }
struct scim_path *scim_path_parse(struct arena *a, const char *text, size_t len,
                                  struct scim_error *err)
{ (void)a; (void)text; (void)len; stub(err, SCIM_INVALID_PATH); return NULL; }
bool scim_datetime_ms(const char *s, long long *ms) { (void)s; (void)ms; return false; }
