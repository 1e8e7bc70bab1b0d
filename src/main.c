/* usher-fcgi: options, the configuration, then the pool master in the foreground. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "usher/config.h"
#include "usher/ids.h"
#include "usher/pool.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

static const char default_config_path[] = SYSCONFDIR "/usher/usher.conf";

static void usage(FILE *out)
{
    fprintf(out,
            "usage: usher-fcgi [-t] [-c file]\n"
            "       usher-fcgi -v | -h\n"
            "  -c file  configuration file (default %s if it exists,\n"
            "           else defaults and USHER_* environment variables only)\n"
            "  -t       test the configuration and exit: 0 when valid, 1 with the reason\n"
            "  -v       print the version and exit\n"
            "  -h       print this help and exit\n"
            "Runs in the foreground. Signals: TERM/INT stop, QUIT graceful stop,\n"
            "USR1 reopen the log, USR2 reload the configuration. See usher-fcgi(8).\n",
            default_config_path);
}

int main(int argc, char **argv)
{
    const char *path = NULL;
    int test_only = 0, opt;
    while ((opt = getopt(argc, argv, "c:thv")) != -1) {
        switch (opt) {
        case 'c':
            path = optarg;
            break;
        case 't':
            test_only = 1;
            break;
        case 'v':
            printf("usher-fcgi %s\n", PACKAGE_VERSION);
            return 0;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "usher-fcgi: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 1;
    }
    /* Without -c the default file is optional: a container may configure through the
     * environment alone. */
    if (!path && (access(default_config_path, F_OK) == 0 || errno != ENOENT))
        path = default_config_path;

    struct usher_config cfg;
    char err[600];
    if (config_load(path, &cfg, err, sizeof(err)) != 0 ||
        ids_check_config(&cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "usher-fcgi: %s\n", err);
        if (test_only)
            fprintf(stderr, "usher-fcgi: configuration %s test failed\n",
                    path ? path : "(environment)");
        config_free(&cfg);
        return 1;
    }
    if (test_only) {
        printf("usher-fcgi: configuration %s test is successful\n",
               path ? path : "(defaults and environment)");
        config_free(&cfg);
        return 0;
    }
    int status = pool_main(path, &cfg);
    config_free(&cfg);
    return status;
}
