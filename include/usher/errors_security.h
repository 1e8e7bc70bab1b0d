#ifndef USHER_ERRORS_SECURITY_H
#define USHER_ERRORS_SECURITY_H
/* The error texts of usher's account-security extension (usher-account-security.md §6),
 * byte for byte; each comment gives its status. */
#define ERR_MFA_REQUIRED "Two-factor authentication required."                    /* 401 */
#define ERR_MFA_TOKEN_INVALID "Your two-factor sign-in has expired or is invalid. Please sign in again." /* 401 */
#define ERR_MFA_CODE_INVALID "Invalid two-factor authentication code."            /* 400 */
#define ERR_MFA_ALREADY_ENABLED "Two-factor authentication is already enabled."   /* 400 */
#define ERR_MFA_NOT_ENABLED "Two-factor authentication is not enabled."           /* 400 */
#define ERR_MFA_NO_ENROLMENT "No two-factor enrolment is in progress."            /* 400 */
#define ERR_SESSION_REQUIRED "This action needs a signed-in session; API keys cannot use it." /* 403 */
#define ERR_SESSION_NOT_FOUND "Session not found."                                /* 404 */
#define ERR_API_KEY_EXPIRED "This API key has expired."                           /* 401 */
#define ERR_API_KEY_LIMIT "You have reached the maximum number of API keys."      /* 400 */
#define ERR_API_KEY_EXPIRY_INVALID "The expiry must be a future time (expires_at) or 1 to 3650 days (expires_in_days), not both." /* 400 */
#define ERR_API_KEY_ENDPOINTS_INVALID "Endpoints must be a non-empty list of paths starting with /." /* 400 */
#define ERR_ACCOUNT_LOCKED "Too many failed sign-in attempts. Please try again later." /* 429 */
#define ERR_ADDRESS_LOCKED "Too many failed sign-in attempts from your network address. Please try again later." /* 429 */

#endif
