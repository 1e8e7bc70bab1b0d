/* Reading webui.db with libsqlite3 (see owui_read.h). The only file that knows SQLite. */
#include "config.h"
#include "usher/owui_read.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "usher/arena.h"

struct owui_db {
    sqlite3 *h;
    struct arena *meta;           /* the column lists */
    const char **cols;            /* "table\tcolumn" and "table\t" entries */
    size_t ncols;
    struct owui_shape shape;
};

/* ---- opening --------------------------------------------------------------------------- */

static unsigned long be(const unsigned char *p, int n)
{
    unsigned long v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* The header: the magic, and a file as long as the page count it records. */
static int check_header(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    unsigned char h[100];
    size_t got = fread(h, 1, sizeof h, f);
    struct stat st;
    int fd_ok = fstat(fileno(f), &st) == 0;
    fclose(f);
    if (got < sizeof h || memcmp(h, "SQLite format 3", 16) != 0) {
        snprintf(err, errlen, "%s is not an SQLite database (Open WebUI's is webui.db in its "
                 "data directory)", path);
        return -1;
    }
    unsigned long page = be(h + 16, 2), pages = be(h + 28, 4);
    if (page == 1)
        page = 65536;
    /* the page count is valid when the change counter matches version-valid-for */
    if (fd_ok && pages && be(h + 24, 4) == be(h + 92, 4) &&
        (unsigned long long)st.st_size < (unsigned long long)page * pages) {
        snprintf(err, errlen, "%s is truncated: its header says %llu bytes, the file has %lld",
                 path, (unsigned long long)page * pages, (long long)st.st_size);
        return -1;
    }
    return 0;
}

static int sql_fail(struct owui_db *db, const char *what, char *err, size_t errlen)
{
    int code = sqlite3_errcode(db->h);
    const char *hint = "";
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
        hint = " (is Open WebUI running and writing? stop it, or import a copy made with "
               "sqlite3 webui.db '.backup copy.db')";
    else if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
        hint = " (the file is damaged: nothing was imported)";
    snprintf(err, errlen, "reading %s: %s%s", what, sqlite3_errmsg(db->h), hint);
    return -1;
}

static bool has_col(void *ctx, const char *table, const char *column)
{
    struct owui_db *db = ctx;
    char key[256];
    snprintf(key, sizeof key, "%s\t%s", table, column ? column : "");
    for (size_t i = 0; i < db->ncols; i++)
        if (strcmp(db->cols[i], key) == 0)
            return true;
    return false;
}

/* Every table's columns, from sqlite_master and pragma_table_info. */
static int load_columns(struct owui_db *db, char *err, size_t errlen)
{
    static const char sql[] =
        "SELECT m.name, p.name FROM sqlite_master m LEFT JOIN pragma_table_info(m.name) p "
        "WHERE m.type = 'table'";
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK)
        return sql_fail(db, "the schema", err, errlen);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (db->ncols + 2 > cap) {
            cap = cap ? cap * 2 : 256;
            const char **n = arena_alloc(db->meta, cap * sizeof(*n));
            if (db->ncols)
                memcpy(n, db->cols, db->ncols * sizeof(*n));
            db->cols = n;
        }
        const char *t = (const char *)sqlite3_column_text(st, 0);
        const char *c = (const char *)sqlite3_column_text(st, 1);
        db->cols[db->ncols++] = arena_printf(db->meta, "%s\t", t ? t : "");
        if (c)
            db->cols[db->ncols++] = arena_printf(db->meta, "%s\t%s", t ? t : "", c);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : sql_fail(db, "the schema", err, errlen);
}

/* The alembic revision into *rev (NULL when the table is empty). 0, or -1 with err. */
static int revision(struct owui_db *db, const char **rev, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    *rev = NULL;
    if (sqlite3_prepare_v2(db->h, "SELECT version_num FROM alembic_version", -1, &st, NULL) !=
        SQLITE_OK)
        return sql_fail(db, "table alembic_version", err, errlen);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_text(st, 0))
        *rev = arena_strdup(db->meta, (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        return 0;
    return sql_fail(db, "table alembic_version", err, errlen);
}

struct owui_db *owui_open(const char *path, int wait_ms, char *err, size_t errlen)
{
    if (check_header(path, err, errlen) != 0)
        return NULL;
    struct owui_db *db = calloc(1, sizeof(*db));
    if (!db || !(db->meta = arena_new(16384))) {
        free(db);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    /* read-only, and no journal or -shm file made beside it */
    if (sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, db->h ? sqlite3_errmsg(db->h) : "cannot open");
        owui_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db->h, wait_ms);
    if (sqlite3_exec(db->h, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
        load_columns(db, err, errlen) != 0) {
        if (!err[0])
            sql_fail(db, path, err, errlen);
        owui_close(db);
        return NULL;
    }
    const char *rev = NULL;
    if ((has_col(db, "alembic_version", NULL) && revision(db, &rev, err, errlen) != 0) ||
        owui_shape_detect(has_col, db, rev, &db->shape, err, errlen) != 0) {
        owui_close(db);
        return NULL;
    }
    return db;
}

void owui_close(struct owui_db *db)
{
    if (!db)
        return;
    if (db->h) {
        sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
        sqlite3_close(db->h);
    }
    arena_free(db->meta);
    free(db);
}

const struct owui_shape *owui_db_shape(const struct owui_db *db)
{
    return &db->shape;
}

/* ---- rows ------------------------------------------------------------------------------ */

/* A growing table of rows in the arena. */
struct grow {
    struct owui_rows *t;
    size_t cap;
    struct arena *a;
};

static const char **grow_row(struct grow *g)
{
    struct owui_rows *t = g->t;
    if (t->nrows == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 64;
        const char **n = arena_alloc(g->a, g->cap * t->ncols * sizeof(*n));
        if (t->nrows)
            memcpy(n, t->cells, t->nrows * t->ncols * sizeof(*n));
        t->cells = n;
    }
    const char **row = t->cells + t->nrows++ * t->ncols;
    memset(row, 0, t->ncols * sizeof(*row));
    return row;
}

/* SELECT of the named columns of table (a column the file lacks reads as NULL; "=x" is the
 * literal x), with an optional tail (JOIN/ORDER BY), into out. */
static int read_rows(struct owui_db *db, struct arena *a, const char *table, const char *alias,
                     const char *const *cols, size_t ncols, const char *tail,
                     struct owui_rows *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    out->ncols = ncols;
    if (!has_col(db, table, NULL))
        return 0;
    char *sql = arena_strdup(a, "SELECT ");
    for (size_t i = 0; i < ncols; i++) {
        const char *c = cols[i];
        const char *expr = !c ? "NULL"
                           : c[0] == '=' ? c + 1
                           : strchr(c, '.') ? c
                           : has_col(db, table, c) ? arena_printf(a, "%s.\"%s\"", alias, c)
                                                   : "NULL";
        sql = arena_printf(a, "%s%s%s", sql, i ? ", " : "", expr);
    }
    sql = arena_printf(a, "%s FROM \"%s\" %s %s", sql, table, alias, tail ? tail : "");
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK)
        return sql_fail(db, arena_printf(a, "table %s", table), err, errlen);
    struct grow g = { out, 0, a };
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char **row = grow_row(&g);
        for (size_t i = 0; i < ncols; i++) {
            const unsigned char *v = sqlite3_column_text(st, (int)i);
            if (v)
                row[i] = arena_strndup(a, (const char *)v,
                                       (size_t)sqlite3_column_bytes(st, (int)i));
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : sql_fail(db, arena_printf(a, "table %s", table), err, errlen);
}

int owui_read_users(struct owui_db *db, struct arena *a, struct owui_rows *out, char *err,
                    size_t errlen)
{
    const char *cols[OU__COUNT + 1];
    for (int i = 0; i < OU__COUNT; i++)
        cols[i] = owui_user_columns[i].name;
    cols[OU_PASSWORD] = "a.password";
    cols[OU_ACTIVE] = "a.active";
    cols[OU__COUNT] = db->shape.oauth_sub ? "oauth_sub" : NULL;
    struct owui_rows t;
    if (read_rows(db, a, "user", "u", cols, OU__COUNT + 1,
                  "LEFT JOIN auth a ON a.id = u.id ORDER BY u.created_at, u.id", &t, err,
                  errlen) != 0)
        return -1;
    /* the same rows without the oauth_sub cell, that converted into oauth */
    memset(out, 0, sizeof(*out));
    out->ncols = OU__COUNT;
    out->nrows = t.nrows;
    out->cells = arena_alloc(a, (t.nrows ? t.nrows : 1) * OU__COUNT * sizeof(*out->cells));
    for (size_t r = 0; r < t.nrows; r++) {
        const char **row = out->cells + r * OU__COUNT;
        memcpy(row, t.cells + r * t.ncols, OU__COUNT * sizeof(*row));
        const char *sub = t.cells[r * t.ncols + OU__COUNT];
        if (!row[OU_OAUTH] && sub && *sub)
            row[OU_OAUTH] = owui_oauth_from_sub(a, sub);
    }
    return 0;
}

int owui_read_keys(struct owui_db *db, struct arena *a, struct owui_rows *out, char *err,
                   size_t errlen)
{
    if (db->shape.key_table) {
        static const char *const cols[OK__COUNT] = {
            "user_id", "key", "data", "expires_at", "last_used_at", "created_at", "updated_at",
        };
        return read_rows(db, a, "api_key", "k", cols, OK__COUNT, "ORDER BY k.user_id", out, err,
                         errlen);
    }
    if (!db->shape.key_column) {
        memset(out, 0, sizeof(*out));
        out->ncols = OK__COUNT;
        return 0;
    }
    static const char *const cols[OK__COUNT] = {
        "id", "api_key", NULL, NULL, NULL, "created_at", "updated_at",
    };
    return read_rows(db, a, "user", "u", cols, OK__COUNT,
                     "WHERE u.api_key IS NOT NULL AND u.api_key <> '' ORDER BY u.id", out, err,
                     errlen);
}

int owui_read_groups(struct owui_db *db, struct arena *a, struct owui_rows *out, char *err,
                     size_t errlen)
{
    static const char *const cols[OG__COUNT] = {
        "id", "user_id", "name", "description", "data", "meta", "permissions", "created_at",
        "updated_at",
    };
    memset(out, 0, sizeof(*out));
    out->ncols = OG__COUNT;
    if (!db->shape.groups)
        return 0;
    return read_rows(db, a, "group", "g", cols, OG__COUNT, "ORDER BY g.created_at, g.id", out,
                     err, errlen);
}

struct member_ctx {
    struct grow g;
    const char *group_id, *created_at;
};

static void add_member(void *ctx, const char *user_id)
{
    struct member_ctx *m = ctx;
    const char **row = grow_row(&m->g);
    row[OM_GROUP_ID] = m->group_id;
    row[OM_USER_ID] = arena_strdup(m->g.a, user_id);
    row[OM_CREATED_AT] = row[OM_UPDATED_AT] = m->created_at;
}

int owui_read_members(struct owui_db *db, struct arena *a, struct owui_rows *out,
                      owui_warn_fn warn, void *ctx, char *err, size_t errlen)
{
    if (db->shape.member_table || !db->shape.groups) {
        static const char *const cols[OM__COUNT] = {
            "id", "group_id", "user_id", "created_at", "updated_at",
        };
        memset(out, 0, sizeof(*out));
        out->ncols = OM__COUNT;
        return db->shape.groups ? read_rows(db, a, "group_member", "m", cols, OM__COUNT,
                                            "ORDER BY m.group_id, m.user_id", out, err, errlen)
                                : 0;
    }
    static const char *const gcols[] = { "id", "user_ids", "created_at" };
    struct owui_rows groups;
    if (read_rows(db, a, "group", "g", gcols, 3, "ORDER BY g.id", &groups, err, errlen) != 0)
        return -1;
    memset(out, 0, sizeof(*out));
    out->ncols = OM__COUNT;
    struct member_ctx m = { { out, 0, a }, NULL, NULL };
    for (size_t r = 0; r < groups.nrows; r++) {
        m.group_id = owui_cell(&groups, r, 0);
        m.created_at = owui_cell(&groups, r, 2);
        const char *ids = owui_cell(&groups, r, 1);
        if (ids && owui_user_ids_each(ids, add_member, &m) != 0 && warn)
            warn(ctx, "group", m.group_id, "user_ids is not a JSON array: no members read");
    }
    return 0;
}

struct grant_ctx {
    struct grow g;
    const char *type, *id, *created_at;
};

static void add_grant(void *ctx, const char *ptype, const char *pid, const char *perm)
{
    struct grant_ctx *m = ctx;
    const char **row = grow_row(&m->g);
    row[OA_RESOURCE_TYPE] = m->type;
    row[OA_RESOURCE_ID] = m->id;
    row[OA_PRINCIPAL_TYPE] = ptype;
    row[OA_PRINCIPAL_ID] = arena_strdup(m->g.a, pid);
    row[OA_PERMISSION] = perm;
    row[OA_CREATED_AT] = m->created_at ? m->created_at : "0";
}

int owui_read_grants(struct owui_db *db, struct arena *a, struct owui_rows *out,
                     owui_warn_fn warn, void *ctx, char *err, size_t errlen)
{
    if (db->shape.grant_table) {
        static const char *const cols[OA__COUNT] = {
            "id", "resource_type", "resource_id", "principal_type", "principal_id",
            "permission", "created_at",
        };
        return read_rows(db, a, "access_grant", "g", cols, OA__COUNT, "ORDER BY g.id", out,
                         err, errlen);
    }
    memset(out, 0, sizeof(*out));
    out->ncols = OA__COUNT;
    struct grant_ctx m = { { out, 0, a }, NULL, NULL, NULL };
    static const char *const tables[] = { "model", "knowledge", "tool", "prompt" };
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
        if (!has_col(db, tables[t], "access_control"))
            continue;
        /* prompts are keyed by command in the older shapes */
        const char *idcol = has_col(db, tables[t], "id") ? "id" : "command";
        const char *cols[] = { idcol, "access_control", "created_at" };
        struct owui_rows rows;
        if (read_rows(db, a, tables[t], "r", cols, 3, NULL, &rows, err, errlen) != 0)
            return -1;
        m.type = tables[t];
        for (size_t r = 0; r < rows.nrows; r++) {
            m.id = owui_cell(&rows, r, 0);
            m.created_at = owui_cell(&rows, r, 2);
            if (m.id && owui_access_control_each(owui_cell(&rows, r, 1), add_grant, &m) != 0 &&
                warn)
                warn(ctx, tables[t], m.id, "access_control is not valid JSON: no grants read");
        }
    }
    return 0;
}

int owui_read_resources(struct owui_db *db, struct arena *a, const char *table,
                        struct owui_rows *out, char *err, size_t errlen)
{
    const char *cols[OR__COUNT] = { "id", "user_id", "name", "is_active", "created_at",
                                    "updated_at" };
    if (!has_col(db, table, "is_active"))
        cols[OR_IS_ACTIVE] = "=1";
    return read_rows(db, a, table, "r", cols, OR__COUNT, "ORDER BY r.id", out, err, errlen);
}

int owui_read_config(struct owui_db *db, struct arena *a, const char *const *keys, size_t n,
                     const char **values, char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++)
        values[i] = NULL;
    struct owui_rows t;
    if (db->shape.config_rows) {
        static const char *const cols[] = { "key", "value" };
        if (read_rows(db, a, "config", "c", cols, 2, NULL, &t, err, errlen) != 0)
            return -1;
        for (size_t r = 0; r < t.nrows; r++)
            for (size_t i = 0; i < n; i++)
                if (owui_cell(&t, r, 0) && strcmp(owui_cell(&t, r, 0), keys[i]) == 0)
                    values[i] = owui_cell(&t, r, 1);
        return 0;
    }
    if (!db->shape.config_blob)
        return 0;
    static const char *const cols[] = { "data" };
    const char *tail = has_col(db, "config", "id") ? "ORDER BY c.id DESC LIMIT 1" : "LIMIT 1";
    if (read_rows(db, a, "config", "c", cols, 1, tail, &t, err, errlen) != 0)
        return -1;
    const char *blob = t.nrows ? owui_cell(&t, 0, 0) : NULL;
    for (size_t i = 0; blob && i < n; i++)
        values[i] = owui_blob_value(a, blob, keys[i]);
    return 0;
}
