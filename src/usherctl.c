/* usherctl: the administrator's command line. One const table of commands; each command
 * gets the global options and its own argv (argv[0] is the command name) and returns an
 * exit status: 0 ok, 1 runtime error, 2 usage. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <openssl/crypto.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "usher/accounts.h"
#include "usher/cli_escape.h"
#include "usher/arena.h"
#include "usher/cli_audit.h"
#include "usher/cli_ldap.h"
#include "usher/cli_import.h"
#include "usher/cli_user.h"
#include "usher/config.h"
#include "usher/ctx.h"
#include "usher/db.h"
#include "usher/db_counts.h"
#include "usher/db_groups.h"
#include "usher/db_user_index.h"
#include "usher/db_users.h"
#include "usher/db_resources.h"
#include "usher/log.h"
#include "usher/router.h"
#include "usher/migrate.h"
#include "usher/ids.h"
#include "usher/secret.h"
#include "usher/settings.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#ifndef PKGDATADIR
#define PKGDATADIR "/usr/share/usher"
#endif

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

static const char default_config_path[] = SYSCONFDIR "/usher/usher.conf";
static const char installed_sql_dir[] = PKGDATADIR "/sql";
static const char checkout_sql_dir[] = "./sql";

/* Options that come before the command. */
struct cli {
    const char *config_path;
    bool config_given;     /* -c was used: a missing file is then an error */
};

struct command {
    const char *name;
    int (*run)(const struct cli *cli, int argc, char **argv);
    const char *args;      /* synopsis after the name, for usage messages */
    const char *summary;
};

static int cmd_migrate(const struct cli *cli, int argc, char **argv);
static int cmd_recount(const struct cli *cli, int argc, char **argv);
static int cmd_reindex(const struct cli *cli, int argc, char **argv);
static int cmd_check_config(const struct cli *cli, int argc, char **argv);
static int cmd_version(const struct cli *cli, int argc, char **argv);
static int cmd_create_admin(const struct cli *cli, int argc, char **argv);
static int cmd_help(const struct cli *cli, int argc, char **argv);
static int cmd_resource(const struct cli *cli, int argc, char **argv);
static int cmd_grant(const struct cli *cli, int argc, char **argv);
static int cmd_routes(const struct cli *cli, int argc, char **argv);
static int cmd_audit(const struct cli *cli, int argc, char **argv);
static int cmd_user(const struct cli *cli, int argc, char **argv);
static int cmd_ldap(const struct cli *cli, int argc, char **argv);
static int cmd_import(const struct cli *cli, int argc, char **argv);

static const struct command commands[] = {
    { "migrate", cmd_migrate, "[-m sqldir]", "apply pending schema migrations" },
    { "recount", cmd_recount, "",
      "count users and group members again (after rows were written by hand in SQL)" },
    { "reindex", cmd_reindex, "",
      "rebuild the user listing's fences and the search index (after users were written by "
      "hand in SQL)" },
    { "check-config", cmd_check_config, "[-n]",
      "validate the configuration, then connect to the database (not with -n)" },
    { "create-admin", cmd_create_admin, "--email E --name N [--password-file F]",
      "create an administrator (password from stdin or F)" },
    { "resource", cmd_resource, "add|rm|list ...",
      "register models, knowledge bases and tools (see usherctl(8))" },
    { "grant", cmd_grant, "add|rm|list ...", "grant read or write access to a resource" },
    { "user", cmd_user, "list|show|add|set-role|set-password|delete|import|reset-mfa|unlock ...",
      "manage accounts (see usherctl(8))" },
    { "ldap", cmd_ldap, "test USER",
      "try an LDAP sign-in step by step (password on stdin); changes nothing" },
    { "import-openwebui", cmd_import,
      "[--dry-run] [--merge-by-email] [--only TABLES] [--wait S] PATH/webui.db",
      "bring Open WebUI's accounts, groups, keys and grants over (see usherctl(8))" },
    { "audit", cmd_audit, "[--since WHEN] [--actor WHO] [--action NAME] [--json]",
      "read the audit trail, newest first" },
    { "routes", cmd_routes, "", "list the HTTP routes: method, path, access level, target" },
    { "version", cmd_version, "", "print the version" },
    { "help", cmd_help, "", "list the commands" },
};

static void usage(FILE *f)
{
    fprintf(f, "usage: usherctl [-c file] command [arguments]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-14s %-14s %s\n", commands[i].name, commands[i].args, commands[i].summary);
}

static int command_usage(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0)
            fprintf(stderr, "usage: usherctl [-c file] %s%s%s\n", name,
                    *commands[i].args ? " " : "", commands[i].args);
    return EXIT_USAGE;
}

/* ----- helpers every database command uses ------------------------------------------- */

/* Reads the configuration: the -c file, else the default file if it exists, else only the
 * defaults and USHER_* environment variables. 0, or EXIT_RUNTIME after saying why. */
static int load_config(const struct cli *cli, struct usher_config *cfg, const char **used)
{
    const char *path = cli->config_path;
    if (!cli->config_given && access(path, F_OK) != 0 && errno == ENOENT)
        path = NULL;
    char err[512] = "";
    if (config_load(path, cfg, err, sizeof err) != 0) {
        fprintf(stderr, "usherctl: %s\n", err[0] ? err : "cannot load the configuration");
        config_free(cfg);
        return EXIT_RUNTIME;
    }
    *used = path;
    return 0;
}

/* Connects with the configuration's db.* settings. NULL (after saying why) if the server
 * does not answer. */
static struct db *open_database(const struct usher_config *cfg)
{
    struct db_options o = {
        .socket = cfg->db_socket,
        .host = cfg->db_host,
        .port = cfg->db_port > 0 ? (unsigned int)cfg->db_port : 0,
        .user = cfg->db_user,
        .password = cfg->db_password,
        .name = cfg->db_name,
    };
    struct db *db = db_connect(&o);
    if (!db) {
        fprintf(stderr, "usherctl: out of memory\n");
        return NULL;
    }
    if (!db_ping(db)) {
        fprintf(stderr, "usherctl: cannot connect to the database: %s\n", db_error(db));
        db_close(db);
        return NULL;
    }
    return db;
}

static bool is_directory(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* ----- commands ---------------------------------------------------------------------- */

static int cmd_migrate(const struct cli *cli, int argc, char **argv)
{
    const char *dir = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt(argc, argv, "m:")) != -1) {
        switch (c) {
        case 'm':
            dir = optarg;
            break;
        default:
            fprintf(stderr, "usherctl: %s: %s -%c\n", argv[0],
                    c == ':' || optopt == 'm' ? "missing argument to" : "unknown option", optopt);
            return command_usage(argv[0]);
        }
    }
    if (optind != argc)
        return command_usage(argv[0]);
    if (!dir) {
        /* The installed copy, or the sql/ of a source checkout usherctl is run from. */
        if (is_directory(installed_sql_dir))
            dir = installed_sql_dir;
        else if (is_directory(checkout_sql_dir))
            dir = checkout_sql_dir;
        else {
            fprintf(stderr, "usherctl: no migrations in %s or %s; name the directory with -m\n",
                    installed_sql_dir, checkout_sql_dir);
            return EXIT_RUNTIME;
        }
    }
    if (!is_directory(dir)) {
        fprintf(stderr, "usherctl: %s is not a directory\n", dir);
        return EXIT_RUNTIME;
    }

    struct usher_config cfg;
    const char *path;
    if (load_config(cli, &cfg, &path) != 0)
        return EXIT_RUNTIME;
    struct db *db = open_database(&cfg);
    int rc = EXIT_RUNTIME;
    if (db) {
        int applied = migrate_apply(db, dir, stdout);
        int version = migrate_current_version(db);
        if (applied < 0) {
            fprintf(stderr, "usherctl: migration failed (see the messages above); "
                            "schema at version %d\n", version);
        } else {
            printf("%d migration%s applied from %s; schema at version %d\n", applied,
                   applied == 1 ? "" : "s", dir, version);
            rc = EXIT_OK;
        }
        db_close(db);
    }
    config_free(&cfg);
    return rc;
}

/* The listings' counts and each user's group ids are kept by usher on every change it makes
 * (db_counts.h, db_groups.h); rows written by hand in SQL are not counted until this runs. */
static int with_database(const struct cli *cli, int (*fn)(struct db *db, int argc, char **argv),
                         int argc, char **argv);

static int recount(struct db *db, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    if (db_counts_recompute(db) != DB_OK) {
        fprintf(stderr, "usherctl: recount failed: %s\n", db_error(db));
        return EXIT_RUNTIME;
    }
    printf("counted the users and every group's members again\n");
    /* then the group ids each user row keeps, a step at a time (db_groups.h) */
    if (db_group_ids_rebuild(db) != DB_OK) {
        fprintf(stderr, "usherctl: recount: setting the users' group ids failed: %s\n",
                db_error(db));
        return EXIT_RUNTIME;
    }
    printf("set every user's group ids again\n");
    return EXIT_OK;
}

static int cmd_recount(const struct cli *cli, int argc, char **argv)
{
    if (argc != 1)
        return command_usage(argv[0]);
    return with_database(cli, recount, argc, argv);
}

/* The listing's fences and the search index follow every change usher makes
 * (db_user_index.h); users written by hand in SQL are found by neither until this runs. */
static int reindex(struct db *db, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    long long fences = 0, searchable = 0;
    int rc = db_user_index_rebuild(db, &fences, &searchable);
    if (rc == DB_NOT_FOUND) {
        fprintf(stderr, "usherctl: reindex: the database schema is older than usher; "
                "migrate first (usherctl migrate)\n");
        return EXIT_RUNTIME;
    }
    if (rc != DB_OK) {
        fprintf(stderr, "usherctl: reindex failed: %s\n", db_error(db));
        return EXIT_RUNTIME;
    }
    if (searchable < 0)
        printf("made %lld listing fences; no search index (the server has no Mroonga)\n",
               fences);
    else
        printf("made %lld listing fences; %lld users in the search index\n", fences,
               searchable);
    return EXIT_OK;
}

static int cmd_reindex(const struct cli *cli, int argc, char **argv)
{
    if (argc != 1)
        return command_usage(argv[0]);
    return with_database(cli, reindex, argc, argv);
}

/* Errors go out as "FILE:LINE: reason" (what config_load reports), first thing on the line,
 * so editors and scripts can take them; -n stops before the database. */
static int cmd_check_config(const struct cli *cli, int argc, char **argv)
{
    bool offline = false;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt(argc, argv, "n")) != -1) {
        if (c != 'n')
            return command_usage(argv[0]);
        offline = true;
    }
    if (optind != argc)
        return command_usage(argv[0]);
    const char *path = cli->config_path;
    if (!cli->config_given && access(path, F_OK) != 0 && errno == ENOENT)
        path = NULL;
    struct usher_config cfg;
    char err[600] = "";
    if (config_load(path, &cfg, err, sizeof err) != 0 ||
        ids_check_config(&cfg, err, sizeof err) != 0) {
        /* ids_check_config's reasons name the key but not the file. */
        if (path && strncmp(err, path, strlen(path)) != 0 && strncmp(err, "USHER_", 6) != 0)
            fprintf(stderr, "%s: %s\n", path, err);
        else
            fprintf(stderr, "%s\n", err[0] ? err : "cannot load the configuration");
        config_free(&cfg);
        return EXIT_RUNTIME;
    }
    if (offline) {
        printf("OK: %s%s\n", path ? "configuration " : "no configuration file, defaults and "
               "environment", path ? path : "");
        config_free(&cfg);
        return EXIT_OK;
    }
    struct db *db = open_database(&cfg);
    int rc = EXIT_RUNTIME;
    if (db) {
        int version = migrate_current_version(db);
        printf("OK: %s%s; database %s reachable, schema version %d%s\n",
               path ? "configuration " : "no configuration file, defaults and environment",
               path ? path : "", cfg.db_name ? cfg.db_name : "(default)", version,
               version == 0 ? " (empty: run usherctl migrate)" : "");
        rc = version >= 0 ? EXIT_OK : EXIT_RUNTIME;
        db_close(db);
    }
    config_free(&cfg);
    return rc;
}

static int cmd_create_admin(const struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        { "email", required_argument, NULL, 'e' },
        { "name", required_argument, NULL, 'n' },
        { "password-file", required_argument, NULL, 'p' },
        { NULL, 0, NULL, 0 },
    };
    const char *email = NULL, *name = NULL, *pwfile = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'e': email = optarg; break;
        case 'n': name = optarg; break;
        case 'p': pwfile = optarg; break;
        default: return command_usage(argv[0]);
        }
    }
    if (!email || !name || optind != argc)
        return command_usage(argv[0]);
    /* The password never goes on the command line, where ps would show it. */
    char password[1024];
    FILE *f = pwfile ? fopen(pwfile, "r") : stdin;
    if (!f) {
        fprintf(stderr, "usherctl: %s: %s\n", pwfile, strerror(errno));
        return EXIT_RUNTIME;
    }
    if (!pwfile && isatty(fileno(stdin)))
        fprintf(stderr, "Password (one line): ");
    int got = cli_read_password(f, password, sizeof password);
    if (pwfile)
        fclose(f);
    if (got != 0) {
        fprintf(stderr, "usherctl: no password given (one non-empty line expected)\n");
        return EXIT_RUNTIME;
    }
    struct usher_config cfg;
    const char *path;
    if (load_config(cli, &cfg, &path) != 0)
        return EXIT_RUNTIME;
    settings_env_init(&cfg);
    struct db *db = open_database(&cfg);
    int rc = EXIT_RUNTIME;
    if (db) {
        struct arena *a = arena_new(4096);
        struct ctx local;
        accounts_local_begin(&local, db, a);
        struct account_new in = { .email = email, .name = name, .role = "admin",
                                  .password = password, .apply_policy = true,
                                  .first_becomes_admin = true, .gate = CREATE_ALWAYS };
        struct user *u;
        struct account_result r;
        if (accounts_create(&local, DOOR_CLI, &in, &u, &r) == 0) {
            printf("created administrator %s\n", cli_text(a, u->email));
            rc = EXIT_OK;
        } else {
            fprintf(stderr, "usherctl: create-admin: %s: %s\n", cli_text(a, email),
                    cli_text(a, r.reason));
        }
        accounts_local_end(&local);
        arena_free(a);
        db_close(db);
    }
    OPENSSL_cleanse(password, sizeof password);
    config_free(&cfg);
    return rc;
}

static int cmd_version(const struct cli *cli, int argc, char **argv)
{
    if (argc != 1)
        return command_usage(argv[0]);
    printf("usherctl (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
    return EXIT_OK;
}

/* The route table the daemon serves, one route a line (the access-matrix test reads it). */
static int cmd_routes(const struct cli *cli, int argc, char **argv)
{
    (void)cli;
    if (argc != 1)
        return command_usage(argv[0]);
    static const char *const targets[] = {
        [TARGET_NONE] = "-", [TARGET_USER] = "user", [TARGET_USER_404] = "user",
        [TARGET_USER_GROUPS] = "user", [TARGET_USER_GROUPS_404] = "user",
        [TARGET_GROUP] = "group", [TARGET_GROUP_404] = "group",
    };
    for (size_t i = 0; i < usher_routes_count; i++) {
        const struct route *r = &usher_routes[i];
        printf("%s\t%s\t%s\t%s\n", http_method_name(r->method), r->pattern,
               router_access_name(r->access), targets[r->target]);
    }
    return EXIT_OK;
}

static int cmd_help(const struct cli *cli, int argc, char **argv)
{
    usage(stdout);
    return EXIT_OK;
}

/* ----- resources and access grants ---------------------------------------------------- */

/* Runs fn against the database of the configuration; its exit status, or EXIT_RUNTIME
 * when there is no database. */
static int with_database(const struct cli *cli, int (*fn)(struct db *db, int argc, char **argv),
                         int argc, char **argv)
{
    struct usher_config cfg;
    const char *path;
    if (load_config(cli, &cfg, &path) != 0)
        return EXIT_RUNTIME;
    struct db *db = open_database(&cfg);
    int rc = EXIT_RUNTIME;
    if (db) {
        rc = fn(db, argc, argv);
        db_close(db);
    }
    config_free(&cfg);
    return rc;
}

static int db_failed(const char *what, struct db *db)
{
    fprintf(stderr, "usherctl: %s: %s\n", what, db_error(db));
    return EXIT_RUNTIME;
}

static int resource_type_arg(const char *name)
{
    int t = resource_type_parse(name);
    if (t < 0)
        fprintf(stderr, "usherctl: unknown resource type '%s' (model, knowledge or tool)\n", name);
    return t;
}

/* resource add TYPE ID NAME [--owner USER_ID] [--inactive] */
static int resource_add(struct db *db, int argc, char **argv)
{
    struct resource r = { .is_active = true };
    int pos = 0;
    const char *args[3] = { NULL, NULL, NULL };
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--owner") == 0 && i + 1 < argc)
            r.user_id = argv[++i];
        else if (strcmp(argv[i], "--inactive") == 0)
            r.is_active = false;
        else if (argv[i][0] == '-' || pos == 3)
            return command_usage("resource");
        else
            args[pos++] = argv[i];
    }
    int t = pos == 3 ? resource_type_arg(args[0]) : -1;
    if (pos != 3)
        return command_usage("resource");
    if (t < 0 || !args[1][0])
        return EXIT_USAGE;
    if (!r.is_active && t != RESOURCE_MODEL) {
        fprintf(stderr, "usherctl: only models can be inactive\n");
        return EXIT_USAGE;
    }
    r.type = (enum resource_type)t;
    r.id = args[1];
    r.name = args[2];
    if (db_resource_put(db, &r) != DB_OK)
        return db_failed("resource add", db);
    printf("%s %s registered%s\n", args[0], r.id, r.is_active ? "" : " (inactive)");
    return EXIT_OK;
}

/* resource rm TYPE ID */
static int resource_rm(struct db *db, int argc, char **argv)
{
    if (argc != 4)
        return command_usage("resource");
    int t = resource_type_arg(argv[2]);
    if (t < 0)
        return EXIT_USAGE;
    int rc = db_resource_delete(db, (enum resource_type)t, argv[3]);
    if (rc == DB_NOT_FOUND) {
        fprintf(stderr, "usherctl: no %s %s\n", argv[2], argv[3]);
        return EXIT_RUNTIME;
    }
    if (rc != DB_OK)
        return db_failed("resource rm", db);
    printf("%s %s and its grants removed\n", argv[2], argv[3]);
    return EXIT_OK;
}

/* resource list [TYPE]: one line per resource, tab-separated. */
static int resource_list(struct db *db, int argc, char **argv)
{
    if (argc > 3)
        return command_usage("resource");
    int t = argc == 3 ? resource_type_arg(argv[2]) : -1;
    if (argc == 3 && t < 0)
        return EXIT_USAGE;
    struct arena *a = arena_new(16384);
    struct resource *rs;
    size_t n;
    if (!a || db_resource_list(db, a, t, &rs, &n) != DB_OK) {
        arena_free(a);
        return db_failed("resource list", db);
    }
    for (size_t i = 0; i < n; i++)
        printf("%s\t%s\t%s\t%s\t%s\n", resource_type_name(rs[i].type), cli_text(a, rs[i].id),
               cli_text(a, rs[i].name), rs[i].user_id ? cli_text(a, rs[i].user_id) : "-",
               rs[i].is_active ? "active" : "inactive");
    arena_free(a);
    return EXIT_OK;
}

/* An add|rm|list command: the subcommand in argv[1] runs with the database. */
struct subcommand {
    const char *name;
    int (*run)(struct db *db, int argc, char **argv);
};

static int run_subcommand(const struct cli *cli, int argc, char **argv,
                          const struct subcommand *subs, size_t n)
{
    for (size_t i = 0; argc >= 2 && i < n; i++)
        if (strcmp(argv[1], subs[i].name) == 0)
            return with_database(cli, subs[i].run, argc, argv);
    return command_usage(argv[0]);
}

static int cmd_resource(const struct cli *cli, int argc, char **argv)
{
    static const struct subcommand subs[] = {
        { "add", resource_add }, { "rm", resource_rm }, { "list", resource_list },
    };
    return run_subcommand(cli, argc, argv, subs, sizeof(subs) / sizeof(subs[0]));
}

/* A grant from TYPE ID PRINCIPAL [PERMISSION] at argv[2..]: PRINCIPAL is user:ID, user:*,
 * group:ID or anyone. 0, or EXIT_USAGE after saying why. */
static int grant_args(int argc, char **argv, struct grant *g, char *ptype, size_t ptype_len)
{
    if (argc != 5 && argc != 6)
        return command_usage("grant");
    g->resource_type = argv[2];
    g->resource_id = argv[3];
    const char *p = argv[4];
    const char *colon = strchr(p, ':');
    if (strcmp(p, "anyone") == 0 || strcmp(p, "anyone:*") == 0) {
        snprintf(ptype, ptype_len, "anyone");
        g->principal_id = "*";
    } else if (colon && colon[1] && (size_t)(colon - p) < ptype_len &&
               (strncmp(p, "user:", 5) == 0 || strncmp(p, "group:", 6) == 0)) {
        snprintf(ptype, ptype_len, "%.*s", (int)(colon - p), p);
        g->principal_id = colon + 1;
    } else {
        fprintf(stderr, "usherctl: principal '%s' is none of user:ID, user:*, group:ID, anyone\n", p);
        return EXIT_USAGE;
    }
    g->principal_type = ptype;
    g->permission = argc == 6 ? argv[5] : "read";
    if (strcmp(g->permission, "read") != 0 && strcmp(g->permission, "write") != 0) {
        fprintf(stderr, "usherctl: permission '%s' is neither read nor write\n", g->permission);
        return EXIT_USAGE;
    }
    if (strcmp(ptype, "anyone") == 0 && strcmp(g->permission, "read") != 0) {
        fprintf(stderr, "usherctl: anyone can only be granted read\n");
        return EXIT_USAGE;
    }
    if (!g->resource_type[0] || !g->resource_id[0]) {
        fprintf(stderr, "usherctl: empty resource type or id\n");
        return EXIT_USAGE;
    }
    return 0;
}

static int grant_add(struct db *db, int argc, char **argv)
{
    struct grant g;
    char ptype[16];
    int rc = grant_args(argc, argv, &g, ptype, sizeof ptype);
    if (rc != 0)
        return rc;
    rc = db_grant_add(db, &g);
    if (rc == DB_DUPLICATE) {
        printf("%s %s: %s:%s already has %s\n", g.resource_type, g.resource_id, ptype,
               g.principal_id, g.permission);
        return EXIT_OK;
    }
    if (rc != DB_OK)
        return db_failed("grant add", db);
    printf("%s %s: %s granted to %s:%s\n", g.resource_type, g.resource_id, g.permission, ptype,
           g.principal_id);
    return EXIT_OK;
}

static int grant_rm(struct db *db, int argc, char **argv)
{
    struct grant g;
    char ptype[16];
    int rc = grant_args(argc, argv, &g, ptype, sizeof ptype);
    if (rc != 0)
        return rc;
    rc = db_grant_delete(db, &g);
    if (rc == DB_NOT_FOUND) {
        fprintf(stderr, "usherctl: no such grant\n");
        return EXIT_RUNTIME;
    }
    if (rc != DB_OK)
        return db_failed("grant rm", db);
    printf("%s %s: %s of %s:%s removed\n", g.resource_type, g.resource_id, g.permission, ptype,
           g.principal_id);
    return EXIT_OK;
}

/* grant list [TYPE [ID]]: one line per grant, tab-separated. */
static int grant_list(struct db *db, int argc, char **argv)
{
    if (argc > 4)
        return command_usage("grant");
    struct arena *a = arena_new(16384);
    struct grant *gs;
    size_t n;
    if (!a || db_grant_list(db, a, argc > 2 ? argv[2] : NULL, argc > 3 ? argv[3] : NULL, &gs,
                            &n) != DB_OK) {
        arena_free(a);
        return db_failed("grant list", db);
    }
    for (size_t i = 0; i < n; i++)
        printf("%s\t%s\t%s:%s\t%s\n", cli_text(a, gs[i].resource_type),
               cli_text(a, gs[i].resource_id), cli_text(a, gs[i].principal_type),
               cli_text(a, gs[i].principal_id), cli_text(a, gs[i].permission));
    arena_free(a);
    return EXIT_OK;
}

static int cmd_grant(const struct cli *cli, int argc, char **argv)
{
    static const struct subcommand subs[] = {
        { "add", grant_add }, { "rm", grant_rm }, { "list", grant_list },
    };
    return run_subcommand(cli, argc, argv, subs, sizeof(subs) / sizeof(subs[0]));
}

/* What a command needs beside the database. */
enum { NEEDS_SETTINGS = 1, NEEDS_SECRET = 2 };

/* with_database, with the settings resolved (NEEDS_SETTINGS) and the server secret loaded
 * when one exists (NEEDS_SECRET; never made here). */
static int with_settings_database(const struct cli *cli, unsigned needs,
                                  int (*fn)(struct db *db, int argc, char **argv),
                                  int argc, char **argv)
{
    struct usher_config cfg;
    const char *path;
    if (load_config(cli, &cfg, &path) != 0)
        return EXIT_RUNTIME;
    if (needs & NEEDS_SETTINGS)
        settings_env_init(&cfg);
    if (needs & NEEDS_SECRET)
        secret_load_existing(&cfg);
    struct db *db = open_database(&cfg);
    int rc = db ? fn(db, argc, argv) : EXIT_RUNTIME;
    db_close(db);
    config_free(&cfg);
    return rc;
}

/* The user commands need the settings (password policy, bcrypt cost) besides the database. */
static int cmd_user(const struct cli *cli, int argc, char **argv)
{
    return with_settings_database(cli, NEEDS_SETTINGS, cli_user, argc, argv);
}

/* The LDAP test needs the settings (ldap.timeout) and the stored LDAP settings. */
static int cmd_ldap(const struct cli *cli, int argc, char **argv)
{
    if (argc != 3 || strcmp(argv[1], "test") != 0)
        return command_usage(argv[0]);
    return with_settings_database(cli, NEEDS_SETTINGS, cli_ldap, argc, argv);
}

/* The import needs the settings and the server secret (to seal the API keys it brings;
 * without one, keys are kept as digests only). */
static int cmd_import(const struct cli *cli, int argc, char **argv)
{
    return with_settings_database(cli, NEEDS_SETTINGS | NEEDS_SECRET, cli_import, argc, argv);
}

static int cmd_audit(const struct cli *cli, int argc, char **argv)
{
    return with_database(cli, cli_audit, argc, argv);
}

int main(int argc, char **argv)
{
    struct cli cli = { default_config_path, false };
    int i = 1;
    /* Global options end at the command name, so a command's own options are its own. */
    while (i < argc && argv[i][0] == '-') {
        if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
            cli.config_path = argv[i + 1];
            cli.config_given = true;
            i += 2;
        } else if (strncmp(argv[i], "-c", 2) == 0 && argv[i][2]) {
            cli.config_path = argv[i] + 2;
            cli.config_given = true;
            i++;
        } else if (strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return EXIT_OK;
        } else if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        } else {
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    log_open(NULL);
    log_set_level(LOG_LEVEL_WARNING);
    for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++)
        if (strcmp(commands[k].name, argv[i]) == 0)
            return commands[k].run(&cli, argc - i, argv + i);
    fprintf(stderr, "usherctl: unknown command '%s'\n", argv[i]);
    usage(stderr);
    return EXIT_USAGE;
}
