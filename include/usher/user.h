#ifndef USHER_USER_H
#define USHER_USER_H
/* The user model: one table of fields drives the SELECT list and the row decoding (in
 * db/users.c) and every JSON answer that shows a user (user_json, below). Adding a column
 * is the migration plus one row in user_fields (model/user.c), and a form row if it is
 * writable. Pure: no I/O. */
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

struct user_field {
    const char *column;          /* column of the `user` table */
    const char *json;            /* member name in answers */
    size_t offset;               /* into struct user */
    enum user_field_type type;
    unsigned views;              /* enum user_view bits; 0 = internal, never shown */
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

/* "/api/v1/users/{id}/profile/image" in the arena: the image a user without one shows. */
const char *user_image_path(struct arena *a, const char *user_id);

#endif
