/* Groups and memberships (see db_groups.h). */
#include "config.h"
#include "usher/db_groups.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "usher/arena.h"
#include "usher/crypto.h"
#include "usher/db.h"

const char *db_group_columns(void)
{
    static char cols[512];
    if (cols[0])
        return cols;
    size_t n = 0;
    for (size_t i = 0; i < group_nfields; i++)
        n += (size_t)snprintf(cols + n, sizeof(cols) - n, "%sg.%s", i ? ", " : "",
                              group_fields[i].column);
    return cols;
}

void db_group_decode(struct group *g, const struct db_result *r, size_t row, size_t col)
{
    for (size_t i = 0; i < group_nfields; i++) {
        const struct group_field *f = &group_fields[i];
        void *dst = (char *)g + f->offset;
        const char *cell = db_cell(r, row, col + i);
        if (f->type == GF_INT)
            *(long long *)dst = cell ? strtoll(cell, NULL, 10) : 0;
        else
            *(const char **)dst = cell;
    }
}

static int recent_first(const void *pa, const void *pb)
{
    const struct group *a = pa, *b = pb;
    if (a->updated_at != b->updated_at)
        return a->updated_at > b->updated_at ? -1 : 1;
    return strcmp(a->id, b->id);
}

void db_group_sort_recent(struct group *groups, size_t n)
{
    qsort(groups, n, sizeof(*groups), recent_first);
}

int db_group_get(struct db *db, struct arena *a, const char *id, struct group **out)
{
    static char sql[1024];
    if (!sql[0])
        snprintf(sql, sizeof(sql), "SELECT %s FROM `group` g WHERE g.id = ?", db_group_columns());
    struct db_result r;
    if (db_query(db, a, sql, DB_PARAMS(db_str(id)), &r) != DB_OK)
        return DB_ERROR;
    if (r.nrows == 0)
        return DB_NOT_FOUND;
    *out = arena_calloc(a, 1, sizeof(**out));
    db_group_decode(*out, &r, 0, 0);
    return DB_OK;
}

int db_group_list_of_user(struct db *db, struct arena *a, const char *user_id,
                          struct group **out, size_t *n)
{
    static char sql[1024];
    if (!sql[0])
        snprintf(sql, sizeof(sql),
                 "SELECT %s FROM group_member gm JOIN `group` g ON g.id = gm.group_id "
                 "WHERE gm.user_id = ?", db_group_columns());
    struct db_result r;
    if (db_query(db, a, sql, DB_PARAMS(db_str(user_id)), &r) != DB_OK)
        return DB_ERROR;
    *n = r.nrows;
    *out = arena_calloc(a, r.nrows ? r.nrows : 1, sizeof(**out));
    for (size_t i = 0; i < r.nrows; i++)
        db_group_decode(&(*out)[i], &r, i, 0);
    db_group_sort_recent(*out, *n);
    return DB_OK;
}

int db_group_sync_user_by_names(struct db *db, const char *id, const char *const *names,
                                size_t n)
{
    static const char del_sql[] = "DELETE FROM group_member WHERE user_id = ?";
    static const char add_sql[] =
        "INSERT IGNORE INTO group_member (id, group_id, user_id, created_at, updated_at) "
        "SELECT ?, g.id, ?, ?, ? FROM `group` g WHERE g.name = ?";
    long long now = (long long)time(NULL);
    if (db_begin(db) != DB_OK)
        return DB_ERROR;
    if (db_exec(db, del_sql, DB_PARAMS(db_str(id)), NULL) != DB_OK)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        char mid[37];
        if (uuid4(mid) != 0 ||
            db_exec(db, add_sql, DB_PARAMS(db_str(mid), db_str(id), db_int(now), db_int(now),
                                           db_str(names[i])), NULL) != DB_OK)
            goto fail;
    }
    if (db_commit(db) == DB_OK)
        return DB_OK;
fail:
    db_rollback(db);
    return DB_ERROR;
}
