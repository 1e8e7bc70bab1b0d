/* The group model's field table and its JSON (see group.h). */
#include "config.h"
#include "usher/group.h"

#define GFIELD(col, type) { #col, offsetof(struct group, col), type }

const struct group_field group_fields[] = {
    GFIELD(id, GF_STR),
    GFIELD(user_id, GF_STR),
    GFIELD(name, GF_STR),
    GFIELD(description, GF_STR),
    GFIELD(data, GF_JSON),
    GFIELD(meta, GF_JSON),
    GFIELD(permissions, GF_JSON),
    GFIELD(created_at, GF_INT),
    GFIELD(updated_at, GF_INT),
};
const size_t group_nfields = sizeof(group_fields) / sizeof(group_fields[0]);

struct json_object *group_json(const struct group *g)
{
    struct json_object *o = json_object_new_object();
    for (size_t i = 0; i < group_nfields; i++) {
        const struct group_field *f = &group_fields[i];
        const void *base = (const char *)g + f->offset;
        struct json_object *v = NULL;
        if (f->type == GF_INT) {
            v = json_object_new_int64(*(const long long *)base);
        } else {
            const char *s = *(const char *const *)base;
            v = !s ? NULL : f->type == GF_JSON ? json_tokener_parse(s) : json_object_new_string(s);
        }
        json_object_object_add(o, f->column, v);
    }
    return o;
}

struct json_object *group_id_name_json(const struct group *g)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_string(g->id));
    json_object_object_add(o, "name", json_object_new_string(g->name ? g->name : ""));
    return o;
}
