#ifndef USHER_USER_H
#define USHER_USER_H
/* The user model: one table of fields drives the SELECT list and the row decoding (in
 * db/users.c), every JSON answer that shows a user (user_json, below), the forms that
 * write a user (the account service builds them from the rows, accounts.h), the UPDATE
 * statements of those writes (db_user_write, db_user_edit.h) and the inputs of the pages.
 * Adding a column is the migration, the struct member and one row in user_fields
 * (model/user.c). Pure: no I/O. */
#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

struct arena;

/* The three roles. A role text that is none of them (the reference does not validate the
 * role given to /auths/add) reads as ROLE_PENDING for access decisions and is shown as
 * stored. */
enum user_role { ROLE_PENDING, ROLE_USER, ROLE_ADMIN };

struct user {
    const char *id, *email, *username, *role_name, *name, *profile_image_url,
        *profile_banner_image_url, *bio, *gender, *date_of_birth /* YYYY-MM-DD */, *timezone,
        *presence_state, *status_emoji, *status_message;
    const char *info, *settings, *oauth, *scim;   /* JSON text, NULL for SQL NULL */
    const long long *status_expires_at;  /* NULL for SQL NULL */
    long long last_active_at, updated_at, created_at;
    long long tokens_valid_after_ms;   /* usher's per-user revocation mark (never shown) */
    const char *tokens_kept_jti;       /* the one earlier token the mark spares (the session
                                        * that changed the password), or NULL */
    enum user_role role;               /* parsed from role_name when the row is decoded */
};

/* How a field is stored in struct user and shown in JSON. */
enum user_field_type {
    UF_STR,        /* const char *, JSON string or null */
    UF_STR_REQ,    /* const char *, JSON string ("" for NULL) */
    UF_ROLE,       /* role_name; decoding also sets role */
    UF_IMAGE,      /* const char *; '' shows as /api/v1/users/{id}/profile/image */
    UF_DATE,       /* const char * YYYY-MM-DD (the data layer formats the DATE column) */
    UF_INT,        /* long long */
    UF_INT_NULL,   /* const long long *, NULL for SQL NULL */
    UF_JSON,       /* const char * JSON text, shown parsed (null when NULL or unparsable) */
    UF_SETTINGS,   /* as UF_JSON; an object without "ui" shows "ui": {} (UserSettings) */
};

/* The answers a user appears in; a field lists the views that show it. */
enum user_view {
    VIEW_MODEL = 1 << 0,    /* UserModel: the admin record (lists, GET /users/{id}, status) */
    VIEW_SESSION = 1 << 1,  /* SessionUserInfo's user part (GET /auths/) */
    VIEW_INFO = 1 << 2,     /* UserInfoResponse's user part (/search, /all, /{id}/info) */
    VIEW_SIGNIN = 1 << 3,   /* SessionUser's user part (sign-in, sign-up) and /auths/add */
};

/* The forms that write user columns (the account service turns them into route forms). */
enum user_form {
    USER_FORM_PROFILE,   /* POST /auths/update/profile: the caller's profile; every column of
                          * the form is written, an omitted optional one becomes NULL */
    USER_FORM_ADMIN,     /* POST /users/{id}/update: the admin's edit; only the columns given
                          * (not null) are written */
    USER_FORM__COUNT
};
/* A check a form runs on a column's value after its type and length (accounts.c maps it to
 * a field_validator). */
enum user_check { UC_NONE, UC_ROLE, UC_IMAGE_URL, UC_NAME };

struct user_field {
    const char *column;          /* column of the `user` table */
    const char *json;            /* member name in answers and forms */
    size_t offset;               /* into struct user */
    enum user_field_type type;
    unsigned views;              /* enum user_view bits; 0 = internal, never shown */
    /* The writes: its place in each form (1, 2, ...; 0 = the form does not write it; the
     * forms list their columns in this order, as the reference's pydantic models do, and
     * places may be shared: then table order), the forms where it is required (bits of
     * 1 << enum user_form), its form limit in characters (0: none) and check. */
    unsigned char form[USER_FORM__COUNT];
    unsigned required;
    size_t max_len;
    enum user_check check;
    /* The pages: the input's label (NULL: not an input on the pages), its kind ("text",
     * "email", "date", "textarea", "role") and its autocomplete token on the caller's own
     * profile page (the admin's pages say "off"). */
    const char *label, *input, *autocomplete;
};

/* The fields in the order of Open WebUI's UserModel, then internal ones. */
extern const struct user_field user_fields[];
extern const size_t user_nfields;

/* The role of a role text (see enum user_role). */
enum user_role user_role_parse(const char *name);
/* "pending", "user" or "admin". */
const char *user_role_name(enum user_role role);

/* A new JSON object with u's fields of view, in table order. Callers add what the answer
 * carries beside them (token, permissions, groups, is_active, group_ids). */
struct json_object *user_json(struct arena *a, const struct user *u, enum user_view view);
struct json_writer;
/* The same members as text, without the braces (the caller adds its own members and closes
 * the object): byte for byte what user_json's object prints as (json_writer.h). */
void user_json_write_members(struct json_writer *w, struct arena *a, const struct user *u,
                             enum user_view view);

/* The largest number of columns one form may write. */
#define USER_FORM_MAX 32
/* The columns form writes, as indexes into user_fields in the form's order (see
 * struct user_field's form). Returns how many (at most max). */
size_t user_form_columns(enum user_form form, size_t *columns, size_t max);
/* The row of user_fields whose member starts at offset (offsetof(struct user, ...)), or
 * NULL. */
const struct user_field *user_field_at(size_t offset);
/* "/api/v1/users/{id}/profile/image" in the arena: the image a user without one shows. */
const char *user_image_path(struct arena *a, const char *user_id);

#endif
