/* The route table: every endpoint usher serves. An entry says everything about its
 * endpoint but the code: method, path, who may call it (enforced by auth/session.c), the
 * body form app.c parses into c->v and the target it loads from the path (answering the
 * contract's not-found error). Order does not matter (see router.c). */
#include "config.h"
#include "usher/api.h"
#include "usher/accounts.h"
#include "usher/api_oauth.h"
#include "usher/api_security.h"
#include "usher/router.h"
#include "usher/scim_api.h"

#define AUTHS "/api/v1/auths"
#define GROUPS "/api/v1/groups"
#define USERS "/api/v1/users"

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

    /* OpenID Connect sign-in (api/oauth.c, api/oauth_logout.c; openwebui-oauth.md) */
    R(GET, "/oauth/{provider}/login", PUBLIC, oauth_login),
    R(GET, "/oauth/{provider}/callback", PUBLIC, oauth_callback),
    R(GET, "/oauth/{provider}/login/callback", PUBLIC, oauth_callback),
    R(POST, "/oauth/backchannel-logout", PUBLIC, oauth_backchannel_logout),
    R(GET, "/health/db", PUBLIC, health_db_get),

    R(GET, AUTHS "/", ANY, auths_session_user),
    F(POST, AUTHS "/signin", PUBLIC, auths_signin, auths_signin_form),
    F(POST, AUTHS "/signup", PUBLIC, auths_signup, auths_signup_form),
    /* v0.11.0 signs out with POST; the 0.8 GET is kept, as the contract allows. */
    R(POST, AUTHS "/signout", PUBLIC, auths_signout),
    R(GET, AUTHS "/signout", PUBLIC, auths_signout),
    F(POST, AUTHS "/update/profile", VERIFIED, auths_update_profile, accounts_profile_form),
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
    R(POST, AUTHS "/oauth/{provider}/token/exchange", PUBLIC, oauth_token_exchange),
    /* usher's account security (api/mfa.c; usher-account-security.md) */
    R(GET, AUTHS "/mfa", ANY, mfa_status),
    F(POST, AUTHS "/mfa/totp/enroll", ANY, mfa_enroll, mfa_password_form),
    F(POST, AUTHS "/mfa/totp/confirm", ANY, mfa_confirm, mfa_code_form),
    F(POST, AUTHS "/mfa/disable", ANY, mfa_disable, mfa_disable_form),
    F(POST, AUTHS "/mfa/recovery_codes/regenerate", ANY, mfa_regenerate, mfa_password_form),
    F(POST, AUTHS "/signin/mfa", PUBLIC, mfa_signin, mfa_signin_form),
    T(GET, USERS "/{user_id}/mfa", ADMIN, mfa_admin_status, TARGET_USER),
    T(DELETE, USERS "/{user_id}/mfa", ADMIN, mfa_admin_reset, TARGET_USER),
    T(POST, USERS "/{user_id}/unlock", ADMIN, security_admin_unlock, TARGET_USER),
    R(GET, AUTHS "/api_keys", ANY, api_keys_list),
    F(POST, AUTHS "/api_keys", ANY, api_keys_create, api_key_create_form),
    R(DELETE, AUTHS "/api_keys/{id}", ANY, api_keys_delete),
    T(GET, USERS "/{user_id}/api_keys", ADMIN, api_keys_admin_list, TARGET_USER),
    T(DELETE, USERS "/{user_id}/api_keys/{id}", ADMIN, api_keys_admin_delete, TARGET_USER),
    R(GET, AUTHS "/sessions", ANY, sessions_list),
    R(DELETE, AUTHS "/sessions/{id}", ANY, sessions_revoke),
    R(POST, AUTHS "/sessions/revoke_others", ANY, sessions_revoke_others),
    T(GET, USERS "/{user_id}/sessions", ADMIN, sessions_admin_list, TARGET_USER),
    T(DELETE, USERS "/{user_id}/sessions", ADMIN, sessions_admin_revoke_all, TARGET_USER),

    /* users (api/users.c, api/users_self.c); literal paths beat /{user_id} (router.c) */
    R(GET, USERS "/", ADMIN, users_list),
    R(GET, USERS "/all", ADMIN, users_all),
    R(GET, USERS "/search", VERIFIED, users_search),
    R(GET, USERS "/groups", VERIFIED, users_my_groups),
    R(GET, USERS "/user/settings", VERIFIED, users_settings_get),
    F(POST, USERS "/user/settings/update", VERIFIED, users_settings_update, users_settings_form),
    R(GET, USERS "/user/status", VERIFIED, users_status_get),
    F(POST, USERS "/user/status/update", VERIFIED, users_status_update, users_status_form),
    R(GET, USERS "/user/info", VERIFIED, users_info_get),
    R(POST, USERS "/user/info/update", VERIFIED, users_info_update),
    R(GET, USERS "/user/variables", VERIFIED, users_variables_get),
    F(POST, USERS "/user/variables/update", VERIFIED, users_variables_update,
      users_variables_form),
    R(GET, USERS "/usage", VERIFIED, users_usage),
    T(GET, USERS "/{user_id}", ADMIN, users_get_by_id, TARGET_USER_GROUPS),
    T(GET, USERS "/{user_id}/info", VERIFIED, users_info_by_id, TARGET_USER_GROUPS),
    T(GET, USERS "/{user_id}/oauth/sessions", ADMIN, users_oauth_sessions_by_id, TARGET_USER),
    T(GET, USERS "/{user_id}/profile/image", VERIFIED, users_profile_image, TARGET_USER),
    R(GET, USERS "/{user_id}/active", VERIFIED, users_active_by_id),
    FT(POST, USERS "/{user_id}/update", ADMIN, users_update_by_id, accounts_admin_form,
       TARGET_USER),
    T(DELETE, USERS "/{user_id}", ADMIN, users_delete_by_id, TARGET_USER),
    R(GET, USERS "/{user_id}/groups", ADMIN, users_groups_by_id),

    /* groups (api/groups.c, api/previews.c) */
    R(GET, GROUPS "/", VERIFIED, groups_list),
    F(POST, GROUPS "/create", ADMIN, groups_create, groups_form),
    T(GET, GROUPS "/id/{id}", ADMIN, groups_get, TARGET_GROUP),
    T(GET, GROUPS "/id/{id}/info", VERIFIED, groups_info, TARGET_GROUP),
    T(GET, GROUPS "/id/{id}/export", ADMIN, groups_export, TARGET_GROUP),
    R(POST, GROUPS "/id/{id}/users", ADMIN, groups_members),
    F(POST, GROUPS "/id/{id}/update", ADMIN, groups_update, groups_form),
    F(POST, GROUPS "/id/{id}/users/add", ADMIN, groups_add_users, groups_user_ids_form),
    F(POST, GROUPS "/id/{id}/users/remove", ADMIN, groups_remove_users, groups_user_ids_form),
    R(DELETE, GROUPS "/id/{id}/delete", ADMIN, groups_delete),
    T(GET, GROUPS "/id/{id}/preview", ADMIN, groups_preview, TARGET_GROUP_404),

    /* permissions (api/permissions.c) and the user preview (api/previews.c) */
    R(GET, USERS "/permissions", VERIFIED, users_permissions),
    R(GET, USERS "/default/permissions", ADMIN, users_default_permissions_get),
    R(POST, USERS "/default/permissions", ADMIN, users_default_permissions_post),
    R(GET, USERS "/default/permissions/defaults", ADMIN, users_default_permissions_compiled),
    T(GET, USERS "/{user_id}/preview", ADMIN, users_preview, TARGET_USER_GROUPS_404),
};

const size_t usher_routes_count = sizeof(usher_routes) / sizeof(usher_routes[0]);

/* SCIM 2.0 (api/scim_*.c, scim_api.h): mounted at SCIM_PREFIX by app.c only when SCIM is
 * on (else every path below it is the ordinary 404, as no route of the table above is
 * there). Patterns are relative to the prefix; PUBLIC: discovery, answered without the
 * token; ADMIN here means "the SCIM token", never a user's credential. A path without a
 * route is a SCIM 404, never a slash redirect. */
#define PUT HTTP_PUT
#define PATCH HTTP_PATCH
#define SCIM_TOKEN_ONLY ACCESS_ADMIN
const struct route scim_routes[] = {
    R(GET, "/ServiceProviderConfig", PUBLIC, scim_sp_config_get),
    R(GET, "/ResourceTypes", PUBLIC, scim_resource_types_get),
    R(GET, "/ResourceTypes/{id}", PUBLIC, scim_resource_type_get),
    R(GET, "/Schemas", PUBLIC, scim_schemas_get),
    R(GET, "/Schemas/{id}", PUBLIC, scim_schema_get),
    R(GET, "/Users", SCIM_TOKEN_ONLY, scim_users_list),
    R(POST, "/Users", SCIM_TOKEN_ONLY, scim_user_create),
    R(GET, "/Users/{id}", SCIM_TOKEN_ONLY, scim_user_get),
    R(PUT, "/Users/{id}", SCIM_TOKEN_ONLY, scim_user_replace),
    R(PATCH, "/Users/{id}", SCIM_TOKEN_ONLY, scim_user_patch),
    R(DELETE, "/Users/{id}", SCIM_TOKEN_ONLY, scim_user_delete),
    R(GET, "/Groups", SCIM_TOKEN_ONLY, scim_groups_list),
    R(POST, "/Groups", SCIM_TOKEN_ONLY, scim_group_create),
    R(GET, "/Groups/{id}", SCIM_TOKEN_ONLY, scim_group_get),
    R(PUT, "/Groups/{id}", SCIM_TOKEN_ONLY, scim_group_replace),
    R(PATCH, "/Groups/{id}", SCIM_TOKEN_ONLY, scim_group_patch),
    R(DELETE, "/Groups/{id}", SCIM_TOKEN_ONLY, scim_group_delete),
    R(POST, "/Bulk", SCIM_TOKEN_ONLY, scim_not_implemented),
    R(GET, "/Me", SCIM_TOKEN_ONLY, scim_not_implemented),
};

const size_t scim_routes_count = sizeof(scim_routes) / sizeof(scim_routes[0]);
