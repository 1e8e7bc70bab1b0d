#ifndef USHER_SESSION_H
#define USHER_SESSION_H
/* Who is calling: the one module every route goes through. Reads the credential
 * (Authorization: Bearer, then the token cookie, then the x-api-key header; or the trusted
 * e-mail header), verifies it (JWT HS256 with revocation, or an sk- API key), loads the
 * caller's user row and enforces the route's access level with the contract's codes. */
#include <stdbool.h>
#include "usher/jwt.h"
#include "usher/router.h"

struct ctx;
struct user;

enum credential_kind { CRED_NONE, CRED_JWT, CRED_API_KEY };

struct session {
    struct user *user;            /* the caller, from the database, without its info,
                                   * settings, oauth and scim (db_callers.h) */
    enum credential_kind kind;
    const char *token;            /* the credential as presented (arena) */
    bool from_cookie;             /* it came in the token cookie (a browser session) */
    struct jwt_claims claims;     /* for CRED_JWT */
    /* The caller's groups, read with the caller's row (db_callers.h), newest updated
     * first: ids and permission texts (arena), and the groups' version (NULL: none). */
    size_t ngroups;
    const char *const *group_ids;
    const char *const *group_perm_texts;
    const char *groups_version;
    const char *resources_version;    /* the registries' and grants' (db_previews.h) */
    /* Those texts parsed, made when a permission is first asked (json array, owned;
     * released by session_release). */
    struct json_object *group_permissions;
    /* The route's {user_id} read with the caller (GET routes with a user target): for
     * load_target's first attempt, which takes it once (app.c). */
    bool target_read;
    const char *target_id;
    struct user *target;              /* NULL: no such user */
    const char *target_group_ids;     /* comma-separated; NULL: none (or not asked) */
};

/* Authenticates c->req for a route of the given access level. Returns 0 when the handler may
 * run (c->session set, or NULL for an anonymous caller on a public route); otherwise fills
 * c->res with the error (401/403/500) and returns -1. */
int session_authenticate(struct ctx *c, enum access access);

/* Issues a session token for user_id with the configured expiry (JWT_EXPIRES_IN). Fills
 * *expires_at (0 when the token does not expire). Returns an arena string or NULL. */
const char *session_issue_token(struct ctx *c, const char *user_id, long long *expires_at);
/* The same, stamped as issued at issued_ms (epoch ms; 0 = now): its jti's time and iat.
 * Sign-in passes the time taken before it read the credentials, so a password change
 * committed after that read revokes the token, however long bcrypt took. */
const char *session_issue_token_at(struct ctx *c, const char *user_id, long long issued_ms,
                                   long long *expires_at);
/* Sets the token cookie (HttpOnly, SameSite from the environment, Secure as
 * session_cookie_secure says, Expires/Max-Age from expires_at). */
void session_set_cookie(struct ctx *c, const char *token, long long expires_at);
/* Whether a cookie usher sets now carries Secure: WEBUI_AUTH_COOKIE_SECURE, or the request
 * came over HTTPS (request_is_https with the configured trusted_proxies). Every cookie with
 * a value (token, csrf_token, usher_form) asks this. */
bool session_cookie_secure(const struct ctx *c);

/* has_permission (§4.2) for user u: its groups' trees over the stored defaults. */
bool session_has_permission(struct ctx *c, const struct user *u, const char *path);
/* The effective permission tree of user u (§4.2), a new object, for answers: it may be a
 * value that only prints as the tree (see preserialized in session.c), so read permissions
 * with session_has_permission, not from it. For the caller no query is needed: its groups
 * came with the session. */
struct json_object *session_effective_permissions(struct ctx *c, const struct user *u);
/* Releases what the session holds outside the arena. */
void session_release(struct ctx *c);
/* Wall clock in milliseconds (for revocation marks: now + 1 invalidates every earlier token). */
long long session_now_ms(void);

#endif
