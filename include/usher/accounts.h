#ifndef USHER_ACCOUNTS_H
#define USHER_ACCOUNTS_H
/* The account service: the one place where accounts are made and changed, whatever the
 * door (the HTTP API and the pages that call its handlers, usherctl, the CSV import, the
 * first start's WEBUI_ADMIN_EMAIL, the no-auth and trusted-header sign-ins; LDAP, OIDC, SCIM
 * and the Open WebUI import are one call each when they come). Every door gets the same
 * rules and the same refusal, with the API's text:
 *   - the e-mail in its one normal form (email_normalize), valid, and not taken in any case;
 *   - a name that passes the name check (accounts_name_check) and its row's limit;
 *   - a role of pending, user or admin;
 *   - a password that is never empty, at most 72 bytes and, for passwords people choose,
 *     through the password policy; hashed through the bcrypt gate (work_gate.h);
 *   - the first account becomes admin and closes sign-up; a new account joins
 *     DEFAULT_GROUP_ID; a role or password change ends the user's earlier sessions on every
 *     worker (the caller's own session may stay after their own password change);
 *   - the primary admin (the oldest account) keeps the admin role, is not deleted, and only
 *     they change their own record (usherctl, run by the operator, counts as them);
 *   - a refused change writes nothing;
 *   - a deactivated account (accounts_change) signs in by no door and its tokens and API
 *     key are refused; nothing of it is deleted.
 * Audit: HTTP doors mark their request (the handler passes the result's detail to
 * audit_detail; app.c writes the row with the final status); other doors (no request in
 * the ctx) get their audit_log row written here, the door named in the detail. */
#include <stdbool.h>
#include <stddef.h>
#include "usher/router.h"
#include "usher/user.h"

struct db;
struct ctx;
struct arena;
struct field_value;

/* How an account was made or changed (recorded in the audit log). */
enum account_door {
    DOOR_API,              /* /api/v1 (sign-up, /auths/add, the users router) */
    DOOR_PAGE,             /* the /usher/ pages (through the API's handlers) */
    DOOR_CLI,              /* usherctl user add|set-role|set-password|delete, create-admin */
    DOOR_CSV,              /* usherctl user import */
    DOOR_ENV,              /* WEBUI_ADMIN_EMAIL at the first start */
    DOOR_NO_AUTH,          /* WEBUI_AUTH=false: admin@localhost on first sign-in */
    DOOR_TRUSTED_HEADER,   /* WEBUI_AUTH_TRUSTED_EMAIL_HEADER sign-in */
    DOOR_LDAP,             /* coming: directory sign-in */
    DOOR_OIDC,             /* coming: OpenID Connect sign-in */
    DOOR_SCIM,             /* SCIM provisioning (/api/v1/scim/v2) */
    DOOR_IMPORT,           /* coming: the Open WebUI database import */
    DOOR__COUNT
};
/* "api", "page", "cli", "csv", "env", "no-auth", "trusted-header", "ldap", "oidc", "scim",
 * "import". */
const char *account_door_name(enum account_door door);
/* The door of an HTTP request: DOOR_PAGE under the pages, else DOOR_API. */
enum account_door account_http_door(const struct ctx *c);

enum account_refusal {
    ACCOUNT_OK,
    ACCOUNT_BAD_EMAIL,       /* 400 ERR_INVALID_EMAIL_FORMAT */
    ACCOUNT_EMAIL_TAKEN,     /* 400 ERR_EMAIL_TAKEN */
    ACCOUNT_BAD_ROLE,        /* 400 ACCOUNT_BAD_ROLE_TEXT (the API's forms answer it as 422) */
    ACCOUNT_BAD_NAME,        /* 400 the name check's text (the API's forms answer it as 422) */
    ACCOUNT_EMPTY_PASSWORD,  /* 400 ACCOUNT_EMPTY_PASSWORD_TEXT */
    ACCOUNT_WEAK_PASSWORD,   /* 400 the policy's text (or ERR_PASSWORD_TOO_LONG's) */
    ACCOUNT_PRIMARY_ADMIN,   /* 403 ERR_ACTION_PROHIBITED */
    ACCOUNT_NOT_FOUND,       /* 400 ERR_NOT_FOUND */
    ACCOUNT_CLOSED,          /* 403 ERR_ACCESS_PROHIBITED: sign-up closed meanwhile */
    ACCOUNT_BUSY,            /* 503: every bcrypt slot is in use (answer Retry-After: 1) */
    ACCOUNT_FAILED,          /* 500: the database or the hash failed (logged) */
    ACCOUNT_EXTERNAL_TAKEN,  /* 409: the externalId is another account's (provisioning) */
    ACCOUNT_BAD_IMAGE,       /* 400 the profile image check's text */
};
#define ACCOUNT_BAD_ROLE_TEXT "role must be one of pending, user, admin"
#define ACCOUNT_EMPTY_PASSWORD_TEXT "The password must not be empty."

/* What a call did: the refusal (ACCOUNT_OK when none), the HTTP status and text the API
 * answers it with, and for the audit log what changed (names, never values). */
struct account_result {
    enum account_refusal refusal;
    int status;
    const char *reason;
    const char *detail;
};

/* ---- creating -------------------------------------------------------------------------- */

struct account_new {
    const char *email;              /* as given: normalised and checked here */
    const char *name;
    const char *password;           /* never empty */
    const char *profile_image_url;  /* NULL: "/user.png" */
    const char *role;               /* NULL: DEFAULT_USER_ROLE (pending when unset) */
    bool apply_policy;              /* a password a person chose (the machine-made ones of
                                     * the no-auth and trusted-header accounts skip it) */
    bool first_becomes_admin;       /* the first account becomes admin, closing sign-up */
    bool keep_signup_open;          /* ... without closing sign-up (LDAP, as the reference) */
    int gate;                       /* struct new_user's gate (CREATE_ALWAYS, ...) */
    const char *failed_text;        /* the route's 500 text (NULL: ERR_CREATE_USER) */
    const char *oauth;              /* the sign-in link, JSON text ({"oidc": {"sub": ...}});
                                     * NULL: none */
    /* Provisioning (SCIM): */
    bool no_password;               /* password NULL allowed: no password signs in (the
                                     * account uses a sign-in door, or an admin sets one) */
    bool inactive;                  /* made deactivated (accounts_change's active) */
    const char *ext_provider;       /* with external_id: the account's externalId under this
                                     * key of its scim document {"<key>": {"external_id":..}} */
    const char *external_id;
};
/* Creates the account (user and auth rows, the default group) in one transaction. *out
 * (arena) is the stored row. Returns 0, or -1 with r filled (nothing written). */
int accounts_create(struct ctx *c, enum account_door door, const struct account_new *in,
                    struct user **out, struct account_result *r);

/* ---- changing -------------------------------------------------------------------------- */

/* The route forms built from the user field table (user.h), with the form limits and checks
 * of its rows: USER_FORM_PROFILE is /auths/update/profile's, USER_FORM_ADMIN
 * /users/{id}/update's, which has one more field after the columns: "password" (empty or
 * null: unchanged). Filled before main() runs. */
extern struct form accounts_profile_form, accounts_admin_form;
/* The form's columns in c->v order (indexes into user_fields); *n gets how many. */
const size_t *accounts_form_columns(enum user_form form, size_t *n);

/* The name check of every door (the forms' name field and accounts_create): NULL when
 * name[0..len) is acceptable, else the reason. A field_validator (fields.h). */
const char *accounts_name_check(const char *name, size_t len, const void *arg);

/* Applies a parsed form (v in the order of the form above) to target: the profile form
 * writes all its columns (absent optional ones become NULL), the admin form those given.
 * The e-mail, role and password follow the rules above; a role or password change ends
 * target's earlier sessions, except the caller's own after changing only their own
 * password. *out (may be NULL) gets target with the new values (not re-read). */
int accounts_update(struct ctx *c, enum account_door door, const struct user *target,
                    enum user_form form, const struct field_value *v, struct user **out,
                    struct account_result *r);
/* Sets target's role (the primary-admin rule; sessions end). At a sign-in door (trusted
 * header, LDAP, OIDC) the token issued right after stays valid. */
int accounts_set_role(struct ctx *c, enum account_door door, const struct user *target,
                      const char *role, struct account_result *r);
/* Sets target's password (never empty; the policy; the bcrypt gate); target's earlier
 * sessions end, except the caller's own when keep_own_session and the caller is target. */
int accounts_set_password(struct ctx *c, enum account_door door, const struct user *target,
                          const char *password, bool keep_own_session,
                          struct account_result *r);
/* What a provider sign-in (OIDC) changes on a known account: each non-NULL member is
 * written in one update; the e-mail is normalised and checked, and one another account
 * has is left unchanged (logged, r->detail says "email kept"). */
struct account_provider_update {
    const char *oauth;               /* the link, JSON text */
    const char *name;
    const char *email;
    const char *profile_image_url;
};
/* Applies in to target (no revocation: the caller signs in right after). *out (may be
 * NULL) gets target with the new values. Returns 0, or -1 with r filled. */
int accounts_provider_update(struct ctx *c, enum account_door door, const struct user *target,
                             const struct account_provider_update *in, struct user **out,
                             struct account_result *r);
/* Ends every session of target issued before now, on every worker (as a password change
 * does; a token issued a moment later is valid): the OIDC back-channel logout. */
int accounts_end_sessions(struct ctx *c, enum account_door door, const struct user *target,
                          struct account_result *r);
/* A provisioning door's change (SCIM): the members that are not NULL (not KEEP) change,
 * all in one transaction or none. email, name, profile_image_url and password follow the
 * rules above (the profile image through the users API's image check, the password
 * through the policy and bcrypt; it ends the earlier sessions). active: a deactivated
 * account keeps everything (row, role, groups, API key) but signs in by no door, and its
 * earlier tokens and its API key stop working on every worker at once (auth.active and the
 * revocation mark); reactivating lets the password and the API key work again, tokens
 * from before stay refused. The primary admin is never deactivated (ACCOUNT_PRIMARY_ADMIN).
 * ext_provider set: the externalId under that key becomes external_id (NULL: removed), in
 * the scim document and its index (ACCOUNT_EXTERNAL_TAKEN when another account has it).
 * Every call moves the account's version on, even when nothing differs. r->detail: the
 * names of the attributes given (never values). *out (may be NULL): target with the new
 * values (not re-read). */
struct account_change {
    const char *email, *name, *profile_image_url, *password;
    enum { ACCOUNT_ACTIVE_KEEP, ACCOUNT_ACTIVATE, ACCOUNT_DEACTIVATE } active;
    const char *ext_provider;
    const char *external_id;
};
int accounts_change(struct ctx *c, enum account_door door, const struct user *target,
                    const struct account_change *in, struct user **out,
                    struct account_result *r);
/* accounts_change with only active: deactivates (active false) or reactivates target. */
int accounts_set_active(struct ctx *c, enum account_door door, const struct user *target,
                        bool active, struct account_result *r);
/* Deletes target and everything usher keeps about them in one transaction (not the primary
 * admin, not the caller themselves). */
int accounts_delete(struct ctx *c, enum account_door door, const struct user *target,
                    struct account_result *r);

/* ---- outside HTTP ------------------------------------------------------------------------ */

/* A ctx for doors without a request (usherctl, the first start): arena and database only;
 * settings are read from the config table on first use. accounts_local_end releases it. */
void accounts_local_begin(struct ctx *c, struct db *db, struct arena *a);
void accounts_local_end(struct ctx *c);

/* On an empty database, creates the admin named by WEBUI_ADMIN_EMAIL/PASSWORD/NAME (name
 * defaults to "Admin"). Does nothing when they are unset or users exist. Logs the outcome;
 * a bootstrap that cannot happen yet (database down, a bad address or password) is logged
 * once per worker as skipped, with the reason. Returns 0 when nothing remains to be done
 * in this process (unset, users exist, created here or by another worker), -1 while the
 * admin is still owed; the app calls it again before every request until it returns 0
 * (the first call after that returns at once). */
int accounts_bootstrap_from_env(struct db *db);
/* True while WEBUI_ADMIN_EMAIL names an admin that this process has not yet seen created
 * (the last accounts_bootstrap_from_env returned -1). Public account creation (sign-up,
 * trusted-header and no-auth first sign-in) is refused meanwhile, so the first public
 * account cannot take the configured admin's place. No I/O. */
bool accounts_bootstrap_pending(void);

#endif
