/* The page routes: paths below pages.prefix (app.c strips it), in the same form as the
 * API's table (api/routes.c): method, pattern, access (enforced before the handler; a
 * caller with no session asking for a page is sent to the sign-in page by pages_finish),
 * the target loaded from the path, and the form of the API handler a post stands for
 * (parsed once by app.c; page.h's adapter hands the values to that handler). */
#include "config.h"
#include "usher/pages.h"
#include "usher/accounts.h"
#include "usher/api.h"
#include "usher/api_security.h"
#include "usher/page.h"
#include "usher/router.h"

#define GET HTTP_GET
#define POST HTTP_POST
#define PUBLIC ACCESS_PUBLIC
#define ANY ACCESS_ANY
#define VERIFIED ACCESS_VERIFIED
#define ADMIN ACCESS_ADMIN

#define R(m, p, a, h) { .method = m, .pattern = p, .access = a, .handler = h }
#define T(m, p, a, h, t) { .method = m, .pattern = p, .access = a, .handler = h, .target = t }
/* A post whose body is the form of the API handler the page stands for: app.c parses it
 * once (its 422 is shown by the page, next to its form). */
#define F(m, p, a, h, f) { .method = m, .pattern = p, .access = a, .handler = h, .form = &f }
#define FT(m, p, a, h, f, t) \
    { .method = m, .pattern = p, .access = a, .handler = h, .form = &f, .target = t }

const struct route pages_routes[] = {
    R(GET, "/", PUBLIC, page_home),
    R(GET, "/style.css", PUBLIC, page_style),

    /* pages/login.c */
    R(GET, "/login", PUBLIC, page_login_get),
    F(POST, "/login", PUBLIC, page_login_post, auths_signin_form),
    F(POST, "/login/mfa", PUBLIC, page_login_mfa, mfa_signin_form),
    R(GET, "/signup", PUBLIC, page_signup_get),
    F(POST, "/signup", PUBLIC, page_signup_post, auths_signup_form),
    R(POST, "/logout", PUBLIC, page_logout),

    /* pages/account.c, pages/apikey.c */
    R(GET, "/account", ANY, page_account_get),
    F(POST, "/account", VERIFIED, page_account_profile, accounts_profile_form),
    F(POST, "/account/timezone", ANY, page_account_timezone, auths_timezone_form),
    F(POST, "/account/password", ANY, page_account_password, auths_password_form),
    R(GET, "/account/api-key", ANY, page_apikey_get),
    R(POST, "/account/api-key", ANY, page_apikey_create),
    R(POST, "/account/api-key/delete", ANY, page_apikey_delete),

    /* pages/security.c */
    R(GET, "/account/security", ANY, page_security_get),
    R(POST, "/account/security/mfa/enroll", ANY, page_security_enroll),
    R(POST, "/account/security/mfa/confirm", ANY, page_security_confirm),
    R(POST, "/account/security/mfa/regenerate", ANY, page_security_regenerate),
    R(POST, "/account/security/mfa/disable", ANY, page_security_disable),
    R(POST, "/account/security/sessions/{id}/revoke", ANY, page_security_revoke),
    R(POST, "/account/security/sessions/revoke_others", ANY, page_security_revoke_others),
    R(POST, "/account/security/api-keys", ANY, page_security_key_create),
    R(POST, "/account/security/api-keys/{id}/delete", ANY, page_security_key_delete),

    /* pages/admin_users.c */
    R(GET, "/admin/users", ADMIN, page_users_get),
    F(POST, "/admin/users", ADMIN, page_users_add, auths_add_form),
    T(GET, "/admin/users/{user_id}", ADMIN, page_user_get, TARGET_USER_404),
    FT(POST, "/admin/users/{user_id}", ADMIN, page_user_update, accounts_admin_form,
       TARGET_USER_404),
    T(GET, "/admin/users/{user_id}/delete", ADMIN, page_user_delete_get, TARGET_USER_404),
    T(POST, "/admin/users/{user_id}/mfa/reset", ADMIN, page_user_mfa_reset, TARGET_USER_404),
    T(POST, "/admin/users/{user_id}/unlock", ADMIN, page_user_unlock, TARGET_USER_404),
    T(POST, "/admin/users/{user_id}/sessions/revoke", ADMIN, page_user_sessions_revoke,
      TARGET_USER_404),
    T(POST, "/admin/users/{user_id}/delete", ADMIN, page_user_delete, TARGET_USER_404),

    /* pages/admin_groups.c */
    R(GET, "/admin/groups", ADMIN, page_groups_get),
    F(POST, "/admin/groups", ADMIN, page_groups_create, groups_form),
    T(GET, "/admin/groups/{id}", ADMIN, page_group_get, TARGET_GROUP_404),
    T(POST, "/admin/groups/{id}", ADMIN, page_group_update, TARGET_GROUP_404),
    FT(POST, "/admin/groups/{id}/members", ADMIN, page_group_members, groups_user_ids_form,
       TARGET_GROUP_404),
    T(GET, "/admin/groups/{id}/delete", ADMIN, page_group_delete_get, TARGET_GROUP_404),
    T(POST, "/admin/groups/{id}/delete", ADMIN, page_group_delete, TARGET_GROUP_404),

    /* pages/admin_settings.c */
    R(GET, "/admin/settings", ADMIN, page_settings_get),
    R(POST, "/admin/settings", ADMIN, page_settings_post),
    R(POST, "/admin/settings/permissions", ADMIN, page_settings_permissions),
};

const size_t pages_routes_count = sizeof(pages_routes) / sizeof(pages_routes[0]);
