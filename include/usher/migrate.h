#ifndef USHER_MIGRATE_H
#define USHER_MIGRATE_H
/* Forward-only schema migrations: sql/NNN_name.sql files applied in order, each recorded
 * in schema_migrations(version, name, applied_at). Idempotent: applied versions are skipped. */
#include <stdio.h>
struct db;

/* Applies every pending migration found in dir. Writes one line per applied migration to
 * out (may be NULL). Returns the number applied (>= 0), or -1 after logging the failing
 * file and the server's error (that migration rolled back where MariaDB allows). */
int migrate_apply(struct db *db, const char *dir, FILE *out);
/* Highest applied version, 0 for an empty database, -1 on error. */
int migrate_current_version(struct db *db);

#endif
