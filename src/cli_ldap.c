/* `usherctl ldap test USER` (cli_ldap.h). */
#include "config.h"
#include "usher/cli_ldap.h"

#include <stdio.h>
#include <string.h>

#include "usher/accounts.h"
#include "usher/arena.h"
#include "usher/cli_user.h"
#include "usher/ctx.h"
#include "usher/db.h"
#include "usher/db_users.h"
#include "usher/directory.h"
#include "usher/settings.h"
#include "usher/user.h"
#include "usher/validate.h"

/* One step per line; control characters from the directory are shown as '?'. */
static void print_step(void *arg, const char *line)
{
    (void)arg;
    for (const unsigned char *p = (const unsigned char *)line; *p; p++)
        putchar(*p < 0x20 || *p == 0x7f ? '?' : *p);
    putchar('\n');
    fflush(stdout);
}

int cli_ldap(struct db *db, int argc, char **argv)
{
    if (argc != 3 || strcmp(argv[1], "test") != 0) {
        fprintf(stderr, "usage: usherctl [-c file] ldap test USER   (password on stdin)\n");
        return 2;
    }
    const char *user = argv[2];
    char password[1024];
    if (cli_read_password(stdin, password, sizeof(password)) != 0) {
        fprintf(stderr, "usherctl: no password on stdin\n");
        return 2;
    }
    struct arena *a = arena_new(16384);
    struct ctx c;
    accounts_local_begin(&c, db, a);
    struct dir_settings ds;
    dir_settings_resolve(&c, &ds);
    if (!ds.enable)
        print_step(NULL, "LDAP sign-in is off (ENABLE_LDAP): testing the settings anyway");
    int rc = 1;
    bool blank = true;
    for (const char *p = password; *p && blank; p++)
        blank = *p == ' ' || (*p >= '\t' && *p <= '\r');
    struct dir_identity id;
    enum dir_result dr = blank ? DIR_FAILED
                               : dir_signin(&ds, a, user, strlen(user), password, &id,
                                            print_step, NULL);
    if (blank)
        print_step(NULL, "failed: an empty or blank password is refused before any connection");
    if (dr == DIR_TLS_CONFIG)
        print_step(NULL, "the API would answer 400 \"Failed to configure TLS for LDAP connection.\"");
    if (dr == DIR_OK) {
        struct user *u = NULL;
        char *email = email_normalize(a, id.mail);
        int found = db_user_get_by_email(db, a, email, &u);
        if (found == DB_OK) {
            printf("account %s (%s, role %s)\n", u->id, u->email, u->role_name);
            rc = 0;
        } else if (found == DB_NOT_FOUND) {
            long long count = 0;
            const char *role = settings_str(&c, "DEFAULT_USER_ROLE");
            if (db_user_count(db, &count) == DB_OK && count == 0)
                role = "admin";
            printf("account %s would be created (role %s)\n", email, role[0] ? role : "pending");
            rc = 0;
        } else {
            fprintf(stderr, "usherctl: the database failed: %s\n", db_error(db));
        }
    }
    printf("%s\n", rc == 0 ? "the sign-in would succeed" : "the sign-in would fail");
    memset(password, 0, sizeof(password));
    accounts_local_end(&c);
    arena_free(a);
    return rc;
}
