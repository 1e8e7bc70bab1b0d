#ifndef USHER_API_SECURITY_H
#define USHER_API_SECURITY_H
/* usher's account-security routes (usher-account-security.md): two-factor sign-in
 * (api/mfa.c), the admin unlock. Handlers as in api.h; forms for the route table. */
#include <stdbool.h>
#include "usher/router.h"

struct ctx;
struct user;

extern const struct form mfa_password_form, mfa_code_form, mfa_disable_form,
    mfa_signin_form, api_key_create_form;

void mfa_status(struct ctx *c);              /* GET  /auths/mfa */
void mfa_enroll(struct ctx *c);              /* POST /auths/mfa/totp/enroll */
void mfa_confirm(struct ctx *c);             /* POST /auths/mfa/totp/confirm */
void mfa_disable(struct ctx *c);             /* POST /auths/mfa/disable */
void mfa_regenerate(struct ctx *c);          /* POST /auths/mfa/recovery_codes/regenerate */
void mfa_signin(struct ctx *c);              /* POST /auths/signin/mfa (public) */
void mfa_admin_status(struct ctx *c);        /* GET    /users/{user_id}/mfa */
void mfa_admin_reset(struct ctx *c);         /* DELETE /users/{user_id}/mfa */
void security_admin_unlock(struct ctx *c);   /* POST   /users/{user_id}/unlock */
void sessions_list(struct ctx *c);           /* GET    /auths/sessions */
void sessions_revoke(struct ctx *c);         /* DELETE /auths/sessions/{id} */
void sessions_revoke_others(struct ctx *c);  /* POST   /auths/sessions/revoke_others */
void sessions_admin_list(struct ctx *c);     /* GET    /users/{user_id}/sessions */
void sessions_admin_revoke_all(struct ctx *c); /* DELETE /users/{user_id}/sessions */

void api_keys_list(struct ctx *c);           /* GET    /auths/api_keys */
void api_keys_create(struct ctx *c);         /* POST   /auths/api_keys */
void api_keys_delete(struct ctx *c);         /* DELETE /auths/api_keys/{id} */
void api_keys_admin_list(struct ctx *c);     /* GET    /users/{user_id}/api_keys */
void api_keys_admin_delete(struct ctx *c);   /* DELETE /users/{user_id}/api_keys/{id} */
/* api_key.max_per_user for user_id: 0 when one more key may be made (for_default: the
 * default key is being made or replaced, and a replacement never counts), else answers
 * 400 API_KEY_LIMIT (or 500) and returns -1. */
int api_key_limit_reached(struct ctx *c, const char *user_id, bool for_default);

/* The self routes take a session token only: for an API-key caller answers 403
 * SESSION_REQUIRED and returns -1; else 0. */
int api_require_session(struct ctx *c);

/* Records the session row of token, just issued (stamped issued_ms; 0: now) to the caller
 * of c: its jti, times, client address (the audit trail's), User-Agent and how it began
 * (from the route: password, signup, add, trusted_header, no_auth; mfa after a second
 * step). A failure is logged; the token still works (as one without a row). */
void sessions_record(struct ctx *c, const char *token, long long issued_ms);
struct db_session;
/* The live sessions of user_id (db_session_list); answers 500 and returns -1 on error. */
int sessions_live(struct ctx *c, const char *user_id, struct db_session **rows, size_t *n);
/* Ends the live session id of user_id: 0, or answers 404 SESSION_NOT_FOUND (unknown, ended
 * or another user's) or 500 and returns -1. */
int sessions_revoke_one(struct ctx *c, const char *user_id, const char *id);

/* After the right password of u (sign-in's first step, read_ms: when the credentials were
 * read): when u has two-factor on, answers the 401 with a new mfa_token and returns true;
 * returns false when the sign-in may complete (or answers 500 and returns true). */
bool mfa_signin_intercept(struct ctx *c, const struct user *u, long long read_ms);

/* The answer of a completed sign-in (auths.c): SessionUser, the token cookie and the CSRF
 * cookie, the token stamped as issued at issued_ms (0: now). */
void auths_answer_session(struct ctx *c, const struct user *u, long long issued_ms);

#endif
