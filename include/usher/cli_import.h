#ifndef USHER_CLI_IMPORT_H
#define USHER_CLI_IMPORT_H
/* `usherctl import-openwebui [--dry-run] [--merge-by-email] [--only LIST] [--wait SECONDS]
 * PATH/webui.db`: brings Open WebUI's accounts into usher (see usherctl(8) and
 * doc/import.md). Reads the whole file first (one read transaction; nothing is written when
 * it cannot be read), then writes table by table in transactions of IMPORT_BATCH rows; a
 * batch that fails is rolled back and its rows tried one by one, so one bad row costs only
 * itself. Never overwrites what usher has: a row already there is "unchanged", a different
 * one with the same id or e-mail (or group name, or config key) is skipped as a conflict.
 * Progress goes to stderr (a bar on a terminal, plain lines otherwise), the summary table
 * and the per-row reasons to stdout. */
struct db;

/* argv[0] is "import-openwebui". The settings (settings_env_init) must be initialised and
 * the server secret loaded (secret_load) for API keys to be sealed; without it they are
 * stored as digests only (they work, but cannot be shown again). Returns 0 when nothing was
 * skipped for an error (refused rows, dropped cells, database failures), 1 otherwise or
 * when the file cannot be read, 2 on bad arguments. */
int cli_import(struct db *db, int argc, char **argv);

#endif
