/* libFuzzer harness: SCIM PATCH bodies (model/scim_patch.c). The input, when it is JSON,
 * is parsed as a User and as a Group PATCH. A refusal must say why (400, a scimType of
 * spec B.2, a detail) and leave no operations; accepted operations must be well-formed
 * (kinds and attributes in range, member lists as long as they say, strings where the
 * attribute needs one). Build and run: `make fuzz`. */
#include "config.h"

#include "usher/arena.h"
#include "usher/scim_patch.h"

#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one(struct arena *a, enum scim_resource res, struct json_object *body)
{
    struct scim_patch p;
    struct scim_error err;
    memset(&err, 0, sizeof err);
    if (!scim_patch_parse(a, res, body, "the-id", &p, &err)) {
        if (err.status != 400 || !err.detail || p.n || p.ops ||
            (err.type != SCIM_INVALID_SYNTAX && err.type != SCIM_INVALID_PATH &&
             err.type != SCIM_INVALID_VALUE && err.type != SCIM_MUTABILITY &&
             err.type != SCIM_NO_TARGET && err.type != SCIM_INVALID_FILTER))
            abort();
        return;
    }
    if (p.n > SCIM_PATCH_MAX_OPS)
        abort();
    for (size_t k = 0; k < p.n; k++) {
        const struct scim_patch_op *o = &p.ops[k];
        if (!scim_patch_kind_name(o->op) || !o->name || o->attr > SCIM_PA_MEMBERS)
            abort();
        if ((o->attr == SCIM_PA_MEMBERS) != (res == SCIM_RES_GROUP &&
                                             strcmp(o->name, "members") == 0))
            abort();
        for (size_t i = 0; i < o->nids; i++)
            if (!o->ids[i])
                abort();
        if ((o->attr == SCIM_PA_USER_NAME || o->attr == SCIM_PA_PASSWORD) && !o->str)
            abort();
        if (o->str)
            (void)strlen(o->str);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct json_tokener *tok = json_tokener_new_ex(32);
    struct json_object *body = json_tokener_parse_ex(tok, (const char *)data, (int)size);
    json_tokener_free(tok);
    if (!body)
        return 0;
    struct arena *a = arena_new(4096);
    one(a, SCIM_RES_USER, body);
    one(a, SCIM_RES_GROUP, body);
    arena_free(a);
    json_object_put(body);
    return 0;
}
