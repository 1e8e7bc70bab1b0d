/* How a row of `user` or `group` reads: the SELECT lists and the decoding, both from the
 * models' field tables (see db_rows.h). Every db/ module that selects users or groups,
 * beside its own columns or not, reads them through here. */
#include "config.h"
#include "usher/db_rows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usher/arena.h"
#include "usher/db.h"

/* Whether field f is read by the column set (the others are selected as NULL). */
static bool in_set(const struct user_field *f, enum user_columns set)
{
    switch (set) {
    case USER_COLUMNS_ALL:
        return true;
    case USER_COLUMNS_CALLER:
        return f->type != UF_JSON && f->type != UF_SETTINGS;
    case USER_COLUMNS_INFO:
        return (f->views & VIEW_INFO) != 0;
    case USER_COLUMNS_BRIEF:
        return (f->views & VIEW_SIGNIN) != 0;
    case USER_COLUMNS__MAX:
        break;
    }
    return true;
}

/* The SELECT list of set over the alias u (0) or t (1), built once each. */
static const char *columns_over(enum user_columns set, int alias)
{
    static char cols[2][USER_COLUMNS__MAX][1024];
    char *out = cols[alias][set];
    if (out[0])
        return out;
    const char t = alias ? 't' : 'u';
    size_t n = 0;
    for (size_t i = 0; i < user_nfields; i++) {
        const char *sep = i ? ", " : "";
        const char *col = user_fields[i].column;
        size_t room = sizeof(cols[0][0]) - n;
        if (!in_set(&user_fields[i], set))
            n += (size_t)snprintf(out + n, room, "%sNULL", sep);
        else if (user_fields[i].type == UF_DATE)
            n += (size_t)snprintf(out + n, room, "%sDATE_FORMAT(%c.%s, '%%Y-%%m-%%d')", sep, t,
                                  col);
        else
            n += (size_t)snprintf(out + n, room, "%s%c.%s", sep, t, col);
    }
    return out;
}

const char *db_user_columns_of(enum user_columns set)
{
    return columns_over(set, 0);
}

const char *db_user_columns_over_t(enum user_columns set)
{
    return columns_over(set, 1);
}

const char *db_user_columns(void)
{
    return db_user_columns_of(USER_COLUMNS_ALL);
}

void db_user_decode(struct arena *a, struct user *u, const struct db_result *r, size_t row,
                    size_t col)
{
    for (size_t i = 0; i < user_nfields; i++) {
        const struct user_field *f = &user_fields[i];
        void *dst = (char *)u + f->offset;
        const char *cell = db_cell(r, row, col + i);
        switch (f->type) {
        case UF_INT:
            *(long long *)dst = db_text_ll(cell);
            break;
        case UF_INT_NULL: {
            long long *n = NULL;
            if (cell) {
                n = arena_alloc(a, sizeof(*n));
                *n = db_text_ll(cell);
            }
            *(const long long **)dst = n;
            break;
        }
        case UF_ROLE:
            u->role = user_role_parse(cell);
            /* fall through */
        default:
            *(const char **)dst = cell;
            break;
        }
    }
}

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

int db_group_cmp_recent(const struct group *a, const struct group *b)
{
    if (a->updated_at != b->updated_at)
        return a->updated_at > b->updated_at ? -1 : 1;
    return strcmp(a->id, b->id);
}

static int recent_first(const void *a, const void *b)
{
    return db_group_cmp_recent(a, b);
}

void db_group_sort_recent(struct group *groups, size_t n)
{
    qsort(groups, n, sizeof(*groups), recent_first);
}
