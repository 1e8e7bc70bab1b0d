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
#include "usher/utf8.h"
#include "usher/validate.h"

int accounts_create(struct db *db, const char *email_in, const char *name, const char *role,
                    const char *password, char id_out[64], char *err, size_t errlen)
{
    struct arena *a = arena_new(4096);
    char *email = email_normalize(a, email_in);
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
    } else if ((why = validate_name(name, strlen(name), NULL))) {
        snprintf(err, errlen, "the %s", why);
    } else if (utf8_length(name, strlen(name)) > 255) {
        snprintf(err, errlen, "the name must have at most 255 characters");
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

/* -1 until the bootstrap is settled in this process (see accounts.h). */
static int bootstrap_state = -1;
static bool bootstrap_skip_logged;

bool accounts_bootstrap_pending(void)
{
    return bootstrap_state != 0;
}

static int bootstrap_skipped(const char *why)
{
    if (!bootstrap_skip_logged) {
        bootstrap_skip_logged = true;
        log_warning("WEBUI_ADMIN_EMAIL: admin not created yet (%s); retried before every "
                    "request, and public sign-up is refused until it is created", why);
    }
    return -1;
}

int accounts_bootstrap_from_env(struct db *db)
{
    if (bootstrap_state == 0)
        return 0;
    const char *email = getenv("WEBUI_ADMIN_EMAIL");
    const char *password = getenv("WEBUI_ADMIN_PASSWORD");
    if (!email || !*email || !password || !*password)
        return bootstrap_state = 0;
    long long count = 0;
    if (!db || db_user_count(db, &count) != DB_OK)
        return bootstrap_skipped("the database is not available");
    if (count > 0)
        return bootstrap_state = 0;
    const char *name = getenv("WEBUI_ADMIN_NAME");
    char err[256];
    if (accounts_create_admin(db, email, name && *name ? name : "Admin", password, err,
                              sizeof(err)) != 0 &&
        !strstr(err, "already exists")) {   /* another worker made it first */
        if (bootstrap_skip_logged)
            return -1;
        log_error("WEBUI_ADMIN_EMAIL: %s", err);
        return bootstrap_skipped("see the error above");
    }
    if (bootstrap_skip_logged)
        log_notice("WEBUI_ADMIN_EMAIL: the admin exists now; sign-up follows its settings");
    return bootstrap_state = 0;
}
