#ifndef USHER_API_SECURITY_H
#define USHER_API_SECURITY_H
/* usher's account-security routes (usher-account-security.md): two-factor sign-in
 * (api/mfa.c), the admin unlock. Handlers as in api.h; forms for the route table. */
#include <stdbool.h>
#include "usher/router.h"

struct ctx;
struct user;

extern const struct form mfa_password_form, mfa_code_form, mfa_disable_form,
    mfa_signin_form;

void mfa_status(struct ctx *c);              /* GET  /auths/mfa */
void mfa_enroll(struct ctx *c);              /* POST /auths/mfa/totp/enroll */
void mfa_confirm(struct ctx *c);             /* POST /auths/mfa/totp/confirm */
void mfa_disable(struct ctx *c);             /* POST /auths/mfa/disable */
void mfa_regenerate(struct ctx *c);          /* POST /auths/mfa/recovery_codes/regenerate */
void mfa_signin(struct ctx *c);              /* POST /auths/signin/mfa (public) */
void mfa_admin_status(struct ctx *c);        /* GET    /users/{user_id}/mfa */
void mfa_admin_reset(struct ctx *c);         /* DELETE /users/{user_id}/mfa */
void security_admin_unlock(struct ctx *c);   /* POST   /users/{user_id}/unlock */

/* After the right password of u (sign-in's first step, read_ms: when the credentials were
 * read): when u has two-factor on, answers the 401 with a new mfa_token and returns true;
 * returns false when the sign-in may complete (or answers 500 and returns true). */
bool mfa_signin_intercept(struct ctx *c, const struct user *u, long long read_ms);

/* The answer of a completed sign-in (auths.c): SessionUser, the token cookie and the CSRF
 * cookie, the token stamped as issued at issued_ms (0: now). */
void auths_answer_session(struct ctx *c, const struct user *u, long long issued_ms);

#endif
