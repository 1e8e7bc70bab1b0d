/* libFuzzer harness: SCIM filters and PATCH paths (model/scim_filter.c). Any input is
 * parsed as a filter (then resolved against the User and the Group attributes, and asked
 * for an index lookup) and as a path. A failure must say why (400, its scimType, a
 * detail); a tree must be well-formed; nothing may crash, leak or recurse without bound.
 * Build and run: `make fuzz`. */
#include "config.h"

#include "usher/arena.h"
#include "usher/scim_filter.h"
#include "usher/scim_schema.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_error(const struct scim_error *e, enum scim_type type)
{
    if (e->status != 400 || e->type != type || !e->detail || !e->detail[0])
        abort();
}

/* Walks the tree: kinds, operators and values in range, strings NUL-terminated at their
 * length; returns its depth. */
static int walk(const struct scim_filter *f)
{
    if (!f)
        abort();
    switch (f->kind) {
    case SCIM_F_AND:
    case SCIM_F_OR: {
        int l = walk(f->left), r = walk(f->right);
        return 1 + (l > r ? l : r);
    }
    case SCIM_F_NOT:
    case SCIM_F_VALPATH:
        if (f->kind == SCIM_F_VALPATH && !f->path.attr)
            abort();
        return 1 + walk(f->left);
    case SCIM_F_CMP:
        if (!f->path.attr || !f->path.attr[0] || !scim_op_name(f->op))
            abort();
        if ((f->op == SCIM_PR) != (f->value_kind == SCIM_VAL_NONE))
            abort();
        if ((f->value_kind == SCIM_VAL_STRING || f->value_kind == SCIM_VAL_NUMBER) &&
            (!f->str || strlen(f->str) != f->str_len))
            abort();
        return 1;
    }
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_new(4096);
    const char *text = (const char *)data;
    struct scim_error err;

    memset(&err, 0, sizeof err);
    struct scim_filter *f = scim_filter_parse(a, text, size, &err);
    if (!f) {
        check_error(&err, SCIM_INVALID_FILTER);
    } else {
        if (walk(f) > 2 * SCIM_FILTER_MAX_TERMS)
            abort();
        if (!scim_filter_resolve(f, scim_user_filter_attrs, scim_user_filter_nattrs,
                                 SCIM_URN_USER, a, &err)) {
            check_error(&err, SCIM_INVALID_FILTER);
        } else {
            const char *v = NULL;
            enum scim_attr at = scim_filter_lookup(f, &v);
            if (at != SCIM_ATTR_UNKNOWN && (!v || (at != SCIM_ATTR_USER_NAME &&
                                                   at != SCIM_ATTR_EXTERNAL_ID)))
                abort();
        }
        /* resolving changes the tree (value filters flattened): parse again */
        f = scim_filter_parse(a, text, size, &err);
        if (!f)
            abort();
        if (!scim_filter_resolve(f, scim_group_filter_attrs, scim_group_filter_nattrs,
                                 SCIM_URN_GROUP, a, &err))
            check_error(&err, SCIM_INVALID_FILTER);
    }

    memset(&err, 0, sizeof err);
    struct scim_path *p = scim_path_parse(a, text, size, &err);
    if (!p)
        check_error(&err, SCIM_INVALID_PATH);
    else if (!p->attr.attr || (p->filter && walk(p->filter) > 2 * SCIM_FILTER_MAX_TERMS))
        abort();

    arena_free(a);
    return 0;
}
