/* The user model's one table (see user.h) and the JSON views built from it. */
#include "config.h"
#include "usher/user.h"

#include <stdlib.h>
#include <string.h>

#include "usher/arena.h"
#include "usher/json_writer.h"

#define UF(col, t, v) \
    { .column = #col, .json = #col, .offset = offsetof(struct user, col), .type = t, .views = v }
#define ALL (VIEW_MODEL | VIEW_SESSION | VIEW_INFO)
#define WHO (ALL | VIEW_SIGNIN)   /* id, email, role, name: in every view */
/* A writable column: UF's three, then its places in the profile and admin forms (0: not in
 * it), the forms that require it, its limit and check, and its page input. */
#define UW(col, type, views, profile, admin, required, max, check, label, input, ac) \
    { #col, #col, offsetof(struct user, col), type, views, { profile, admin }, required, max, \
      check, label, input, ac }
#define PROFILE (1u << USER_FORM_PROFILE)

const struct user_field user_fields[] = {
    UF(id, UF_STR_REQ, WHO),
    UW(email, UF_STR_REQ, WHO, 0, 3, 0, 255, UC_NONE, "Email", "email", "email"),
    UF(username, UF_STR, VIEW_MODEL),
    { "role", "role", offsetof(struct user, role_name), UF_ROLE, WHO, { 0, 1 }, 0, 16, UC_ROLE,
      "Role", "role", "off" },   /* role_name: UW's member would be "role" */
    UW(name, UF_STR_REQ, WHO, 2, 2, PROFILE, 255, UC_NAME, "Name", "text", "name"),
    UW(profile_image_url, UF_IMAGE, VIEW_MODEL | VIEW_SESSION | VIEW_SIGNIN, 1, 4, PROFILE, 0,
       UC_IMAGE_URL, "Profile image URL", "text", "photo"),
    UF(profile_banner_image_url, UF_STR, VIEW_MODEL),
    /* bio and gender are in every GET /auths/ answer: bounded (usher's, not the reference's) */
    UW(bio, UF_STR, ALL, 3, 0, 0, 4096, UC_NONE, "Bio", "textarea", NULL),
    UW(gender, UF_STR, VIEW_MODEL | VIEW_SESSION, 4, 0, 0, 128, UC_NONE, "Gender", "text", "sex"),
    UW(date_of_birth, UF_DATE, VIEW_MODEL | VIEW_SESSION, 5, 0, 0, 0, UC_NONE, "Date of birth",
       "date", "bday"),
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

size_t user_form_columns(enum user_form form, size_t *columns, size_t max)
{
    /* Places are small numbers: walk them in order, each in table order. */
    size_t n = 0;
    for (unsigned place = 1; place <= 255 && n < max; place++)
        for (size_t i = 0; i < user_nfields && n < max; i++)
            if (user_fields[i].form[form] == place)
                columns[n++] = i;
    return n;
}

const struct user_field *user_field_at(size_t offset)
{
    for (size_t i = 0; i < user_nfields; i++)
        if (user_fields[i].offset == offset)
            return &user_fields[i];
    return NULL;
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

/* What field f of u shows: null, a string, an integer, or a JSON document's text (shown
 * parsed; settings: with "ui"). One reading of the field table for both ways of writing it
 * (json-c objects and json_writer text). */
struct field_value {
    enum { FV_NULL, FV_STRING, FV_INT, FV_DOCUMENT } kind;
    const char *s;
    long long n;
};

static struct field_value field_value(struct arena *a, const struct user *u,
                                      const struct user_field *f)
{
    const char *base = (const char *)u + f->offset;
    const char *s = f->type == UF_INT || f->type == UF_INT_NULL
                        ? NULL : *(const char *const *)(const void *)base;
    struct field_value v = {FV_NULL, NULL, 0};
    switch (f->type) {
    case UF_STR:
    case UF_DATE:
        if (s)
            v = (struct field_value){FV_STRING, s, 0};
        break;
    case UF_STR_REQ:
    case UF_ROLE:
        v = (struct field_value){FV_STRING, s ? s : "", 0};
        break;
    case UF_IMAGE:
        v = (struct field_value){FV_STRING, s && s[0] ? s : user_image_path(a, u->id), 0};
        break;
    case UF_INT:
        v = (struct field_value){FV_INT, NULL, *(const long long *)(const void *)base};
        break;
    case UF_INT_NULL: {
        const long long *n = *(const long long *const *)(const void *)base;
        if (n)
            v = (struct field_value){FV_INT, NULL, *n};
        break;
    }
    case UF_JSON:
    case UF_SETTINGS:
        v = (struct field_value){FV_DOCUMENT, s, 0};
        break;
    }
    return v;
}

static struct json_object *field_json(struct arena *a, const struct user *u,
                                      const struct user_field *f)
{
    struct field_value v = field_value(a, u, f);
    switch (v.kind) {
    case FV_STRING:
        return json_object_new_string(v.s);
    case FV_INT:
        return json_object_new_int64(v.n);
    case FV_DOCUMENT:
        return json_text(v.s, f->type == UF_SETTINGS);
    case FV_NULL:
        break;
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

/* field_json's value written as its text. */
static void field_write(struct json_writer *w, struct arena *a, const struct user *u,
                        const struct user_field *f)
{
    struct field_value v = field_value(a, u, f);
    switch (v.kind) {
    case FV_STRING:
        json_writer_string(w, v.s);
        return;
    case FV_INT:
        json_writer_int(w, v.n);
        return;
    case FV_DOCUMENT: {
        /* rare (most users have none): through json-c, which normalises the text */
        struct json_object *doc = json_text(v.s, f->type == UF_SETTINGS);
        json_writer_json(w, doc);
        json_object_put(doc);
        return;
    }
    case FV_NULL:
        break;
    }
    json_writer_lit(w, "null");
}

void user_json_write_members(struct json_writer *w, struct arena *a, const struct user *u,
                             enum user_view view)
{
    bool first = true;
    for (size_t i = 0; i < user_nfields; i++) {
        if (!(user_fields[i].views & (unsigned)view))
            continue;
        if (!first)
            json_writer_lit(w, ",");
        first = false;
        json_writer_key(w, user_fields[i].json);
        field_write(w, a, u, &user_fields[i]);
    }
}
