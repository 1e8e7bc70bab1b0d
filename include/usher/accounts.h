#ifndef USHER_ACCOUNTS_H
#define USHER_ACCOUNTS_H
/* Creating accounts outside HTTP: `usherctl create-admin`, `usherctl user add|import` and
 * the WEBUI_ADMIN_EMAIL / WEBUI_ADMIN_PASSWORD / WEBUI_ADMIN_NAME first start. */
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
 * defaults to "Admin"). Does nothing when they are unset or users exist. Logs the outcome. */
void accounts_bootstrap_from_env(struct db *db);

#endif
