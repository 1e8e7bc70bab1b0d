#ifndef USHER_CLI_AUDIT_H
#define USHER_CLI_AUDIT_H
/* `usherctl audit`: reading the audit trail (see usherctl(8)). */
struct db;

/* Runs `audit [--since WHEN] [--actor WHO] [--action NAME] [--limit N] [--json]` (argv[0] is
 * "audit") on db, printing to stdout: a table, or one JSON object a line. WHEN is a
 * duration back from now (30m, 12h, 7d), epoch seconds, or a date YYYY-MM-DD (UTC).
 * Returns 0, 1 on a database error (printed to stderr), 2 on bad arguments. */
int cli_audit(struct db *db, int argc, char **argv);

#endif
