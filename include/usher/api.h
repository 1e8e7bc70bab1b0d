#ifndef USHER_API_H
#define USHER_API_H
/* Handlers of the HTTP API, one file per router of the contract (auths_config.c holds the
 * admin settings of the auths router), and the forms the route table names. Every handler
 * runs after app.c has authenticated the caller for the route's access level, parsed the
 * route's form into c->v and loaded its target; it answers through c->res. */
#include <json-c/json.h>
#include "usher/ctx.h"
#include "usher/router.h"
#include "usher/errors.h"

/* health.c */
void health_get(struct ctx *c);
void health_db_get(struct ctx *c);

/* auths.c: forms (the profile form is the account service's: accounts_profile_form) */
extern const struct form auths_signup_form, auths_add_form, auths_signin_form, auths_ldap_form,
    auths_timezone_form, auths_password_form;
/* auths.c */
void auths_session_user(struct ctx *c);
void auths_signin(struct ctx *c);
void auths_signup(struct ctx *c);
/* No route: for the sign-up page (pages/login.c), answers 200 true when sign-up's gate
 * would let a sign-up through now, else the gate's own 403 (or 500), as POST /signup. */
void auths_signup_open(struct ctx *c);
void auths_signout(struct ctx *c);
void auths_update_profile(struct ctx *c);
void auths_update_timezone(struct ctx *c);
void auths_update_password(struct ctx *c);
void auths_ldap_signin(struct ctx *c);
void auths_add_user(struct ctx *c);
void auths_api_key_create(struct ctx *c);
void auths_api_key_get(struct ctx *c);
void auths_api_key_delete(struct ctx *c);
void auths_oauth_session_delete(struct ctx *c);
/* users.c: GET / (admin: UserModel + group_ids), /all, /search (UserInfo items), GET
 * /groups (the caller's), /{id}, /{id}/info, /{id}/active, /{id}/groups,
 * /{id}/oauth/sessions, /{id}/profile/image; POST /{id}/update and DELETE /{id} (admin,
 * primary-admin rules; its form is accounts_admin_form). Each answers as contract §1a and README "Users" say. */
#define USERS_PAGE_SIZE 30   /* users per page of GET / and /search (and the pages' listing) */
void users_list(struct ctx *c);
void users_all(struct ctx *c);
void users_search(struct ctx *c);
/* Not a route: GET /'s listing (same query parameters, same access) with only id, email,
 * role, name and profile_image_url of each user, {"users": [...], "total": n}, for the
 * admin pages, which show no more (a row's settings and info are never read for them). */
void users_list_brief(struct ctx *c);
void users_my_groups(struct ctx *c);
void users_groups_by_id(struct ctx *c);
void users_get_by_id(struct ctx *c);
void users_info_by_id(struct ctx *c);
void users_active_by_id(struct ctx *c);
void users_oauth_sessions_by_id(struct ctx *c);
void users_profile_image(struct ctx *c);
void users_update_by_id(struct ctx *c);
void users_delete_by_id(struct ctx *c);
/* users_self.c: the caller's /user/settings, /user/status, /user/info, /user/variables
 * (GET and POST .../update) and GET /usage (deltas §2.1, §2.3, §2.4). */
extern const struct form users_settings_form, users_status_form, users_variables_form;
void users_settings_get(struct ctx *c);
void users_settings_update(struct ctx *c);
void users_info_get(struct ctx *c);
void users_info_update(struct ctx *c);
void users_status_get(struct ctx *c);
void users_status_update(struct ctx *c);
void users_variables_get(struct ctx *c);
void users_variables_update(struct ctx *c);
void users_usage(struct ctx *c);
/* auths_config.c: GET /admin/details; GET/POST /admin/config, /admin/config/ldap,
 * /admin/config/ldap/server and /admin/config/oauth (deltas §1.4-§1.6). */
extern const struct form auths_ldap_config_form, auths_ldap_server_form;
void auths_admin_details(struct ctx *c);
void auths_admin_config_get(struct ctx *c);
void auths_admin_config_post(struct ctx *c);
void auths_ldap_config_get(struct ctx *c);
void auths_ldap_config_post(struct ctx *c);
void auths_ldap_server_get(struct ctx *c);
void auths_ldap_server_post(struct ctx *c);
void auths_oauth_config_get(struct ctx *c);
void auths_oauth_config_post(struct ctx *c);

/* groups.c: forms */
extern const struct form groups_form, groups_user_ids_form;
/* groups.c */
void groups_list(struct ctx *c);
void groups_create(struct ctx *c);
void groups_get(struct ctx *c);
void groups_info(struct ctx *c);
void groups_export(struct ctx *c);
void groups_members(struct ctx *c);
void groups_update(struct ctx *c);
void groups_add_users(struct ctx *c);
void groups_remove_users(struct ctx *c);
void groups_delete(struct ctx *c);
/* previews.c */
void users_preview(struct ctx *c);
void groups_preview(struct ctx *c);
/* permissions.c (users router paths) */
void users_permissions(struct ctx *c);
void users_default_permissions_get(struct ctx *c);
void users_default_permissions_post(struct ctx *c);
void users_default_permissions_compiled(struct ctx *c);

#endif
