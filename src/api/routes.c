/* The route table: every endpoint usher serves. An entry says everything about its
 * endpoint but the code: method, path, who may call it (enforced by auth/session.c), the
 * body form app.c parses into c->v and the target it loads from the path (answering the
 * contract's not-found error). Order does not matter (see router.c). */
#include "config.h"
#include "usher/api.h"
#include "usher/router.h"

#define AUTHS "/api/v1/auths"

#define GET HTTP_GET
#define POST HTTP_POST
#define DELETE HTTP_DELETE
#define PUBLIC ACCESS_PUBLIC
#define ANY ACCESS_ANY
#define VERIFIED ACCESS_VERIFIED
#define ADMIN ACCESS_ADMIN

/* R: a route; F: that parses a form; T: that loads a target; FT: both. */
#define R(m, p, a, h) { .method = m, .pattern = p, .access = a, .handler = h }
#define F(m, p, a, h, f) { .method = m, .pattern = p, .access = a, .handler = h, .form = &f }
#define T(m, p, a, h, t) { .method = m, .pattern = p, .access = a, .handler = h, .target = t }
#define FT(m, p, a, h, f, t) \
    { .method = m, .pattern = p, .access = a, .handler = h, .form = &f, .target = t }

const struct route usher_routes[] = {
    R(GET, "/health", PUBLIC, health_get),
    R(GET, "/health/db", PUBLIC, health_db_get),

    R(GET, AUTHS "/", ANY, auths_session_user),
    F(POST, AUTHS "/signin", PUBLIC, auths_signin, auths_signin_form),
    F(POST, AUTHS "/signup", PUBLIC, auths_signup, auths_signup_form),
    /* v0.11.0 signs out with POST; the 0.8 GET is kept, as the contract allows. */
    R(POST, AUTHS "/signout", PUBLIC, auths_signout),
    R(GET, AUTHS "/signout", PUBLIC, auths_signout),
    F(POST, AUTHS "/update/profile", VERIFIED, auths_update_profile, auths_profile_form),
    F(POST, AUTHS "/update/timezone", ANY, auths_update_timezone, auths_timezone_form),
    F(POST, AUTHS "/update/password", ANY, auths_update_password, auths_password_form),
    F(POST, AUTHS "/ldap", PUBLIC, auths_ldap_signin, auths_ldap_form),
    F(POST, AUTHS "/add", ADMIN, auths_add_user, auths_add_form),
    R(GET, AUTHS "/admin/details", ANY, auths_admin_details),
    R(GET, AUTHS "/admin/config", ADMIN, auths_admin_config_get),
    R(POST, AUTHS "/admin/config", ADMIN, auths_admin_config_post),
    R(GET, AUTHS "/admin/config/ldap", ADMIN, auths_ldap_config_get),
    F(POST, AUTHS "/admin/config/ldap", ADMIN, auths_ldap_config_post, auths_ldap_config_form),
    R(GET, AUTHS "/admin/config/ldap/server", ADMIN, auths_ldap_server_get),
    F(POST, AUTHS "/admin/config/ldap/server", ADMIN, auths_ldap_server_post, auths_ldap_server_form),
    R(GET, AUTHS "/admin/config/oauth", ADMIN, auths_oauth_config_get),
    R(POST, AUTHS "/admin/config/oauth", ADMIN, auths_oauth_config_post),
    R(POST, AUTHS "/api_key", ANY, auths_api_key_create),
    R(GET, AUTHS "/api_key", ANY, auths_api_key_get),
    R(DELETE, AUTHS "/api_key", ANY, auths_api_key_delete),
    R(DELETE, AUTHS "/oauth/sessions/{provider:path}", VERIFIED, auths_oauth_session_delete),
    R(POST, AUTHS "/oauth/{provider}/token/exchange", PUBLIC, auths_token_exchange),
};

const size_t usher_routes_count = sizeof(usher_routes) / sizeof(usher_routes[0]);
