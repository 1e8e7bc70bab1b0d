/* The user model's one table (see user.h) and the JSON views built from it. */
#include "config.h"
#include "usher/user.h"

#include <stdlib.h>
#include <string.h>

#include "usher/arena.h"

#define UF(col, type, views) { #col, #col, offsetof(struct user, col), type, views }
#define ALL (VIEW_MODEL | VIEW_SESSION | VIEW_INFO)
#define WHO (ALL | VIEW_SIGNIN)   /* id, email, role, name: in every view */

const struct user_field user_fields[] = {
    UF(id, UF_STR_REQ, WHO),
    UF(email, UF_STR_REQ, WHO),
    UF(username, UF_STR, VIEW_MODEL),
    { "role", "role", offsetof(struct user, role_name), UF_ROLE, WHO },
    UF(name, UF_STR_REQ, WHO),
    UF(profile_image_url, UF_IMAGE, VIEW_MODEL | VIEW_SESSION | VIEW_SIGNIN),
    UF(profile_banner_image_url, UF_STR, VIEW_MODEL),
    UF(bio, UF_STR, ALL),
    UF(gender, UF_STR, VIEW_MODEL | VIEW_SESSION),
    UF(date_of_birth, UF_DATE, VIEW_MODEL | VIEW_SESSION),
    UF(timezone, UF_STR, VIEW_MODEL),
    UF(presence_state, UF_STR, VIEW_MODEL),
    UF(status_emoji, UF_STR, ALL),
    UF(status_message, UF_STR, ALL),
    UF(status_expires_at, UF_INT_NULL, ALL),
    UF(info, UF_JSON, VIEW_MODEL),
    UF(settings, UF_SETTINGS, VIEW_MODEL),
    UF(oauth, UF_JSON, VIEW_MODEL),
    UF(scim, UF_JSON, VIEW_MODEL),
    UF(last_active_at, UF_INT, VIEW_MODEL),
    UF(updated_at, UF_INT, VIEW_MODEL),
    UF(created_at, UF_INT, VIEW_MODEL),
    UF(tokens_valid_after_ms, UF_INT, 0),
    UF(tokens_kept_jti, UF_STR, 0),
};
const size_t user_nfields = sizeof(user_fields) / sizeof(user_fields[0]);

static const char *const role_names[] = { [ROLE_PENDING] = "pending", [ROLE_USER] = "user",
                                          [ROLE_ADMIN] = "admin" };

enum user_role user_role_parse(const char *name)
{
    if (name && strcmp(name, "admin") == 0)
        return ROLE_ADMIN;
    if (name && strcmp(name, "user") == 0)
        return ROLE_USER;
    return ROLE_PENDING;
}

const char *user_role_name(enum user_role role)
{
    return role_names[role];
}

const char *user_image_path(struct arena *a, const char *user_id)
{
    return arena_printf(a, "/api/v1/users/%s/profile/image", user_id);
}

static struct json_object *json_text(const char *text, bool settings)
{
    struct json_object *v = text ? json_tokener_parse(text) : NULL;
    if (settings && v && json_object_is_type(v, json_type_object) &&
        !json_object_object_get_ex(v, "ui", NULL))
        json_object_object_add(v, "ui", json_object_new_object());
    return v;
}

static struct json_object *field_json(struct arena *a, const struct user *u,
                                      const struct user_field *f)
{
    const char *base = (const char *)u + f->offset;
    const char *s = NULL;
    switch (f->type) {
    case UF_STR:
    case UF_DATE:
        s = *(const char *const *)(const void *)base;
        return s ? json_object_new_string(s) : NULL;
    case UF_STR_REQ:
    case UF_ROLE:
        s = *(const char *const *)(const void *)base;
        return json_object_new_string(s ? s : "");
    case UF_IMAGE:
        s = *(const char *const *)(const void *)base;
        return json_object_new_string(s && s[0] ? s : user_image_path(a, u->id));
    case UF_INT:
        return json_object_new_int64(*(const long long *)(const void *)base);
    case UF_INT_NULL: {
        const long long *n = *(const long long *const *)(const void *)base;
        return n ? json_object_new_int64(*n) : NULL;
    }
    case UF_JSON:
    case UF_SETTINGS:
        return json_text(*(const char *const *)(const void *)base, f->type == UF_SETTINGS);
    }
    return NULL;
}

struct json_object *user_json(struct arena *a, const struct user *u, enum user_view view)
{
    struct json_object *o = json_object_new_object();
    for (size_t i = 0; i < user_nfields; i++)
        if (user_fields[i].views & (unsigned)view)
            json_object_object_add(o, user_fields[i].json, field_json(a, u, &user_fields[i]));
    return o;
}
