/* The route table: every endpoint usher serves, with the access level the session module
 * enforces before the handler runs. Order does not matter (see router.c). */
#include "config.h"
#include "usher/api.h"
#include "usher/router.h"

#define AUTHS "/api/v1/auths"

const struct route usher_routes[] = {
    { "GET",    "/health",                         ACCESS_PUBLIC,   health_get },
    { "GET",    "/health/db",                      ACCESS_PUBLIC,   health_db_get },

    { "GET",    AUTHS "/",                         ACCESS_ANY,      auths_session_user },
    { "POST",   AUTHS "/signin",                   ACCESS_PUBLIC,   auths_signin },
    { "POST",   AUTHS "/signup",                   ACCESS_PUBLIC,   auths_signup },
    /* v0.11.0 signs out with POST; the 0.8 GET is kept, as the contract allows. */
    { "POST",   AUTHS "/signout",                  ACCESS_PUBLIC,   auths_signout },
    { "GET",    AUTHS "/signout",                  ACCESS_PUBLIC,   auths_signout },
    { "POST",   AUTHS "/update/profile",           ACCESS_VERIFIED, auths_update_profile },
    { "POST",   AUTHS "/update/timezone",          ACCESS_ANY,      auths_update_timezone },
    { "POST",   AUTHS "/update/password",          ACCESS_ANY,      auths_update_password },
    { "POST",   AUTHS "/ldap",                     ACCESS_PUBLIC,   auths_ldap_signin },
    { "POST",   AUTHS "/add",                      ACCESS_ADMIN,    auths_add_user },
    { "GET",    AUTHS "/admin/details",            ACCESS_ANY,      auths_admin_details },
    { "GET",    AUTHS "/admin/config",             ACCESS_ADMIN,    auths_admin_config_get },
    { "POST",   AUTHS "/admin/config",             ACCESS_ADMIN,    auths_admin_config_post },
    { "GET",    AUTHS "/admin/config/ldap",        ACCESS_ADMIN,    auths_ldap_config_get },
    { "POST",   AUTHS "/admin/config/ldap",        ACCESS_ADMIN,    auths_ldap_config_post },
    { "GET",    AUTHS "/admin/config/ldap/server", ACCESS_ADMIN,    auths_ldap_server_get },
    { "POST",   AUTHS "/admin/config/ldap/server", ACCESS_ADMIN,    auths_ldap_server_post },
    { "GET",    AUTHS "/admin/config/oauth",       ACCESS_ADMIN,    auths_oauth_config_get },
    { "POST",   AUTHS "/admin/config/oauth",       ACCESS_ADMIN,    auths_oauth_config_post },
    { "POST",   AUTHS "/api_key",                  ACCESS_ANY,      auths_api_key_create },
    { "GET",    AUTHS "/api_key",                  ACCESS_ANY,      auths_api_key_get },
    { "DELETE", AUTHS "/api_key",                  ACCESS_ANY,      auths_api_key_delete },
    { "DELETE", AUTHS "/oauth/sessions/{provider:path}", ACCESS_VERIFIED, auths_oauth_session_delete },
    { "POST",   AUTHS "/oauth/{provider}/token/exchange", ACCESS_PUBLIC, auths_token_exchange },
};

const size_t usher_routes_count = sizeof(usher_routes) / sizeof(usher_routes[0]);
