/* SCIM Users' writes: POST, PUT and PATCH (spec B.5, B.6), every one through the account
 * service (DOOR_SCIM) in one call, so a refused request writes nothing. */
#include "config.h"
#include "usher/scim_api.h"

#include <string.h>

#include "usher/accounts.h"
#include "usher/api_common.h"
#include "usher/arena.h"
#include "usher/ctx.h"
#include "usher/db.h"
#include "usher/db_scim.h"
#include "usher/db_users.h"
#include "usher/scim_patch.h"

/* What a POST or PUT body says, checked for types (the account service checks values). */
struct user_body {
    const char *user_name;
    const char *name;           /* NULL: none of name.formatted, given/family, displayName */
    const char *external_id;    /* NULL: absent or null */
    const char *password;       /* NULL: absent */
    const char *photo;          /* NULL: absent */
    bool has_active, active;
    const char *given;          /* names sent, for the audit detail */
};

/* A string member, or NULL when absent or null; *bad when it is another type. */
static const char *str_member(struct json_object *o, const char *name, bool *bad)
{
    struct json_object *v = scim_member(o, name);
    if (!v || json_object_is_type(v, json_type_null))
        return NULL;
    if (!json_object_is_type(v, json_type_string)) {
        *bad = true;
        return NULL;
    }
    return json_object_get_string(v);
}

/* The trimmed join of given and family ("" parts dropped), arena. */
static const char *join_name(struct arena *a, const char *given, const char *family)
{
    given = given ? given : "";
    family = family ? family : "";
    const char *s = arena_printf(a, "%s%s%s", given, given[0] && family[0] ? " " : "", family);
    while (*s == ' ')
        s++;
    char *t = arena_strdup(a, s);
    size_t n = strlen(t);
    while (n && t[n - 1] == ' ')
        t[--n] = '\0';
    return t;
}

/* Reads body into *b; answers 400 invalidValue and returns -1 for a wrong type. */
static int read_user_body(struct ctx *c, struct json_object *body, struct user_body *b)
{
    memset(b, 0, sizeof(*b));
    bool bad = false;
    const char *what = NULL;
    char *given = arena_strdup(c->arena, "");
    b->user_name = str_member(body, "userName", &bad);
    if (bad)
        what = "userName must be a string.";
    struct json_object *name = scim_member(body, "name");
    const char *formatted = NULL, *gn = NULL, *fn = NULL;
    if (name && json_object_is_type(name, json_type_object)) {
        formatted = str_member(name, "formatted", &bad);
        gn = str_member(name, "givenName", &bad);
        fn = str_member(name, "familyName", &bad);
        if (bad && !what)
            what = "name's parts must be strings.";
        given = arena_printf(c->arena, "%sname ", given);
    } else if (name && !json_object_is_type(name, json_type_null) && !what) {
        what = "name must be an object.";
    }
    const char *display = str_member(body, "displayName", &bad);
    if (bad && !what)
        what = "displayName must be a string.";
    if (formatted && formatted[0])
        b->name = formatted;
    else if ((gn && gn[0]) || (fn && fn[0]))
        b->name = join_name(c->arena, gn, fn);
    else if (display && display[0])
        b->name = display;
    if (display)
        given = arena_printf(c->arena, "%sdisplayName ", given);
    bool bad_ext = false;
    b->external_id = str_member(body, "externalId", &bad_ext);
    if (bad_ext && !what)
        what = "externalId must be a string.";
    if (b->external_id && !b->external_id[0])
        b->external_id = NULL;
    if (b->external_id && strlen(b->external_id) > 255 && !what)
        what = "externalId must have at most 255 characters.";
    if (scim_member(body, "externalId"))
        given = arena_printf(c->arena, "%sexternalId ", given);
    bool bad_pw = false;
    b->password = str_member(body, "password", &bad_pw);
    if (bad_pw && !what)
        what = "password must be a string.";
    struct json_object *active = scim_member(body, "active");
    if (active && !json_object_is_type(active, json_type_null)) {
        b->has_active = true;
        if (!scim_bool(active, &b->active) && !what)
            what = "active must be a boolean.";
        given = arena_printf(c->arena, "%sactive ", given);
    }
    struct json_object *photos = scim_member(body, "photos");
    if (photos && json_object_is_type(photos, json_type_array)) {
        struct json_object *pick = NULL;
        for (size_t i = 0; i < json_object_array_length(photos); i++) {
            struct json_object *p = json_object_array_get_idx(photos, i);
            bool primary = false;
            if (!pick || (scim_bool(scim_member(p, "primary"), &primary) && primary))
                pick = p;
        }
        if (pick) {
            bool bad_photo = false;
            b->photo = str_member(pick, "value", &bad_photo);
            if ((bad_photo || !b->photo) && !what)
                what = "photos' value must be a URL.";
        }
        given = arena_printf(c->arena, "%sphotos ", given);
    } else if (photos && !json_object_is_type(photos, json_type_null) && !what) {
        what = "photos must be a list.";
    }
    b->given = given;
    if (what) {
        scim_fail(c, 400, SCIM_INVALID_VALUE, what);
        return -1;
    }
    if (!b->user_name || !b->user_name[0]) {
        scim_fail(c, 400, SCIM_INVALID_VALUE, "userName is required.");
        return -1;
    }
    return 0;
}

/* The user's local part as a name when the body has none. */
static const char *local_part(struct arena *a, const char *email)
{
    const char *at = strchr(email, '@');
    return at ? arena_printf(a, "%.*s", (int)(at - email), email) : email;
}

void scim_user_create(struct ctx *c)
{
    struct json_object *body = scim_body_object(c);
    struct user_body b;
    scim_audit(c, "scim.user.create", "user", NULL, NULL);
    if (!body || read_user_body(c, body, &b) != 0)
        return;
    struct account_new in = {
        .email = b.user_name, .name = b.name ? b.name : local_part(c->arena, b.user_name),
        .password = b.password, .profile_image_url = b.photo, .role = "user",
        .apply_policy = true, .gate = CREATE_ALWAYS, .no_password = true,
        .inactive = b.has_active && !b.active, .ext_provider = scim_env()->provider,
        .external_id = b.external_id,
    };
    struct user *u = NULL;
    struct account_result r;
    scim_audit(c, "scim.user.create", "user", NULL,
               arena_printf(c->arena, "userName %s%s", b.given,
                            b.password ? "password" : ""));
    if (accounts_create(c, DOOR_SCIM, &in, &u, &r) != 0) {
        scim_account_refused(c, &r);
        return;
    }
    scim_audit(c, "scim.user.create", "user", u->id,
               arena_printf(c->arena, "userName %s%s", b.given, b.password ? "password" : ""));
    scim_user_answer(c, u->id, 201);
}

/* The target of PUT and PATCH: its row (for the service) and SCIM state, after If-Match.
 * Answers and returns -1 when it cannot go on. */
static int load_target(struct ctx *c, struct user **target, struct scim_user **s)
{
    const char *id = ctx_param(c, "id");
    int rc = scim_id_plausible(id) ? db_scim_user_get(c->db, c->arena, id, scim_env()->provider, s)
                                   : DB_NOT_FOUND;
    if (rc == DB_OK)
        rc = db_user_get(c->db, c->arena, id, target);
    if (rc == DB_NOT_FOUND) {
        scim_fail(c, 404, SCIM_TYPE_NONE, "User not found");
        return -1;
    }
    if (rc != DB_OK) {
        scim_db_error(c);
        return -1;
    }
    return scim_if_match(c, (*s)->version);
}

/* The action of a write: deactivation and reactivation have their own. */
static const char *action_of(const struct account_change *ch, const struct scim_user *s,
                             const char *otherwise)
{
    if (ch->active == ACCOUNT_DEACTIVATE && s->active)
        return "scim.user.deactivate";
    if (ch->active == ACCOUNT_ACTIVATE && !s->active)
        return "scim.user.reactivate";
    return otherwise;
}

static void apply(struct ctx *c, const struct user *target, const struct scim_user *s,
                  const struct account_change *ch, const char *action, const char *names)
{
    scim_audit(c, action_of(ch, s, action), "user", target->id, names);
    struct account_result r;
    if (accounts_change(c, DOOR_SCIM, target, ch, NULL, &r) != 0) {
        scim_account_refused(c, &r);
        return;
    }
    scim_user_answer(c, target->id, 200);
}

void scim_user_replace(struct ctx *c)
{
    struct user *target;
    struct scim_user *s;
    scim_audit(c, "scim.user.replace", "user", ctx_param(c, "id"), NULL);
    if (load_target(c, &target, &s) != 0)
        return;
    struct json_object *body = scim_body_object(c);
    struct user_body b;
    if (!body || read_user_body(c, body, &b) != 0)
        return;
    /* PUT replaces: an absent name is the userName's local part (as POST), absent photos
     * the default image, an absent externalId none */
    struct account_change ch = {
        .email = b.user_name, .name = b.name ? b.name : local_part(c->arena, b.user_name),
        .profile_image_url = b.photo ? b.photo : "/user.png", .password = b.password,
        .active = !b.has_active ? ACCOUNT_ACTIVE_KEEP
                  : b.active ? ACCOUNT_ACTIVATE : ACCOUNT_DEACTIVATE,
        .ext_provider = scim_env()->provider, .external_id = b.external_id,
    };
    apply(c, target, s, &ch, "scim.user.replace",
          arena_printf(c->arena, "userName %s%s", b.given, b.password ? "password" : ""));
}

void scim_user_patch(struct ctx *c)
{
    struct user *target;
    struct scim_user *s;
    scim_audit(c, "scim.user.patch", "user", ctx_param(c, "id"), NULL);
    if (load_target(c, &target, &s) != 0)
        return;
    struct json_object *body = scim_body_object(c);
    if (!body)
        return;
    struct scim_patch patch;
    struct scim_error err = { 0 };
    if (!scim_patch_parse(c->arena, SCIM_RES_USER, body, target->id, &patch, &err)) {
        scim_fail_with(c, &err);
        return;
    }
    struct account_change ch = { .active = ACCOUNT_ACTIVE_KEEP };
    /* the name's parts as they stand, for givenName / familyName alone */
    const char *name = target->name ? target->name : "";
    const char *sp = strchr(name, ' ');
    const char *gn = sp ? arena_printf(c->arena, "%.*s", (int)(sp - name), name) : name;
    const char *fn = sp ? sp + 1 : "";
    char *names = arena_strdup(c->arena, "");
    for (size_t i = 0; i < patch.n; i++) {
        const struct scim_patch_op *op = &patch.ops[i];
        if (!strstr(names, op->name))
            names = arena_printf(c->arena, "%s%s ", names, op->name);
        switch (op->attr) {
        case SCIM_PA_ACTIVE:
            ch.active = op->boolean ? ACCOUNT_ACTIVATE : ACCOUNT_DEACTIVATE;
            break;
        case SCIM_PA_USER_NAME:
        case SCIM_PA_EMAIL:
            if (op->str)
                ch.email = op->str;
            break;
        case SCIM_PA_DISPLAY_NAME:
        case SCIM_PA_NAME_FORMATTED:
            if (op->str) {
                ch.name = op->str;
                sp = strchr(op->str, ' ');
                gn = sp ? arena_printf(c->arena, "%.*s", (int)(sp - op->str), op->str) : op->str;
                fn = sp ? sp + 1 : "";
            }
            break;
        case SCIM_PA_NAME_GIVEN:
            gn = op->str ? op->str : "";
            ch.name = join_name(c->arena, gn, fn);
            break;
        case SCIM_PA_NAME_FAMILY:
            fn = op->str ? op->str : "";
            ch.name = join_name(c->arena, gn, fn);
            break;
        case SCIM_PA_EXTERNAL_ID:
            ch.ext_provider = scim_env()->provider;
            ch.external_id = op->str && op->str[0] ? op->str : NULL;
            if (ch.external_id && strlen(ch.external_id) > 255) {
                scim_fail(c, 400, SCIM_INVALID_VALUE,
                          "externalId must have at most 255 characters.");
                return;
            }
            break;
        case SCIM_PA_PASSWORD:
            ch.password = op->str;
            break;
        case SCIM_PA_PHOTO:
            ch.profile_image_url = op->str ? op->str : "";
            break;
        default:
            break;
        }
    }
    apply(c, target, s, &ch, "scim.user.patch", names);
}
