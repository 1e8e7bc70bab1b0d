#ifndef USHER_CLI_LDAP_H
#define USHER_CLI_LDAP_H
/* `usherctl ldap test USER`: the LDAP sign-in's directory half with the resolved settings
 * (also while LDAP is off), for admins debugging a directory. It creates and changes
 * nothing: it prints each step on its own line as it runs (server and TLS mode, the
 * application bind, the filter sent, the DN found, mail, cn, group names, the user bind)
 * and the account the sign-in maps to, or that one would be created. */
struct db;

/* Runs `ldap test USER` (argv[0] is "ldap"); the password is the first line of stdin and is
 * never printed. The settings (settings_env_init) must be initialised. Returns 0 when the
 * sign-in would succeed, 1 when it would not (or the database fails), 2 on bad
 * arguments. */
int cli_ldap(struct db *db, int argc, char **argv);

#endif
