/* usherctl user reset-mfa / unlock (see cli_security.h). */
#include "config.h"
#include "usher/cli_security.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "usher/arena.h"
#include "usher/ctx.h"
#include "usher/db.h"
#include "usher/db_audit.h"
#include "usher/db_mfa.h"
#include "usher/db_users.h"
#include "usher/lockout.h"
#include "usher/user.h"
#include "usher/validate.h"

static struct user *find(struct db *db, struct arena *a, const char *who)
{
    struct user *u = NULL;
    int rc = strchr(who, '@') ? db_user_get_by_email(db, a, email_normalize(a, who), &u)
                              : db_user_get(db, a, who, &u);
    if (rc == DB_NOT_FOUND)
        fprintf(stderr, "usherctl: no user %s\n", who);
    else if (rc != DB_OK)
        fprintf(stderr, "usherctl: database error: %s\n", db_error(db));
    return rc == DB_OK ? u : NULL;
}

static void audit(struct db *db, const char *action, const char *user_id)
{
    struct audit_row row = { .at = (long long)time(NULL), .status = 200, .action = action,
                             .target_type = "user", .target_id = user_id,
                             .detail = "usherctl" };
    if (db_audit_insert(db, &row) != DB_OK)
        fprintf(stderr, "usherctl: the audit row could not be written: %s\n", db_error(db));
}

int cli_user_reset_mfa(struct ctx *c, int argc, char **argv)
{
    struct db *db = c->db;
    struct arena *a = c->arena;
    if (argc != 3) {
        fprintf(stderr, "usage: usherctl user reset-mfa ID|EMAIL\n");
        return 2;
    }
    struct user *u = find(db, a, argv[2]);
    if (!u)
        return 1;
    bool changed = false;
    if (db_mfa_delete(db, u->id, &changed) != DB_OK) {
        fprintf(stderr, "usherctl: database error: %s\n", db_error(db));
        return 1;
    }
    audit(db, "user.mfa_reset", u->id);
    printf(changed ? "two-factor sign-in turned off for %s\n"
                   : "%s had no two-factor sign-in\n", u->email);
    return 0;
}

int cli_user_unlock(struct ctx *c, int argc, char **argv)
{
    struct db *db = c->db;
    struct arena *a = c->arena;
    if (argc != 3) {
        fprintf(stderr, "usage: usherctl user unlock ID|EMAIL\n");
        return 2;
    }
    struct user *u = find(db, a, argv[2]);
    if (!u)
        return 1;
    if (lockout_unlock(db, u->id) != DB_OK) {
        fprintf(stderr, "usherctl: database error: %s\n", db_error(db));
        return 1;
    }
    audit(db, "user.unlock", u->id);
    printf("unlocked %s\n", u->email);
    return 0;
}
