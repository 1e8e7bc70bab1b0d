#ifndef USHER_CLI_SECURITY_H
#define USHER_CLI_SECURITY_H
/* `usherctl user reset-mfa ID|EMAIL` and `usherctl user unlock ID|EMAIL` (usherctl(8)):
 * what DELETE /api/v1/users/{id}/mfa and POST /api/v1/users/{id}/unlock do, for an admin
 * with a shell (a lost phone and no other admin). Each writes its audit row
 * (user.mfa_reset, user.unlock; detail "usherctl"). Run by cli_user on argv as given to
 * it (argv[1] the subcommand), with the local ctx of accounts_local_begin. Return 0, 1 on a failure (printed), 2 on bad arguments. */
struct ctx;

int cli_user_reset_mfa(struct ctx *c, int argc, char **argv);
int cli_user_unlock(struct ctx *c, int argc, char **argv);

#endif
