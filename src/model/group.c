/* The group model's field table and its JSON (see group.h). */
#include "config.h"
#include "usher/group.h"

#include <string.h>
#include <strings.h>

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

struct json_object *group_response_json(const struct group *g, long long member_count)
{
    struct json_object *o = group_json(g);
    json_object_object_add(o, "member_count", json_object_new_int64(member_count));
    return o;
}

struct json_object *group_id_name_json(const struct group *g)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_string(g->id));
    json_object_object_add(o, "name", json_object_new_string(g->name ? g->name : ""));
    return o;
}

struct json_object *group_share_default(const char *env_value)
{
    char buf[16] = "members";
    if (env_value) {
        const char *v = env_value;
        while (*v && strchr(" \t\r\n\f\v", *v))
            v++;
        size_t n = strlen(v);
        while (n && strchr(" \t\r\n\f\v", v[n - 1]))
            n--;
        /* Longer than any of the words: neither "members" nor "true". */
        if (n >= sizeof(buf))
            return json_object_new_boolean(0);
        memcpy(buf, v, n);
        buf[n] = '\0';
    }
    if (strcasecmp(buf, "members") == 0)
        return json_object_new_string("members");
    return json_object_new_boolean(strcasecmp(buf, "true") == 0);
}

struct json_object *group_new_data(struct json_object *data, struct json_object *share)
{
    struct json_object *out = NULL;
    if (data && json_object_is_type(data, json_type_object))
        json_object_deep_copy(data, &out, NULL);
    if (!out)
        out = json_object_new_object();
    struct json_object *config = NULL;
    if (!json_object_object_get_ex(out, "config", &config) || !config) {
        config = json_object_new_object();
        json_object_object_add(out, "config", config);
    }
    if (json_object_is_type(config, json_type_object) &&
        !json_object_object_get_ex(config, "share", NULL)) {
        struct json_object *copy = NULL;
        json_object_deep_copy(share, &copy, NULL);
        json_object_object_add(config, "share", copy);
    }
    return out;
}
