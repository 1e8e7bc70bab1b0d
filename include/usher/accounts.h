#ifndef USHER_ACCOUNTS_H
#define USHER_ACCOUNTS_H
/* Creating accounts outside HTTP: `usherctl create-admin`, `usherctl user add|import` and
 * the WEBUI_ADMIN_EMAIL / WEBUI_ADMIN_PASSWORD / WEBUI_ADMIN_NAME first start. */
#include <stdbool.h>
#include <stddef.h>
struct db;

/* Creates an account of role with the checks of sign-up (email format, duplicates, the
 * password policy and length) and bcrypt at the configured cost; the first
 * account becomes admin and closes sign-up, as the first sign-up does. Fills id_out (may
 * be NULL) with the new id. Returns 0, or -1 with the reason in err. */
int accounts_create(struct db *db, const char *email, const char *name, const char *role,
                    const char *password, char id_out[64], char *err, size_t errlen);
/* Creates an admin account with the same checks as sign-up (email format, duplicates,
 * password length; the policy regex too when enabled). The first account closes sign-up.
 * Returns 0, or -1 with the reason in err. */
int accounts_create_admin(struct db *db, const char *email, const char *name,
                          const char *password, char *err, size_t errlen);
/* On an empty database, creates the admin named by WEBUI_ADMIN_EMAIL/PASSWORD/NAME (name
 * defaults to "Admin"). Does nothing when they are unset or users exist. Logs the outcome;
 * a bootstrap that cannot happen yet (database down, a bad address or password) is logged
 * once per worker as skipped, with the reason. Returns 0 when nothing remains to be done
 * in this process (unset, users exist, created here or by another worker), -1 while the
 * admin is still owed; the app calls it again before every request until it returns 0
 * (the first call after that returns at once). */
int accounts_bootstrap_from_env(struct db *db);
/* True while WEBUI_ADMIN_EMAIL names an admin that this process has not yet seen created
 * (the last accounts_bootstrap_from_env returned -1). Public account creation (sign-up,
 * trusted-header and no-auth first sign-in) is refused meanwhile, so the first public
 * account cannot take the configured admin's place. No I/O. */
bool accounts_bootstrap_pending(void);

#endif
