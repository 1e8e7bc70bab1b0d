#ifndef USHER_OIDC_H
#define USHER_OIDC_H
/* The OpenID Connect provider `oidc` (openwebui-oauth.md): its settings (oidc_settings.c)
 * and the conversation with it (oidc.c): discovery and JWKS (cached per worker), the
 * authorization URL, the code exchange, the ID token's verification (jws.h), userinfo and
 * the picture. Every request to the provider goes through webfetch.h and ends at the
 * deadline the caller passes (OAUTH_TIMEOUT from the start of the usher request). */
#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

struct ctx;
struct arena;

/* The effective settings: the stored OAUTH_CONFIG member (the admin route), else the
 * environment variable of the same name, else Open WebUI's default. Strings are never NULL
 * ("" when unset). */
struct oidc_settings {
    bool enable, signup, merge_by_email, auto_redirect;
    const char *client_id, *client_secret, *provider_url, *redirect_uri, *scopes;
    const char *provider_name, *code_challenge_method, *token_auth_method;
    const char *end_session_endpoint, *audience, *authorize_params;
    long timeout;                  /* OAUTH_TIMEOUT seconds (10) */
    const char *sub_claim, *email_claim, *username_claim, *picture_claim;
    const char *allowed_domains;   /* comma list */
    bool role_management;
    const char *roles_claim, *allowed_roles, *admin_roles, *roles_separator;
    bool group_management, group_creation;
    const char *group_claim, *groups_separator;
    const char *blocked_groups;    /* a JSON list, as text */
    const char *group_default_share;   /* "true", "false" or "members" */
    bool update_name, update_email, update_picture;
    long max_sessions;             /* OAUTH_MAX_SESSIONS_PER_USER (10) */
    bool email_fallback, local_web_fetch, token_exchange, backchannel_logout;
    bool configured;               /* client id, provider URL, and a secret or PKCE */
};
/* Resolves the settings for this request (reads the config table once per request). */
void oidc_settings_resolve(struct ctx *c, struct oidc_settings *s);
/* The §1.5 fields with their effective values, a new object (the admin GET). */
struct json_object *oidc_settings_json(struct ctx *c);
/* Whether key is one of the §1.5 fields the admin POST stores. */
bool oidc_settings_is_field(const char *key);
/* Whether key is one of the three list fields (comma strings on the wire, lists stored). */
bool oidc_settings_is_list(const char *key);
/* Whether OAuth sign-in through `oidc` is on: enabled and configured. */
bool oidc_active(const struct oidc_settings *s);

/* ---- the provider --------------------------------------------------------------------- */

enum oidc_status {
    OIDC_OK,
    OIDC_UNREACHABLE,     /* the provider did not answer in time (or at all) */
    OIDC_INVALID,         /* an answer that is malformed, oversized, refused, or a token that
                           * does not verify: INVALID_CRED */
};

/* The discovery document's parts usher uses (arena copies; "" when absent). */
struct oidc_meta {
    const char *issuer, *authorization_endpoint, *token_endpoint, *userinfo_endpoint;
    const char *jwks_uri, *end_session_endpoint;
};

/* Loads the discovery document of s (cached per worker for an hour, per provider URL).
 * Logs why on failure. */
enum oidc_status oidc_discover(struct ctx *c, const struct oidc_settings *s,
                               long long deadline_ms, struct oidc_meta *m);
/* The provider's requests made by this worker so far (for the figures and tests). */
unsigned long oidc_requests_made(void);

/* Exchanges code for the token answer (*answer: a new object; *raw: its text in the arena)
 * with the configured client authentication and the PKCE verifier. */
enum oidc_status oidc_exchange_code(struct ctx *c, const struct oidc_settings *s,
                                    const struct oidc_meta *m, const char *code,
                                    const char *verifier, const char *redirect_uri,
                                    long long deadline_ms, struct json_object **answer);
/* Verifies token (an ID token or, with logout, a logout token) against the provider's JWKS
 * (cached; an unknown kid refetches it once, at most every 30 s per worker), issuer, client
 * id, and nonce (NULL: not checked). *claims: a new object on OIDC_OK. Logs why not. */
enum oidc_status oidc_verify_token(struct ctx *c, const struct oidc_settings *s,
                                   const struct oidc_meta *m, const char *token,
                                   const char *nonce, bool logout, long long deadline_ms,
                                   struct json_object **claims);
/* Calls the userinfo endpoint with access_token: *claims a new object on OIDC_OK. */
enum oidc_status oidc_userinfo(struct ctx *c, const struct oidc_meta *m,
                               const char *access_token, long long deadline_ms,
                               struct json_object **claims);
/* The picture at url as a data: URL (PNG, JPEG, GIF or WebP, at most the image limit),
 * or "/user.png" for anything else (SVG, too large, a non-global address without
 * ENABLE_LOCAL_WEB_FETCH, an error). Arena. */
const char *oidc_picture(struct ctx *c, const struct oidc_settings *s, const char *url,
                         const char *access_token, long long deadline_ms);

/* ---- helpers (no I/O) ------------------------------------------------------------------ */

/* The member at a dotted path (a.b.c) of claims, borrowed, or NULL. */
struct json_object *oidc_claim(struct json_object *claims, const char *path);
/* A random alphanumeric string of n characters (n*5.95 bits) into out (n + 1 bytes).
 * Returns 0 or -1 when the random generator fails. */
int oidc_random_token(char *out, size_t n);
/* The S256 challenge of verifier (base64url of its SHA-256) into out (44 bytes). */
void oidc_s256(const char *verifier, char out[44]);
/* Whether next is a local path under prefix (the pages prefix, "/usher/"), not //host, /\host or
 * a URL with a scheme. */
bool oidc_next_ok(const char *next, const char *prefix);
/* The account's oauth JSON with the link {"oidc": {"sub": sub}} set, keeping the links of
 * other providers in existing (JSON text or NULL). Arena. */
const char *oidc_link_json(struct arena *a, const char *existing, const char *sub);
/* Whether pattern (a blocked-group entry) blocks name: the exact name, a shell pattern, or
 * (when it holds one of ^$[](){}+\|) a regular expression. */
bool oidc_group_blocked(const char *blocked_json, const char *name);

#endif
