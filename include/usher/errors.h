#ifndef USHER_ERRORS_H
#define USHER_ERRORS_H
/* The error texts clients see, verbatim from the contract (openwebui-users.md §0 and the
 * v0.11.0 deltas): one place, so every layer that answers an error uses the same bytes. */

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
#define ERR_LDAP_FAILED "LDAP authentication failed."
#define ERR_LDAP_TLS_CONFIG "Failed to configure TLS for LDAP connection."
#define ERR_PRIMARY_ADMIN_CHECK "Could not verify primary admin status."
#define ERR_NO_OAUTH_SESSION "No OAuth session found for this provider"
#define ERR_TOKEN_EXCHANGE_DISABLED "Token exchange is disabled"
#define ERR_START_AFTER_END "start_date must be before end_date"
#define ERR_VARIABLES_TOO_LARGE "User variables are too large."
/* usher only: /users/usage refuses periods of more than a century (one entry a day). */
#define ERR_PERIOD_TOO_LONG "The requested period is too long."
/* Group routes (deltas §3, D18). */
#define ERR_GROUP_CREATE "[ERROR: Error creating group]"
#define ERR_GROUP_UPDATE "[ERROR: Error updating group]"
#define ERR_GROUP_ADD_USERS "[ERROR: Error adding users to group]"
#define ERR_GROUP_REMOVE_USERS "[ERROR: Error removing users from group]"
#define ERR_GROUP_DELETE "[ERROR: Error deleting group]"
#define ERR_GROUP_MEMBERS "[ERROR: Error getting group members]"
/* usher only: a sign-in by a trusted header of an account deactivated through SCIM. */
#define ERR_ACCOUNT_DEACTIVATED "This account has been deactivated."

#endif
