#ifndef USHER_CLI_USER_H
#define USHER_CLI_USER_H
/* `usherctl user ...`: the admin's shell tools for accounts (see usherctl(8)). They go
 * through the data layer and rules the API uses: the password policy and bcrypt, unique
 * e-mails, the primary admin's protection, and a role or password change ends the user's
 * earlier sessions on every worker. */
#include <stddef.h>
#include <stdio.h>

struct db;

/* Runs `user list|show|add|set-role|set-password|delete|import ...` (argv[0] is "user") on
 * db. The settings (settings_env_init) must be initialised. Passwords are read from stdin
 * (one line), never from the command line. Returns 0, 1 on a failure (printed to stderr),
 * 2 on bad arguments. */
int cli_user(struct db *db, int argc, char **argv);
/* Reads the first line of f (without its line end) into buf. Returns 0, or -1 when there is
 * none, it is empty, or longer than len - 1. */
int cli_read_password(FILE *f, char *buf, size_t len);

#endif
