/* Administrators created outside HTTP (see accounts.h). */
#include "config.h"
#include "usher/accounts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usher/arena.h"
#include "usher/db.h"
#include "usher/log.h"
#include "usher/password.h"
#include "usher/settings.h"
#include "usher/db_users.h"
#include "usher/validate.h"

int accounts_create(struct db *db, const char *email_in, const char *name, const char *role,
                    const char *password, char id_out[64], char *err, size_t errlen)
{
    struct arena *a = arena_new(4096);
    char *email = text_lower(a, email_in);
    int ret = -1;
    const char *why;
    char hash[128];
    struct new_user nu = { .email = email, .name = name, .password_hash = hash,
                           .profile_image_url = "/user.png", .role = role,
                           .first_becomes_admin = true, .closes_signup = true };
    if (!validate_email(email)) {
        snprintf(err, errlen, "invalid email address: %s", email);
    } else if (!name || !*name) {
        snprintf(err, errlen, "the name must not be empty");
    } else if (!validate_role(role)) {
        snprintf(err, errlen, "the role must be pending, user or admin, not '%s'", role);
    } else if ((why = password_policy_check(password, &settings_env()->password_policy))) {
        snprintf(err, errlen, "%s", why);
    } else if (password_hash(password, settings_env()->bcrypt_cost, hash, sizeof(hash)) != 0) {
        snprintf(err, errlen, "could not hash the password");
    } else {
        int rc = db_user_create(db, a, &nu);
        if (rc == DB_DUPLICATE)
            snprintf(err, errlen, "a user with the email %s already exists", email);
        else if (rc != DB_OK)
            snprintf(err, errlen, "database error (see the log)");
        else {
            log_notice("user %s created (%s, %s)", nu.id, email, nu.role);
            if (id_out)
                snprintf(id_out, 64, "%s", nu.id);
            ret = 0;
        }
    }
    arena_free(a);
    return ret;
}

int accounts_create_admin(struct db *db, const char *email, const char *name,
                          const char *password, char *err, size_t errlen)
{
    return accounts_create(db, email, name, "admin", password, NULL, err, errlen);
}

void accounts_bootstrap_from_env(struct db *db)
{
    const char *email = getenv("WEBUI_ADMIN_EMAIL");
    const char *password = getenv("WEBUI_ADMIN_PASSWORD");
    if (!email || !*email || !password || !*password)
        return;
    long long count = 0;
    if (db_user_count(db, &count) != DB_OK || count > 0)
        return;
    const char *name = getenv("WEBUI_ADMIN_NAME");
    char err[256];
    if (accounts_create_admin(db, email, name && *name ? name : "Admin", password, err,
                              sizeof(err)) != 0 &&
        !strstr(err, "already exists"))   /* another worker made it first */
        log_error("WEBUI_ADMIN_EMAIL: %s", err);
}
