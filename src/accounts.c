/* The account service (see accounts.h): every door's creation and change of an account. */
#include "config.h"
#include "usher/accounts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "usher/arena.h"
#include "usher/ctx.h"
#include "usher/db.h"
#include "usher/db_audit.h"
#include "usher/db_user_edit.h"
#include "usher/db_users.h"
#include "usher/errors.h"
#include "usher/fields.h"
#include "usher/log.h"
#include "usher/password.h"
#include "usher/session.h"
#include "usher/settings.h"
#include "usher/utf8.h"
#include "usher/validate.h"
#include "usher/work_gate.h"

static const char *const door_names[DOOR__COUNT] = {
    [DOOR_API] = "api", [DOOR_PAGE] = "page", [DOOR_CLI] = "cli", [DOOR_CSV] = "csv",
    [DOOR_ENV] = "env", [DOOR_NO_AUTH] = "no-auth", [DOOR_TRUSTED_HEADER] = "trusted-header",
    [DOOR_LDAP] = "ldap", [DOOR_OIDC] = "oidc", [DOOR_SCIM] = "scim", [DOOR_IMPORT] = "import",
};

const char *account_door_name(enum account_door door)
{
    return door < DOOR__COUNT ? door_names[door] : "?";
}

enum account_door account_http_door(const struct ctx *c)
{
    return c->page ? DOOR_PAGE : DOOR_API;
}

/* ---- results and the audit of doors without a request ----------------------------------- */

static int refuse(struct account_result *r, enum account_refusal why, const char *text)
{
    static const int status[] = {
        [ACCOUNT_OK] = 200, [ACCOUNT_BAD_EMAIL] = 400, [ACCOUNT_EMAIL_TAKEN] = 400,
        [ACCOUNT_BAD_ROLE] = 400, [ACCOUNT_BAD_NAME] = 400, [ACCOUNT_EMPTY_PASSWORD] = 400, [ACCOUNT_WEAK_PASSWORD] = 400,
        [ACCOUNT_PRIMARY_ADMIN] = 403, [ACCOUNT_NOT_FOUND] = 400, [ACCOUNT_CLOSED] = 403,
        [ACCOUNT_BUSY] = 503, [ACCOUNT_FAILED] = 500, [ACCOUNT_EXTERNAL_TAKEN] = 409,
        [ACCOUNT_BAD_IMAGE] = 400,
    };
    static const char *const texts[] = {
        [ACCOUNT_BAD_EMAIL] = ERR_INVALID_EMAIL_FORMAT, [ACCOUNT_EMAIL_TAKEN] = ERR_EMAIL_TAKEN,
        [ACCOUNT_BAD_ROLE] = ACCOUNT_BAD_ROLE_TEXT,
        [ACCOUNT_EMPTY_PASSWORD] = ACCOUNT_EMPTY_PASSWORD_TEXT,
        [ACCOUNT_PRIMARY_ADMIN] = ERR_ACTION_PROHIBITED, [ACCOUNT_NOT_FOUND] = ERR_NOT_FOUND,
        [ACCOUNT_CLOSED] = ERR_ACCESS_PROHIBITED,
        [ACCOUNT_BUSY] = "Too many password checks at once. Please try again shortly.",
        [ACCOUNT_FAILED] = ERR_DEFAULT,
        [ACCOUNT_EXTERNAL_TAKEN] = "The externalId belongs to another account.",
    };
    r->refusal = why;
    r->status = status[why];
    r->reason = text ? text : texts[why];
    return why == ACCOUNT_OK ? 0 : -1;
}

/* Doors without a request write their own audit_log row (HTTP ones: app.c, after the
 * answer). The status is the one the API would have answered. */
static void audit_local(struct ctx *c, enum account_door door, const char *action,
                        const char *target_id, const struct account_result *r)
{
    if (c->req || !c->db)
        return;
    const char *detail = r->detail && r->detail[0]
                             ? arena_printf(c->arena, "%s via %s", r->detail,
                                            account_door_name(door))
                             : arena_printf(c->arena, "via %s", account_door_name(door));
    struct audit_row row = {
        .at = (long long)time(NULL), .status = r->status, .action = action,
        .target_type = "user", .target_id = target_id, .detail = detail,
        .user_agent = arena_printf(c->arena, "usher %s", account_door_name(door)),
    };
    if (db_audit_insert(c->db, &row) != DB_OK)
        log_error("audit: the row of %s could not be written", action);
}

/* ---- shared rules ------------------------------------------------------------------------- */

/* Policy (when asked) and hash through the bcrypt gate, into hash (>= 128 bytes). */
static int hash_password(const char *password, bool apply_policy, char *hash, size_t len,
                         struct account_result *r)
{
    if (!password || !password[0])
        return refuse(r, ACCOUNT_EMPTY_PASSWORD, NULL);
    const char *why = password_policy_check(password, apply_policy
                                                          ? &settings_env()->password_policy
                                                          : NULL);
    if (why)
        return refuse(r, ACCOUNT_WEAK_PASSWORD, why);
    if (!work_gate_enter())
        return refuse(r, ACCOUNT_BUSY, NULL);
    int rc = password_hash(password, settings_env()->bcrypt_cost, hash, len);
    work_gate_leave();
    return rc == 0 ? 0 : refuse(r, ACCOUNT_FAILED, NULL);
}

/* The primary-admin rules: the primary admin keeps the admin role and is never deleted;
 * another admin changes nothing of theirs; nobody deletes themselves. usherctl's operator
 * (no session) counts as the primary admin themselves. */
static int primary_admin_check(struct ctx *c, const char *target_id, const char *new_role,
                               bool deleting, struct account_result *r)
{
    struct user *primary = NULL;
    int rc = db_user_get_primary(c->db, c->arena, &primary);
    if (rc == DB_ERROR)
        return refuse(r, ACCOUNT_FAILED, ERR_PRIMARY_ADMIN_CHECK);
    bool is_primary = rc == DB_OK && strcmp(primary->id, target_id) == 0;
    bool self = c->session ? strcmp(c->session->user->id, target_id) == 0 : !deleting;
    bool refused = deleting ? is_primary || self
                            : is_primary && (!self || (new_role && strcmp(new_role, "admin") != 0));
    return refused ? refuse(r, ACCOUNT_PRIMARY_ADMIN, NULL) : 0;
}

const char *accounts_name_check(const char *name, size_t len, const void *arg)
{
    /* validate.c's rule (control characters, UTF-8), then the row's limit (which the forms
     * check before) for the doors without a form: this one call reaches every door. */
    const char *why = validate_name(name, len, arg);
    if (why)
        return why;
    const struct user_field *f = user_field_at(offsetof(struct user, name));
    return f && f->max_len && utf8_length(name, len) > f->max_len
               ? "name must have at most 255 characters" : NULL;
}

/* The stored hash of an account made without a password: no password verifies against
 * it (password_verify knows no such scheme). */
#define NO_PASSWORD_HASH "!"

/* The scim document old (JSON text or NULL) with provider's entry set to
 * {"external_id": ext} (ext NULL: the entry removed), the other entries kept; NULL when
 * nothing is left. Arena text. */
static const char *scim_document(struct arena *a, const char *old, const char *provider,
                                 const char *ext)
{
    struct json_object *doc = old ? json_tokener_parse(old) : NULL;
    if (!doc || !json_object_is_type(doc, json_type_object)) {
        json_object_put(doc);
        doc = json_object_new_object();
    }
    if (ext) {
        struct json_object *entry = json_object_new_object();
        json_object_object_add(entry, "external_id", json_object_new_string(ext));
        json_object_object_add(doc, provider, entry);
    } else {
        json_object_object_del(doc, provider);
    }
    const char *text = json_object_object_length(doc)
                           ? arena_strdup(a, json_object_to_json_string_ext(
                                                 doc, JSON_C_TO_STRING_PLAIN))
                           : NULL;
    json_object_put(doc);
    return text;
}

/* ---- creating -------------------------------------------------------------------------- */

int accounts_create(struct ctx *c, enum account_door door, const struct account_new *in,
                    struct user **out, struct account_result *r)
{
    memset(r, 0, sizeof(*r));
    const char *failed = in->failed_text ? in->failed_text : ERR_CREATE_USER;
    char *email = email_normalize(c->arena, in->email ? in->email : "");
    const char *role = in->role;
    if (!role) {
        role = settings_str(c, "DEFAULT_USER_ROLE");
        if (!validate_role(role))
            role = "pending";
    }
    struct user *existing = NULL;
    char hash[128];
    int rc;
    const char *why_name = in->name ? accounts_name_check(in->name, strlen(in->name), NULL) : NULL;
    if (!validate_email(email)) {
        refuse(r, ACCOUNT_BAD_EMAIL, NULL);
    } else if (why_name) {
        refuse(r, ACCOUNT_BAD_NAME, why_name);
    } else if (!validate_role(role)) {
        refuse(r, ACCOUNT_BAD_ROLE, NULL);
    } else if ((rc = db_user_get_by_email(c->db, c->arena, email, &existing)) != DB_NOT_FOUND) {
        refuse(r, rc == DB_OK ? ACCOUNT_EMAIL_TAKEN : ACCOUNT_FAILED,
               rc == DB_OK ? NULL : failed);
    } else if (in->profile_image_url &&
               (why_name = validate_profile_image_url(in->profile_image_url,
                                                      strlen(in->profile_image_url),
                                                      &settings_env()->image_policy))) {
        refuse(r, ACCOUNT_BAD_IMAGE, why_name);
    } else if (!(in->no_password && !in->password) &&
               hash_password(in->password, in->apply_policy, hash, sizeof(hash), r) != 0) {
        if (r->refusal == ACCOUNT_FAILED)
            r->reason = ERR_CREATE_USER;
    } else {
        if (in->no_password && !in->password)
            snprintf(hash, sizeof(hash), "%s", NO_PASSWORD_HASH);
        struct new_user nu = {
            .email = email, .name = in->name ? in->name : "", .password_hash = hash,
            .profile_image_url = in->profile_image_url ? in->profile_image_url : "/user.png",
            .oauth = in->oauth,
            .role = role, .default_group_id = settings_str(c, "DEFAULT_GROUP_ID"),
            .first_becomes_admin = in->first_becomes_admin,
            .closes_signup = in->first_becomes_admin && !in->keep_signup_open, .gate = in->gate,
            .open_default = in->gate == CREATE_IF_FIRST_OR_OPEN && settings_bool(c, "ENABLE_SIGNUP"),
            .inactive = in->inactive,
            .ext_provider = in->external_id ? in->ext_provider : NULL,
            .ext_id = in->ext_provider ? in->external_id : NULL,
            .scim = in->ext_provider && in->external_id
                        ? scim_document(c->arena, NULL, in->ext_provider, in->external_id)
                        : NULL,
        };
        rc = db_user_create(c->db, c->arena, &nu);
        struct user *u = NULL;
        if (rc == DB_DUPLICATE)
            refuse(r, ACCOUNT_EMAIL_TAKEN, NULL);
        else if (rc == DB_EXTERNAL_TAKEN)
            refuse(r, ACCOUNT_EXTERNAL_TAKEN, NULL);
        else if (rc == DB_REFUSED)   /* sign-up closed while this one waited for the lock */
            refuse(r, ACCOUNT_CLOSED, NULL);
        else if (rc != DB_OK || db_user_get(c->db, c->arena, nu.id, &u) != DB_OK)
            refuse(r, ACCOUNT_FAILED, failed);
        else {
            refuse(r, ACCOUNT_OK, NULL);
            r->detail = arena_printf(c->arena, "role %s", u->role_name);
            log_notice("user %s created with role %s (%s)", u->id, u->role_name,
                       account_door_name(door));
            audit_local(c, door, "user.add", u->id, r);
            memset(hash, 0, sizeof(hash));
            *out = u;
            return 0;
        }
    }
    memset(hash, 0, sizeof(hash));
    audit_local(c, door, "user.add", NULL, r);
    return -1;
}

/* ---- the forms ------------------------------------------------------------------------- */

static struct field_spec profile_specs[USER_FORM_MAX], admin_specs[USER_FORM_MAX + 1];
static size_t profile_columns[USER_FORM_MAX], admin_columns[USER_FORM_MAX];
static size_t nprofile, nadmin;
struct form accounts_profile_form, accounts_admin_form;

static const char *role_check(const char *v, size_t len, const void *arg)
{
    (void)len;
    (void)arg;
    return validate_role(v) ? NULL : ACCOUNT_BAD_ROLE_TEXT;
}

static const char *image_check(const char *v, size_t len, const void *arg)
{
    (void)arg;
    return validate_profile_image_url(v, len, &settings_env()->image_policy);
}

static size_t build_form(enum user_form form, struct field_spec *specs, size_t *columns)
{
    size_t n = user_form_columns(form, columns, USER_FORM_MAX);
    for (size_t i = 0; i < n; i++) {
        const struct user_field *f = &user_fields[columns[i]];
        bool required = f->required & (1u << form);
        specs[i] = (struct field_spec){
            .name = f->json, .type = f->type == UF_DATE ? FIELD_DATE
                                   : f->type == UF_INT || f->type == UF_INT_NULL ? FIELD_INT
                                   : FIELD_STR,
            .required = required, .nullable = !required, .max_len = f->max_len,
            .validate = f->check == UC_ROLE ? role_check
                        : f->check == UC_IMAGE_URL ? image_check
                        : f->check == UC_NAME ? accounts_name_check : NULL,
        };
    }
    return n;
}

/* Built before main(): the route table points at these forms. */
__attribute__((constructor)) static void accounts_build_forms(void)
{
    nprofile = build_form(USER_FORM_PROFILE, profile_specs, profile_columns);
    accounts_profile_form = (struct form){ profile_specs, nprofile, false };
    nadmin = build_form(USER_FORM_ADMIN, admin_specs, admin_columns);
    admin_specs[nadmin] = (struct field_spec){ "password", FIELD_STR, false, true, 0, NULL, NULL };
    accounts_admin_form = (struct form){ admin_specs, nadmin + 1, false };
}

const size_t *accounts_form_columns(enum user_form form, size_t *n)
{
    *n = form == USER_FORM_PROFILE ? nprofile : nadmin;
    return form == USER_FORM_PROFILE ? profile_columns : admin_columns;
}

/* ---- changing -------------------------------------------------------------------------- */

/* Writes w to target once the rules passed; refusal mapping of the data layer. */
static int write_user(struct ctx *c, const char *id, const struct user_write *w,
                      struct account_result *r)
{
    int rc = db_user_write(c->db, id, w);
    if (rc == DB_OK)
        return refuse(r, ACCOUNT_OK, NULL);
    return refuse(r, rc == DB_NOT_FOUND ? ACCOUNT_NOT_FOUND
                   : rc == DB_DUPLICATE ? ACCOUNT_EMAIL_TAKEN : ACCOUNT_FAILED, NULL);
}

/* The revocation mark of a role or password change: tokens issued before it stop working.
 * A sign-in door issues its token right after, which must stay valid. */
static long long mark_now(enum account_door door)
{
    bool signing_in = door == DOOR_TRUSTED_HEADER || door == DOOR_LDAP || door == DOOR_OIDC;
    return session_now_ms() + (signing_in ? 0 : 1);
}

/* The caller's own JWT session when target is the caller (kept after their own change). */
static const char *own_jti(const struct ctx *c, const char *target_id)
{
    const struct session *s = c->session;
    return s && s->kind == CRED_JWT && s->claims.jti[0] && strcmp(s->user->id, target_id) == 0
               ? s->claims.jti : NULL;
}

/* Sets the member of f in u from a form value (NULL/absent: NULL, or the type's zero). */
static void set_member(struct arena *a, struct user *u, const struct user_field *f,
                       const struct field_value *v)
{
    void *dst = (char *)u + f->offset;
    bool given = v && v->present && !v->is_null;
    switch (f->type) {
    case UF_INT:
        *(long long *)dst = given ? v->i : 0;
        break;
    case UF_INT_NULL: {
        long long *n = NULL;
        if (given) {
            n = arena_alloc(a, sizeof(*n));
            *n = v->i;
        }
        *(const long long **)dst = n;
        break;
    }
    case UF_ROLE:
        u->role = user_role_parse(given ? v->s : NULL);
        /* fall through */
    default:
        *(const char **)dst = given ? v->s : NULL;
        break;
    }
}

int accounts_update(struct ctx *c, enum account_door door, const struct user *target,
                    enum user_form form, const struct field_value *v, struct user **out,
                    struct account_result *r)
{
    memset(r, 0, sizeof(*r));
    size_t n;
    const size_t *cols = accounts_form_columns(form, &n);
    bool replace = form == USER_FORM_PROFILE;
    struct user *u = arena_alloc(c->arena, sizeof(*u));
    *u = *target;
    struct user_write w = { .values = u };
    const char *role = NULL, *email = NULL, *password = NULL;
    char *changed = arena_strdup(c->arena, "");
    for (size_t i = 0; i < n; i++) {
        const struct user_field *f = &user_fields[cols[i]];
        if (!replace && !(v[i].present && !v[i].is_null))
            continue;
        set_member(c->arena, u, f, &v[i]);
        w.cols |= 1ull << cols[i];
        changed = arena_printf(c->arena, "%s%s ", changed, f->json);
        if (f->offset == offsetof(struct user, role_name))
            role = u->role_name;
        else if (f->offset == offsetof(struct user, email))
            email = u->email = email_normalize(c->arena, u->email);
    }
    if (form == USER_FORM_ADMIN && v[n].present && !v[n].is_null && v[n].s[0])
        password = v[n].s;   /* an empty password means "unchanged", as the frontend sends */
    char hash[128];
    int rc = 0;
    if (!replace || role || email || password)
        rc = primary_admin_check(c, target->id, role, false, r);
    if (rc == 0 && role && !validate_role(role))
        rc = refuse(r, ACCOUNT_BAD_ROLE, NULL);
    if (rc == 0 && email && !validate_email(email))
        rc = refuse(r, ACCOUNT_BAD_EMAIL, NULL);
    if (rc == 0 && password && (rc = hash_password(password, true, hash, sizeof(hash), r)) == 0)
        w.password_hash = hash;
    if (rc != 0) {   /* refused before the write: no fields changed */
        audit_local(c, door, "user.update", target->id, r);
        return -1;
    }
    /* A role or password change ends the user's earlier sessions (usher's difference #1);
     * a user changing only their own password keeps the session doing it. */
    bool role_changes = role && strcmp(role, target->role_name) != 0;
    if (role_changes || w.password_hash) {
        w.mark_ms = mark_now(door);
        w.keep_jti = role_changes ? NULL : own_jti(c, target->id);
    }
    /* The fields given, never their values (a password must not reach the trail). */
    r->detail = w.password_hash ? arena_printf(c->arena, "%spassword", changed) : changed;
    rc = write_user(c, target->id, &w, r);
    memset(hash, 0, sizeof(hash));
    audit_local(c, door, "user.update", target->id, r);
    if (rc == 0 && out)
        *out = u;
    return rc;
}

int accounts_set_role(struct ctx *c, enum account_door door, const struct user *target,
                      const char *role, struct account_result *r)
{
    memset(r, 0, sizeof(*r));
    r->detail = "role";
    int rc = primary_admin_check(c, target->id, role, false, r);
    if (rc == 0 && !validate_role(role))
        rc = refuse(r, ACCOUNT_BAD_ROLE, NULL);
    if (rc == 0) {
        struct user u = *target;
        u.role_name = role;
        const struct user_field *f = user_field_at(offsetof(struct user, role_name));
        struct user_write w = { .values = &u, .cols = 1ull << (size_t)(f - user_fields),
                                .mark_ms = mark_now(door) };
        rc = write_user(c, target->id, &w, r);
        r->detail = "role";
    }
    audit_local(c, door, "user.update", target->id, r);
    return rc;
}

int accounts_set_password(struct ctx *c, enum account_door door, const struct user *target,
                          const char *password, bool keep_own_session,
                          struct account_result *r)
{
    memset(r, 0, sizeof(*r));
    r->detail = "password";
    char hash[128];
    int rc = hash_password(password, true, hash, sizeof(hash), r);
    if (rc == 0) {
        struct user_write w = { .values = target, .password_hash = hash,
                                .mark_ms = mark_now(door),
                                .keep_jti = keep_own_session ? own_jti(c, target->id) : NULL };
        rc = write_user(c, target->id, &w, r);
        r->detail = "password";
    }
    memset(hash, 0, sizeof(hash));
    audit_local(c, door, "user.update", target->id, r);
    return rc;
}

/* Sets the column of member (offsetof(struct user, ...)) in w's column set. */
static void write_column(struct user_write *w, size_t member)
{
    const struct user_field *f = user_field_at(member);
    if (f)
        w->cols |= 1ull << (size_t)(f - user_fields);
}

int accounts_change(struct ctx *c, enum account_door door, const struct user *target,
                    const struct account_change *in, struct user **out,
                    struct account_result *r)
{
    memset(r, 0, sizeof(*r));
    struct user *u = arena_alloc(c->arena, sizeof(*u));
    *u = *target;
    struct user_write w = { .values = u };
    char *changed = arena_strdup(c->arena, "");
    char hash[128];
    const char *why;
    int rc = primary_admin_check(c, target->id, NULL, false, r);
    if (rc == 0 && in->email) {
        u->email = email_normalize(c->arena, in->email);
        if (!validate_email(u->email))
            rc = refuse(r, ACCOUNT_BAD_EMAIL, NULL);
        write_column(&w, offsetof(struct user, email));
        changed = arena_printf(c->arena, "%semail ", changed);
    }
    if (rc == 0 && in->name) {
        if ((why = accounts_name_check(in->name, strlen(in->name), NULL)))
            rc = refuse(r, ACCOUNT_BAD_NAME, why);
        u->name = in->name;
        write_column(&w, offsetof(struct user, name));
        changed = arena_printf(c->arena, "%sname ", changed);
    }
    if (rc == 0 && in->profile_image_url) {
        if (in->profile_image_url[0] &&   /* "": the default image */
            (why = validate_profile_image_url(in->profile_image_url,
                                              strlen(in->profile_image_url),
                                              &settings_env()->image_policy)))
            rc = refuse(r, ACCOUNT_BAD_IMAGE, why);
        u->profile_image_url = in->profile_image_url;
        write_column(&w, offsetof(struct user, profile_image_url));
        changed = arena_printf(c->arena, "%sprofile_image_url ", changed);
    }
    if (rc == 0 && in->active == ACCOUNT_DEACTIVATE) {
        struct user *primary = NULL;
        int prc = db_user_get_primary(c->db, c->arena, &primary);
        if (prc == DB_ERROR)
            rc = refuse(r, ACCOUNT_FAILED, ERR_PRIMARY_ADMIN_CHECK);
        else if (prc == DB_OK && strcmp(primary->id, target->id) == 0)
            rc = refuse(r, ACCOUNT_PRIMARY_ADMIN, NULL);
    }
    if (rc == 0 && in->ext_provider) {
        u->scim = scim_document(c->arena, target->scim, in->ext_provider, in->external_id);
        write_column(&w, offsetof(struct user, scim));
        w.ext_provider = in->ext_provider;
        w.ext_id = in->external_id;
        changed = arena_printf(c->arena, "%sexternal_id ", changed);
    }
    if (rc == 0 && in->password &&
        (rc = hash_password(in->password, true, hash, sizeof(hash), r)) == 0)
        w.password_hash = hash;
    if (rc != 0) {
        audit_local(c, door, "user.update", target->id, r);
        return -1;
    }
    if (in->active != ACCOUNT_ACTIVE_KEEP) {
        w.active = in->active == ACCOUNT_ACTIVATE ? USER_ACTIVE_ON : USER_ACTIVE_OFF;
        changed = arena_printf(c->arena, "%sactive ", changed);
    }
    /* A password change or a deactivation ends every earlier session. */
    if (w.password_hash || w.active == USER_ACTIVE_OFF)
        w.mark_ms = mark_now(door);
    r->detail = w.password_hash ? arena_printf(c->arena, "%spassword", changed) : changed;
    const char *detail = r->detail;
    int drc = db_user_write(c->db, target->id, &w);
    memset(hash, 0, sizeof(hash));
    if (drc == DB_EXTERNAL_TAKEN)
        rc = refuse(r, ACCOUNT_EXTERNAL_TAKEN, NULL);
    else if (drc == DB_OK)
        rc = refuse(r, ACCOUNT_OK, NULL);
    else
        rc = refuse(r, drc == DB_NOT_FOUND ? ACCOUNT_NOT_FOUND
                       : drc == DB_DUPLICATE ? ACCOUNT_EMAIL_TAKEN : ACCOUNT_FAILED, NULL);
    r->detail = detail;
    if (rc == 0)
        log_notice("user %s changed (%s): %s", target->id, account_door_name(door), detail);
    audit_local(c, door, "user.update", target->id, r);
    if (rc == 0 && out)
        *out = u;
    return rc;
}

int accounts_set_active(struct ctx *c, enum account_door door, const struct user *target,
                        bool active, struct account_result *r)
{
    struct account_change in = { .active = active ? ACCOUNT_ACTIVATE : ACCOUNT_DEACTIVATE };
    return accounts_change(c, door, target, &in, NULL, r);
}

int accounts_provider_update(struct ctx *c, enum account_door door, const struct user *target,
                             const struct account_provider_update *in, struct user **out,
                             struct account_result *r)
{
    memset(r, 0, sizeof(*r));
    struct user *u = arena_alloc(c->arena, sizeof(*u));
    *u = *target;
    struct user_write w = { .values = u };
    char *changed = arena_strdup(c->arena, "");
#define PROVIDER_SET(member, value) do { \
        const struct user_field *f_ = user_field_at(offsetof(struct user, member)); \
        u->member = (value); \
        w.cols |= 1ull << (size_t)(f_ - user_fields); \
        changed = arena_printf(c->arena, "%s%s ", changed, f_->json); \
    } while (0)
    if (in->oauth && (!target->oauth || strcmp(in->oauth, target->oauth) != 0))
        PROVIDER_SET(oauth, in->oauth);
    if (in->name && in->name[0] && strcmp(in->name, target->name ? target->name : "") != 0 &&
        !accounts_name_check(in->name, strlen(in->name), NULL))
        PROVIDER_SET(name, in->name);
    if (in->profile_image_url && in->profile_image_url[0] &&
        strcmp(in->profile_image_url, target->profile_image_url ? target->profile_image_url : "") != 0)
        PROVIDER_SET(profile_image_url, in->profile_image_url);
    const char *kept_email = NULL;
    if (in->email) {
        char *email = email_normalize(c->arena, in->email);
        struct user *other = NULL;
        if (validate_email(email) && strcmp(email, target->email) != 0) {
            int rc = db_user_get_by_email(c->db, c->arena, email, &other);
            if (rc == DB_NOT_FOUND)
                PROVIDER_SET(email, email);
            else
                kept_email = email;
        }
    }
#undef PROVIDER_SET
    if (kept_email)
        log_warning("user %s keeps their e-mail: the provider's is taken or unreadable (%s)",
                    target->id, account_door_name(door));
    int rc = 0;
    if (w.cols) {
        rc = write_user(c, target->id, &w, r);
        if (rc != 0 && r->refusal == ACCOUNT_EMAIL_TAKEN) {
            /* taken meanwhile: the rest is written without it */
            const struct user_field *f = user_field_at(offsetof(struct user, email));
            w.cols &= ~(1ull << (size_t)(f - user_fields));
            u->email = target->email;
            rc = w.cols ? write_user(c, target->id, &w, r) : refuse(r, ACCOUNT_OK, NULL);
        }
    } else {
        refuse(r, ACCOUNT_OK, NULL);
    }
    r->detail = arena_printf(c->arena, "%s%s", changed, kept_email ? "email kept" : "");
    if (w.cols)
        audit_local(c, door, "user.update", target->id, r);
    if (rc == 0 && out)
        *out = u;
    return rc;
}

int accounts_end_sessions(struct ctx *c, enum account_door door, const struct user *target,
                          struct account_result *r)
{
    memset(r, 0, sizeof(*r));
    struct user_write w = { .values = target, .mark_ms = session_now_ms() + 1 };
    int rc = write_user(c, target->id, &w, r);
    r->detail = "sessions ended";
    if (rc == 0)
        log_notice("user %s: every earlier session ended (%s)", target->id,
                   account_door_name(door));
    audit_local(c, door, "user.update", target->id, r);
    return rc;
}

int accounts_delete(struct ctx *c, enum account_door door, const struct user *target,
                    struct account_result *r)
{
    memset(r, 0, sizeof(*r));
    int rc = primary_admin_check(c, target->id, NULL, true, r);
    if (rc == 0) {
        int drc = db_user_delete(c->db, c->arena, target->id);
        rc = refuse(r, drc == DB_OK ? ACCOUNT_OK
                       : drc == DB_NOT_FOUND ? ACCOUNT_NOT_FOUND : ACCOUNT_FAILED,
                    drc == DB_OK || drc == DB_NOT_FOUND ? NULL : ERR_DELETE_USER);
        if (rc == 0)
            log_notice("user %s deleted by %s (%s)", target->id,
                       c->session ? c->session->user->id : "the operator",
                       account_door_name(door));
    }
    audit_local(c, door, "user.delete", target->id, r);
    return rc;
}

/* ---- outside HTTP ------------------------------------------------------------------------ */

void accounts_local_begin(struct ctx *c, struct db *db, struct arena *a)
{
    memset(c, 0, sizeof(*c));
    c->db = db;
    c->arena = a;
}

void accounts_local_end(struct ctx *c)
{
    settings_release(c);
}

/* -1 until the bootstrap is settled in this process (see accounts.h). */
static int bootstrap_state = -1;
static bool bootstrap_skip_logged;

bool accounts_bootstrap_pending(void)
{
    return bootstrap_state != 0;
}

static int bootstrap_skipped(const char *why)
{
    if (!bootstrap_skip_logged) {
        bootstrap_skip_logged = true;
        log_warning("WEBUI_ADMIN_EMAIL: admin not created yet (%s); retried before every "
                    "request, and public sign-up is refused until it is created", why);
    }
    return -1;
}

int accounts_bootstrap_from_env(struct db *db)
{
    if (bootstrap_state == 0)
        return 0;
    const char *email = getenv("WEBUI_ADMIN_EMAIL");
    const char *password = getenv("WEBUI_ADMIN_PASSWORD");
    if (!email || !*email || !password || !*password)
        return bootstrap_state = 0;
    long long count = 0;
    if (!db || db_user_count(db, &count) != DB_OK)
        return bootstrap_skipped("the database is not available");
    if (count > 0)
        return bootstrap_state = 0;
    const char *name = getenv("WEBUI_ADMIN_NAME");
    struct arena *a = arena_new(4096);
    struct ctx c;
    accounts_local_begin(&c, db, a);
    struct account_new in = {
        .email = email, .name = name && *name ? name : "Admin", .password = password,
        .role = "admin", .apply_policy = true, .first_becomes_admin = true,
        .gate = CREATE_ALWAYS,
    };
    struct user *u;
    struct account_result r;
    int rc = accounts_create(&c, DOOR_ENV, &in, &u, &r);
    accounts_local_end(&c);
    arena_free(a);
    if (rc != 0 && r.refusal != ACCOUNT_EMAIL_TAKEN) {   /* taken: another worker made it */
        if (bootstrap_skip_logged)
            return -1;
        log_error("WEBUI_ADMIN_EMAIL: %s%s", r.refusal == ACCOUNT_BAD_EMAIL
                                                  ? "invalid email address: " : "", r.reason);
        return bootstrap_skipped("see the error above");
    }
    if (bootstrap_skip_logged)
        log_notice("WEBUI_ADMIN_EMAIL: the admin exists now; sign-up follows its settings");
    return bootstrap_state = 0;
}
