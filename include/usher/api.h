#ifndef USHER_API_H
#define USHER_API_H
/* Handlers of the HTTP API, one file per router of the contract, and helpers they share. */
#include <json-c/json.h>
#include "usher/ctx.h"

/* The contract's error texts (§0 "Error strings"). */
#define ERR_NOT_FOUND "We could not find what you're looking for :/"
#define ERR_ACTION_PROHIBITED "The requested action has been restricted as a security measure."
#define ERR_ACCESS_PROHIBITED "You do not have permission to access this resource. Please contact your administrator for assistance."
#define ERR_EMAIL_TAKEN "Uh-oh! This email is already registered. Sign in with your existing account or choose another email to start anew."
#define ERR_INVALID_CRED "The email or password provided is incorrect. Please check for typos and try logging in again."
#define ERR_INVALID_EMAIL_FORMAT "The email format you entered is invalid. Please double-check and make sure you're using a valid email address (e.g., yourname@example.com)."
#define ERR_INCORRECT_PASSWORD "The password provided is incorrect. Please check for typos and try again."
#define ERR_PASSWORD_TOO_LONG "Uh-oh! The password you entered is too long. Please make sure your password is less than 72 bytes long."
#define ERR_INVALID_TOKEN "Your session has expired or the token is invalid. Please sign in again."
#define ERR_UNAUTHORIZED "401 Unauthorized"
#define ERR_INVALID_TRUSTED_HEADER "Your provider has not provided a trusted header. Please contact your administrator for assistance."
#define ERR_EXISTING_USERS "You can't turn off authentication because there are existing users. If you want to disable WEBUI_AUTH, make sure your web interface doesn't have any existing users and is a fresh installation."
#define ERR_CREATE_USER "Oops! Something went wrong while creating your account. Please try again later. If the issue persists, contact support for assistance."
#define ERR_DELETE_USER "Oops! Something went wrong. We encountered an issue while trying to delete the user. Please give it another shot."
#define ERR_API_KEY_NOT_FOUND "Oops! It looks like there's a hiccup. The API key is missing. Please make sure to provide a valid API key to access this feature."
#define ERR_API_KEY_NOT_ALLOWED "Use of API key is not enabled in the environment."
#define ERR_CREATE_API_KEY "Oops! Something went wrong while creating your API key. Please try again later. If the issue persists, contact support for assistance."
#define ERR_API_KEY_CREATION_NOT_ALLOWED "API key creation is not allowed in the environment."
#define ERR_RATE_LIMIT "API rate limit exceeded"
#define ERR_DEFAULT "Something went wrong :/"
#define ERR_NOT_AUTHENTICATED "Not authenticated"
#define ERR_INVALID_TOKEN_SHORT "Invalid token"
#define ERR_USER_MISMATCH "User mismatch. Please sign in again."
#define ERR_SIGNUP_INTERNAL "An internal error occurred during signup."
#define ERR_ADD_INTERNAL "An internal error occurred while adding the user."
#define ERR_LDAP_NOT_ENABLED "LDAP authentication is not enabled"

/* 500 {"detail": "Something went wrong :/"} after a database failure (already logged). */
void api_db_error(struct ctx *c);

/* health.c */
void health_get(struct ctx *c);
void health_db_get(struct ctx *c);

/* auths.c */
void auths_session_user(struct ctx *c);
void auths_signin(struct ctx *c);
void auths_signup(struct ctx *c);
void auths_signout(struct ctx *c);
void auths_update_profile(struct ctx *c);
void auths_update_timezone(struct ctx *c);
void auths_update_password(struct ctx *c);
void auths_ldap_signin(struct ctx *c);
void auths_add_user(struct ctx *c);
void auths_admin_details(struct ctx *c);
void auths_admin_config_get(struct ctx *c);
void auths_admin_config_post(struct ctx *c);
void auths_ldap_config_get(struct ctx *c);
void auths_ldap_config_post(struct ctx *c);
void auths_ldap_server_get(struct ctx *c);
void auths_ldap_server_post(struct ctx *c);
void auths_oauth_config_get(struct ctx *c);
void auths_oauth_config_post(struct ctx *c);
void auths_api_key_create(struct ctx *c);
void auths_api_key_get(struct ctx *c);
void auths_api_key_delete(struct ctx *c);
void auths_oauth_session_delete(struct ctx *c);
void auths_token_exchange(struct ctx *c);

#endif
