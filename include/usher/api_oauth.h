#ifndef USHER_API_OAUTH_H
#define USHER_API_OAUTH_H
/* Sign-in through the OpenID Connect provider `oidc` (openwebui-oauth.md), the HTTP half:
 * the login redirect and the callback (api/oauth.c), the account a callback signs in
 * (api/oauth_account.c), the back-channel logout, token exchange and the OIDC part of
 * sign-out (api/oauth_logout.c). The provider half is oidc.h. */
#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

struct ctx;
struct user;
struct oidc_settings;

/* GET /oauth/{provider}/login: 302 to the provider (404 for any provider but an active
 * `oidc`). */
void oauth_login(struct ctx *c);
/* GET /oauth/{provider}/callback and /oauth/{provider}/login/callback: 307 to <base>/auth
 * (or the pages' next) with the token cookie, or to <base>/auth?error=<text>. */
void oauth_callback(struct ctx *c);
/* POST /oauth/backchannel-logout (§11). */
void oauth_backchannel_logout(struct ctx *c);
/* POST /api/v1/auths/oauth/{provider}/token/exchange (§10). */
void oauth_token_exchange(struct ctx *c);
/* Sign-out's OIDC part (§9), for a request that carries oauth_session_id: the
 * redirect_url to answer (arena), NULL when there is none; *failed when the discovery
 * document could not be fetched (the caller answers 500). */
const char *oauth_signout_redirect(struct ctx *c, bool *failed);

/* The account of verified claims (§4 steps 3-8, §5, §7; groups §6 after): *out the user
 * to sign in, or NULL with *error the redirect's text. access_token for the picture. */
void oauth_account_from_claims(struct ctx *c, const struct oidc_settings *s,
                               struct json_object *claims, const char *access_token,
                               long long deadline_ms, struct user **out, const char **error);
/* The group sync of §6 for u (ENABLE_OAUTH_GROUP_MANAGEMENT); failures are logged. */
void oauth_sync_groups(struct ctx *c, const struct oidc_settings *s, const struct user *u,
                       struct json_object *claims);
/* The key that seals oauth_session tokens: OAUTH_SESSION_TOKEN_ENCRYPTION_KEY, else the
 * server secret. */
const unsigned char *oauth_seal_key(size_t *len);
#define OAUTH_SEAL_INFO "usher oauth_session token v1"

#endif
