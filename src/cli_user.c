/* usherctl user (see cli_user.h). */
#include "config.h"
#include "usher/cli_user.h"

#include <openssl/crypto.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "usher/accounts.h"
#include "usher/cli_escape.h"
#include "usher/csv.h"
#include "usher/arena.h"
#include "usher/cli_security.h"
#include "usher/crypto.h"
#include "usher/ctx.h"
#include "usher/db.h"
#include "usher/db_user_list.h"
#include "usher/db_users.h"
#include "usher/user.h"
#include "usher/validate.h"

enum { OK = 0, FAILED = 1, USAGE = 2 };

static int usage(void)
{
    fprintf(stderr,
            "usage: usherctl user list [QUERY]\n"
            "       usherctl user show ID|EMAIL\n"
            "       usherctl user add EMAIL NAME [ROLE]      (password on stdin)\n"
            "       usherctl user set-role ID|EMAIL ROLE\n"
            "       usherctl user set-password ID|EMAIL      (password on stdin)\n"
            "       usherctl user delete ID|EMAIL\n"
            "       usherctl user import FILE.csv            (name,email,password,role)\n"
            "       usherctl user reset-mfa ID|EMAIL\n"
            "       usherctl user unlock ID|EMAIL\n");
    return USAGE;
}

int cli_read_password(FILE *f, char *buf, size_t len)
{
    if (!fgets(buf, (int)len, f))
        return -1;
    size_t n = strcspn(buf, "\r\n");
    if (buf[n] == '\0' && n == len - 1)
        return -1;   /* no line end within the buffer: longer than any password we accept */
    buf[n] = '\0';
    return n ? 0 : -1;
}

static int read_stdin_password(char *buf, size_t len)
{
    if (isatty(fileno(stdin)))
        fprintf(stderr, "Password (one line): ");
    if (cli_read_password(stdin, buf, len) == 0)
        return 0;
    fprintf(stderr, "usherctl: no password given (one non-empty line expected)\n");
    return -1;
}

/* The user named by an id or an e-mail address. */
static struct user *find(struct db *db, struct arena *a, const char *who)
{
    struct user *u = NULL;
    int rc = strchr(who, '@') ? db_user_get_by_email(db, a, email_normalize(a, who), &u)
                              : db_user_get(db, a, who, &u);
    if (rc == DB_NOT_FOUND)
        fprintf(stderr, "usherctl: no user %s\n", cli_text(a, who));
    else if (rc != DB_OK)
        fprintf(stderr, "usherctl: database error: %s\n", db_error(db));
    return rc == DB_OK ? u : NULL;
}

/* Prints the account service's refusal (the API's text) and returns the exit status. */
static int refused(struct arena *a, const char *what, const char *who,
                   const struct account_result *r)
{
    if (r->refusal == ACCOUNT_PRIMARY_ADMIN)
        fprintf(stderr, "usherctl: %s: %s is the primary admin: %s\n", what, cli_text(a, who),
                r->reason);
    else
        fprintf(stderr, "usherctl: %s: %s: %s\n", what, cli_text(a, who), cli_text(a, r->reason));
    return FAILED;
}

/* One line per user, tab-separated; the stored texts escaped (cli_escape.h). */
static void print_user(struct arena *a, const struct user *u)
{
    char when[32];
    time_t t = (time_t)u->created_at;
    struct tm tm;
    strftime(when, sizeof(when), "%Y-%m-%d", gmtime_r(&t, &tm));
    printf("%s\t%s\t%s\t%s\t%s\n", cli_text(a, u->id), cli_text(a, u->email),
           cli_text(a, u->role_name), cli_text(a, u->name), when);
}

static int user_list(struct ctx *c, int argc, char **argv)
{
    struct db *db = c->db;
    if (argc > 3)
        return usage();
    struct user_query q = { .text = argc == 3 ? argv[2] : NULL, .order = USER_ORDER_CREATED_AT,
                            .ascending = true };
    struct user_page page;
    if (db_user_list(db, c->arena, &q, &page) != DB_OK) {
        fprintf(stderr, "usherctl: database error: %s\n", db_error(db));
        return FAILED;
    }
    for (size_t i = 0; i < page.n; i++)
        print_user(c->arena, &page.users[i]);
    return OK;
}

static int user_show(struct ctx *c, int argc, char **argv)
{
    if (argc != 3)
        return usage();
    struct user *u = find(c->db, c->arena, argv[2]);
    if (!u)
        return FAILED;
    struct json_object *o = user_json(c->arena, u, VIEW_MODEL);
    printf("%s\n", cli_json(c->arena, json_object_to_json_string_ext(
                                           o, JSON_C_TO_STRING_PRETTY |
                                                  JSON_C_TO_STRING_NOSLASHESCAPE)));
    json_object_put(o);
    return OK;
}

/* The account service's creation for usherctl's doors: the CLI's operator adds anyone, the
 * first account still becomes admin. */
static int create(struct ctx *c, enum account_door door, const char *email, const char *name,
                  const char *role, const char *password, struct user **u,
                  struct account_result *r)
{
    struct account_new in = { .email = email, .name = name, .role = role, .password = password,
                              .apply_policy = true, .first_becomes_admin = true,
                              .gate = CREATE_ALWAYS };
    return accounts_create(c, door, &in, u, r);
}

static int user_add(struct ctx *c, int argc, char **argv)
{
    if (argc != 4 && argc != 5)
        return usage();
    if (!argv[3][0]) {
        fprintf(stderr, "usherctl: user add: the name must not be empty\n");
        return USAGE;
    }
    char password[1024];
    if (read_stdin_password(password, sizeof(password)) != 0)
        return FAILED;
    struct user *u;
    struct account_result r;
    int rc = create(c, DOOR_CLI, argv[2], argv[3], argc == 5 ? argv[4] : "user", password, &u,
                    &r);
    OPENSSL_cleanse(password, sizeof(password));
    if (rc != 0)
        return refused(c->arena, "user add", argv[2], &r);
    printf("%s\n", u->id);
    return OK;
}

static int user_set_role(struct ctx *c, int argc, char **argv)
{
    if (argc != 4)
        return usage();
    struct user *u = find(c->db, c->arena, argv[2]);
    if (!u)
        return FAILED;
    /* Like the API: the user's earlier tokens end, on every worker. */
    struct account_result r;
    if (accounts_set_role(c, DOOR_CLI, u, argv[3], &r) != 0) {
        refused(c->arena, "user set-role", u->email, &r);
        return r.refusal == ACCOUNT_BAD_ROLE ? USAGE : FAILED;
    }
    printf("%s is now %s\n", cli_text(c->arena, u->email), argv[3]);
    return OK;
}

static int user_set_password(struct ctx *c, int argc, char **argv)
{
    if (argc != 3)
        return usage();
    struct user *u = find(c->db, c->arena, argv[2]);
    if (!u)
        return FAILED;
    char password[1024];
    if (read_stdin_password(password, sizeof(password)) != 0)
        return FAILED;
    struct account_result r;
    int rc = accounts_set_password(c, DOOR_CLI, u, password, false, &r);
    OPENSSL_cleanse(password, sizeof(password));
    if (rc != 0)
        return refused(c->arena, "user set-password", u->email, &r);
    printf("password of %s changed; their sessions have ended\n", cli_text(c->arena, u->email));
    return OK;
}

static int user_delete(struct ctx *c, int argc, char **argv)
{
    if (argc != 3)
        return usage();
    struct user *u = find(c->db, c->arena, argv[2]);
    if (!u)
        return FAILED;
    struct account_result r;
    if (accounts_delete(c, DOOR_CLI, u, &r) != 0)
        return refused(c->arena, "user delete", u->email, &r);
    printf("deleted %s\n", cli_text(c->arena, u->email));
    return OK;
}

/* The longest record import reads (name, e-mail, password and role hold far less): one
 * beyond it is refused whole, never split. */
#define IMPORT_RECORD_MAX 65536

static int user_import(struct ctx *c, int argc, char **argv)
{
    if (argc != 3)
        return usage();
    FILE *f = strcmp(argv[2], "-") == 0 ? stdin : fopen(argv[2], "r");
    if (!f) {
        perror(argv[2]);
        return FAILED;
    }
    struct csv_reader *csv = csv_open(f, IMPORT_RECORD_MAX);
    bool tty = isatty(fileno(stderr));
    long added = 0, skipped = 0;
    const char *file = cli_text(c->arena, argv[2]);
    struct csv_record rec;
    enum csv_status st = CSV_EOF;
    while (csv && (st = csv_next(csv, &rec)) != CSV_EOF && st != CSV_READ_ERROR) {
        char **fld = rec.fields;
        size_t n = rec.nfields;
        /* Open WebUI's admin page takes name,email,password[,role] with a header row. */
        if (st == CSV_RECORD && rec.line == 1 && n >= 3 && strcasecmp(fld[0], "name") == 0)
            continue;
        if (st == CSV_RECORD && n == 1 && fld[0][0] == '\0')
            continue;
        const char *err = NULL;
        struct user *u;
        struct account_result r;
        if (st != CSV_RECORD)
            err = csv_status_text(st);
        else if (n < 3 || n > 4)
            err = arena_printf(c->arena, "expected name,email,password[,role], got %zu field%s",
                               n, n == 1 ? "" : "s");
        else if (!fld[0][0])
            err = "the name must not be empty";
        else if (create(c, DOOR_CSV, fld[1], fld[0], n == 4 && fld[3][0] ? fld[3] : "user",
                        fld[2], &u, &r) == 0)
            added++;
        else
            err = r.refusal == ACCOUNT_BAD_NAME ? arena_printf(c->arena, "the %s", r.reason)
                                                : arena_printf(c->arena, "%s: %s", fld[1], r.reason);
        if (err) {
            /* The reason names the address or the rule, never the password. */
            fprintf(stderr, "%s:%ld: skipped: %s\n", file, rec.line, cli_text(c->arena, err));
            skipped++;
        }
        if (tty && (added + skipped) % 1000 == 0)
            fprintf(stderr, "%ld rows: %ld added, %ld skipped\n", added + skipped, added, skipped);
    }
    int rc = !csv || st == CSV_READ_ERROR ? FAILED : OK;
    if (rc != OK)
        fprintf(stderr, "usherctl: %s: %s\n", file, csv ? "read error" : "out of memory");
    csv_close(csv);
    if (f != stdin)
        fclose(f);
    printf("%ld added, %ld skipped\n", added, skipped);
    return skipped ? FAILED : rc;
}

int cli_user(struct db *db, int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(struct ctx *, int, char **);
    } subs[] = {
        { "list", user_list }, { "show", user_show }, { "add", user_add },
        { "set-role", user_set_role }, { "set-password", user_set_password },
        { "delete", user_delete }, { "import", user_import },
        { "reset-mfa", cli_user_reset_mfa }, { "unlock", cli_user_unlock },
    };
    if (argc < 2)
        return usage();
    for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
        if (strcmp(argv[1], subs[i].name) != 0)
            continue;
        struct arena *a = arena_new(16384);
        if (!a)
            return FAILED;
        struct ctx c;
        accounts_local_begin(&c, db, a);
        int rc = subs[i].run(&c, argc, argv);
        accounts_local_end(&c);
        arena_free(a);
        return rc;
    }
    return usage();
}
