/* Forward-only schema migrations: sql/NNN_name.sql applied in numeric order under a
 * lock that holds across the nodes of a Galera cluster too (a row of
 * schema_migration_lock), each recorded in schema_migrations. */
#include "config.h"

#include "usher/migrate.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "usher/arena.h"
#include "usher/db.h"
#include "usher/log.h"

enum {
    /* How long a run waits for another one's lock. */
    LOCK_TIMEOUT_S = 300,
    /* A lock not renewed for this long is taken over (its run died); a run renews it
     * before every migration. */
    LOCK_LEASE_S = 120,
    MAX_SCRIPT_BYTES = 16 * 1024 * 1024,
    MAX_MIGRATIONS = 10000,
};

/* Kept here rather than in a migration: it must exist before any migration is read. */
static const char create_table_sql[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INT NOT NULL PRIMARY KEY,"
    " name VARCHAR(255) NOT NULL,"
    " applied_at BIGINT NOT NULL"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";

static const char table_exists_sql[] =
    "SELECT COUNT(*) FROM information_schema.tables"
    " WHERE table_schema = DATABASE() AND table_name = 'schema_migrations'";
static const char max_version_sql[] = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
static const char applied_sql[] = "SELECT version FROM schema_migrations ORDER BY version";
static const char record_sql[] =
    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)";
/* The lock: one row, taken with a write that conflicts with any other run's (on another
 * Galera node too: GET_LOCK holds only on its own server). A run owns it when the row,
 * read causally after its write, names it. */
static const char create_lock_sql[] =
    "CREATE TABLE IF NOT EXISTS schema_migration_lock ("
    " id TINYINT NOT NULL PRIMARY KEY,"
    " holder VARCHAR(100) NOT NULL,"
    " expires_at BIGINT NOT NULL"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";
static const char take_lock_sql[] =
    "INSERT INTO schema_migration_lock (id, holder, expires_at) VALUES (1, ?, ?) "
    "ON DUPLICATE KEY UPDATE "
    "holder = IF(expires_at < ? OR holder = VALUES(holder), VALUES(holder), holder), "
    "expires_at = IF(holder = VALUES(holder), VALUES(expires_at), expires_at)";
static const char lock_holder_sql[] = "SELECT holder FROM schema_migration_lock WHERE id = 1";
static const char release_lock_sql[] =
    "UPDATE schema_migration_lock SET expires_at = 0 WHERE id = 1 AND holder = ?";

struct migration {
    int version;
    char *name;   /* file name, e.g. "001_initial.sql" */
};

/* "NNN_something.sql" with NNN > 0: returns the version, or 0 if the name does not fit
 * (such files are ignored, so editors' backups and READMEs may sit beside them). */
static int parse_version(const char *name)
{
    const char *p = name;
    long v = 0;
    if (!isdigit((unsigned char)*p))
        return 0;
    while (isdigit((unsigned char)*p)) {
        v = v * 10 + (*p - '0');
        if (v > INT_MAX / 10)
            return 0;
        p++;
    }
    if (*p != '_' || v <= 0)
        return 0;
    size_t len = strlen(name);
    if (len < 5 || strcmp(name + len - 4, ".sql") != 0 || (size_t)(p - name) + 1 >= len - 4)
        return 0;
    return (int)v;
}

static int by_version(const void *a, const void *b)
{
    const struct migration *x = a, *y = b;
    return (x->version > y->version) - (x->version < y->version);
}

static void free_list(struct migration *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i].name);
    free(list);
}

/* Lists the migrations in dir, sorted. Returns the count, or -1 (logged). */
static long list_migrations(const char *dir, struct migration **out)
{
    DIR *d = opendir(dir);
    if (!d) {
        log_error("migrate: cannot open %s: %s", dir, strerror(errno));
        return -1;
    }
    struct migration *list = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    bool failed = false;
    while ((e = readdir(d)) != NULL) {
        int v = parse_version(e->d_name);
        if (!v)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            struct migration *grown = cap <= MAX_MIGRATIONS ? realloc(list, cap * sizeof *list)
                                                            : NULL;
            if (!grown) {
                log_error("migrate: too many files or out of memory in %s", dir);
                failed = true;
                break;
            }
            list = grown;
        }
        list[n].version = v;
        list[n].name = strdup(e->d_name);
        if (!list[n].name) {
            log_error("migrate: out of memory");
            failed = true;
            break;
        }
        n++;
    }
    closedir(d);
    if (!failed && n > 1) {
        qsort(list, n, sizeof *list, by_version);
        for (size_t i = 1; i < n; i++)
            if (list[i].version == list[i - 1].version) {
                log_error("migrate: %s and %s have the same version number", list[i - 1].name,
                          list[i].name);
                failed = true;
                break;
            }
    }
    if (failed) {
        free_list(list, n);
        return -1;
    }
    *out = list;
    return (long)n;
}

/* Reads dir/name whole into a NUL-terminated malloc'd buffer. NULL on error (logged). */
static char *read_script(const char *dir, const char *name)
{
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path) {
        log_error("migrate: path too long: %s/%s", dir, name);
        return NULL;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        log_error("migrate: cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_SCRIPT_BYTES) {
        log_error("migrate: %s is not a regular file of at most %d bytes", path,
                  MAX_SCRIPT_BYTES);
        goto out;
    }
    size_t size = (size_t)st.st_size;
    buf = malloc(size + 1);
    if (!buf) {
        log_error("migrate: out of memory reading %s", path);
        goto out;
    }
    if (fread(buf, 1, size, f) != size || ferror(f)) {
        log_error("migrate: cannot read %s", path);
        free(buf);
        buf = NULL;
        goto out;
    }
    buf[size] = '\0';
    if (strlen(buf) != size) {
        log_error("migrate: %s contains a NUL byte", path);
        free(buf);
        buf = NULL;
    }
out:
    fclose(f);
    return buf;
}

/* True when the script holds at least one statement (not only comments and blanks), so
 * an empty placeholder file is recorded without being sent to the server. */
static bool has_statement(const char *sql)
{
    const char *p = sql;
    while (*p) {
        if (isspace((unsigned char)*p) || *p == ';') {
            p++;
        } else if ((p[0] == '-' && p[1] == '-') || *p == '#') {
            while (*p && *p != '\n')
                p++;
        } else if (p[0] == '/' && p[1] == '*') {
            const char *end = strstr(p + 2, "*/");
            if (!end)
                return false;
            p = end + 2;
        } else {
            return true;
        }
    }
    return false;
}

/* Sorted applied versions into a malloc'd array. Returns the count or -1. */
static long applied_versions(struct db *db, struct arena *arena, int **out)
{
    struct db_result r;
    if (db_query(db, arena, applied_sql, NULL, 0, &r) != DB_OK)
        return -1;
    int *v = malloc((r.nrows ? r.nrows : 1) * sizeof *v);
    if (!v)
        return -1;
    for (size_t i = 0; i < r.nrows; i++)
        v[i] = atoi(db_cell(&r, i, 0));
    *out = v;
    return (long)r.nrows;
}

static bool contains(const int *v, long n, int x)
{
    for (long i = 0; i < n; i++)
        if (v[i] == x)
            return true;
    return false;
}

/* Takes (or renews) the lock for holder, waiting up to LOCK_TIMEOUT_S for another run.
 * Returns 0 when held. */
static int take_lock(struct db *db, struct arena *arena, const char *holder, FILE *out)
{
    time_t deadline = time(NULL) + LOCK_TIMEOUT_S;
    bool said = false;
    for (;;) {
        long long now = (long long)time(NULL);
        struct db_result r;
        /* A conflict with another run's write (1213) just means "not ours": read the row. */
        db_exec(db, take_lock_sql,
                DB_PARAMS(db_str(holder), db_int(now + LOCK_LEASE_S), db_int(now)), NULL);
        if (db_query_causal(db, arena, lock_holder_sql, NULL, 0, &r) != DB_OK)
            return -1;
        if (r.nrows == 1 && db_cell(&r, 0, 0) && strcmp(db_cell(&r, 0, 0), holder) == 0)
            return 0;
        if (time(NULL) >= deadline) {
            log_error("migrate: another migration (%s) has held the lock for %d s; try again "
                      "later", r.nrows == 1 && db_cell(&r, 0, 0) ? db_cell(&r, 0, 0) : "?",
                      LOCK_TIMEOUT_S);
            return -1;
        }
        if (!said && out) {
            fprintf(out, "waiting for another usherctl migrate (%s)\n",
                    r.nrows == 1 && db_cell(&r, 0, 0) ? db_cell(&r, 0, 0) : "?");
            fflush(out);
        }
        said = true;
        struct timespec ts = { 0, 500 * 1000000L };
        nanosleep(&ts, NULL);
    }
}

/* Applies one migration in a transaction. DDL statements commit implicitly in MariaDB,
 * so the transaction only makes the DML of the script and its record atomic; the
 * scripts themselves are written to be re-runnable (IF NOT EXISTS). */
static int apply_one(struct db *db, const char *dir, const struct migration *m)
{
    char *sql = read_script(dir, m->name);
    if (!sql)
        return -1;
    int rc = db_begin(db);
    if (rc == DB_OK && has_statement(sql))
        rc = db_exec_script(db, sql);
    if (rc == DB_OK)
        rc = db_exec(db, record_sql,
                     DB_PARAMS(db_int(m->version), db_str(m->name), db_int((long long)time(NULL))),
                     NULL);
    if (rc == DB_OK)
        rc = db_commit(db);
    else
        db_rollback(db);
    free(sql);
    if (rc != DB_OK) {
        log_error("migrate: %s failed: %s", m->name, db_error(db));
        return -1;
    }
    return 0;
}

int migrate_apply(struct db *db, const char *dir, FILE *out)
{
    struct migration *list = NULL;
    long n = list_migrations(dir, &list);
    if (n < 0)
        return -1;
    if (n == 0)
        log_warning("migrate: no NNN_name.sql files in %s", dir);

    struct arena *arena = arena_new(4096);
    if (!arena) {
        free_list(list, (size_t)n);
        return -1;
    }
    int applied = -1;
    int *done = NULL;
    bool locked = false;

    char holder[100], host[64] = "";
    gethostname(host, sizeof host - 1);
    snprintf(holder, sizeof holder, "%.60s pid %ld at %lld", host, (long)getpid(),
             (long long)time(NULL));
    if (db_exec_script(db, create_table_sql) != DB_OK ||
        db_exec_script(db, create_lock_sql) != DB_OK)
        goto out;
    /* A second `usherctl migrate`, on this server or another node of a cluster, waits here
     * for the first, then finds everything applied. */
    if (take_lock(db, arena, holder, out) != 0)
        goto out;
    locked = true;
    db_set_causal(db, true);   /* Galera: read what the other runs committed on any node */

    long ndone = applied_versions(db, arena, &done);
    if (ndone < 0)
        goto out;
    int highest = ndone ? done[ndone - 1] : 0;
    for (long i = 0; i < ndone; i++) {
        bool known = false;
        for (long j = 0; j < n && !known; j++)
            known = list[j].version == done[i];
        if (!known)
            log_warning("migrate: the database has migration %d, which %s does not hold "
                        "(was it made by a newer usher?)", done[i], dir);
    }

    applied = 0;
    for (long i = 0; i < n; i++) {
        if (contains(done, ndone, list[i].version))
            continue;
        if (take_lock(db, arena, holder, NULL) != 0) {   /* renews the lease */
            applied = -1;
            break;
        }
        if (list[i].version < highest)
            log_warning("migrate: applying %s after the newer migration %d", list[i].name,
                        highest);
        if (apply_one(db, dir, &list[i]) != 0) {
            applied = -1;
            break;
        }
        if (out)
            fprintf(out, "applied %s\n", list[i].name);
        applied++;
    }
out:
    if (locked) {
        arena_reset(arena);
        /* The lock also goes when the connection closes; this is a courtesy. */
        db_exec(db, release_lock_sql, DB_PARAMS(db_str(holder)), NULL);
    }
    free(done);
    arena_free(arena);
    free_list(list, (size_t)n);
    return applied;
}

int migrate_current_version(struct db *db)
{
    struct arena *arena = arena_new(1024);
    if (!arena)
        return -1;
    int version = -1;
    struct db_result r;
    if (db_query(db, arena, table_exists_sql, NULL, 0, &r) == DB_OK && r.nrows == 1) {
        if (strcmp(db_cell(&r, 0, 0), "0") == 0)
            version = 0;
        else if (db_query(db, arena, max_version_sql, NULL, 0, &r) == DB_OK && r.nrows == 1)
            version = atoi(db_cell(&r, 0, 0));
    }
    arena_free(arena);
    return version;
}
