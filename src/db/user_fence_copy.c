/* The workers' copies of the listing's super-runs and fences (see user_fence_copy.h). */
#include "config.h"
#include "user_fence_copy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usher/db_user_index.h"

/* The fences of this many super-runs are kept per order (a page and its neighbours fall in
 * one or two; an admin paging elsewhere replaces the oldest), and no result is kept past
 * COPY_BYTES (a million users: 32 super-runs of 32 fences, about 4 KB each): at most
 * 5 x (1 + 4) x 16 KB per worker. */
#define COPY_SETS 4
#define COPY_BYTES (16 * 1024)

/* rows (k, id, n) of a result in one malloc'd block: the struct, the cells, their lengths
 * and their text. */
static struct db_result *result_copy(const struct db_result *r)
{
    const size_t ncols = 3;
    size_t text = 0;
    for (size_t row = 0; row < r->nrows; row++)
        for (size_t c = 0; c < ncols; c++) {
            const char *cell = db_cell(r, row, c);
            text += cell ? strlen(cell) + 1 : 0;
        }
    size_t cells = r->nrows * ncols;
    size_t size = sizeof(struct db_result) + cells * (sizeof(char *) + sizeof(size_t)) + text;
    if (size > COPY_BYTES)
        return NULL;
    struct db_result *out = malloc(size);
    if (!out)
        return NULL;
    out->nrows = r->nrows;
    out->ncols = ncols;
    out->cells = (char **)(out + 1);
    out->lens = (size_t *)(out->cells + cells);
    char *p = (char *)(out->lens + cells);
    for (size_t row = 0; row < r->nrows; row++)
        for (size_t c = 0; c < ncols; c++) {
            const char *cell = db_cell(r, row, c);
            size_t at = row * ncols + c, len = cell ? strlen(cell) : 0;
            out->cells[at] = cell ? memcpy(p, cell, len + 1) : NULL;
            out->lens[at] = len;
            p += cell ? len + 1 : 0;
        }
    return out;
}

struct order_copy {
    const struct db *db;          /* whose tables (a process has one db; tests may have more) */
    struct db_result *supers;     /* NULL: nothing held */
    long long count;
    char check[96];
    struct db_result *fences[COPY_SETS];
    size_t fences_of[COPY_SETS];  /* the super-run each set belongs to */
    unsigned next;                /* the set replaced next */
};
static struct order_copy copies[UIX_ORDERS];

void fence_copy_forget(unsigned i)
{
    if (i >= UIX_ORDERS)
        return;
    struct order_copy *c = &copies[i];
    free(c->supers);
    for (unsigned s = 0; s < COPY_SETS; s++)
        free(c->fences[s]);
    memset(c, 0, sizeof(*c));
}

void fence_copy_keep_supers(const struct db *db, unsigned i, const struct db_result *sup,
                            size_t v_col, long long count)
{
    fence_copy_forget(i);
    if (i >= UIX_ORDERS || sup->nrows == 0)
        return;
    long long sum_n = 0, sum_v = 0;
    for (size_t row = 0; row < sup->nrows; row++) {
        const char *n = db_cell(sup, row, 2);
        if (!n)
            return;   /* a rebuild under way */
        sum_n += strtoll(n, NULL, 10);
        sum_v += db_cell_ll(sup, row, v_col);   /* NOT NULL (sql/018) */
    }
    struct order_copy *c = &copies[i];
    c->supers = result_copy(sup);
    if (!c->supers)
        return;
    c->db = db;
    c->count = count;
    /* as db_user_index_check_sql's CONCAT_WS prints the same four numbers */
    snprintf(c->check, sizeof(c->check), "%zu,%lld,%lld,%lld", sup->nrows, sum_n, sum_v, count);
}

void fence_copy_keep_fences(unsigned i, size_t s, const struct db_result *fences)
{
    if (i >= UIX_ORDERS || !copies[i].supers || s >= copies[i].supers->nrows)
        return;
    struct order_copy *c = &copies[i];
    for (unsigned k = 0; k < COPY_SETS; k++)
        if (c->fences[k] && c->fences_of[k] == s)
            return;
    struct db_result *kept = result_copy(fences);
    if (!kept)
        return;
    unsigned k = c->next;
    c->next = (c->next + 1) % COPY_SETS;
    free(c->fences[k]);
    c->fences[k] = kept;
    c->fences_of[k] = s;
}

const struct db_result *fence_copy_supers(const struct db *db, unsigned i, long long *count,
                                          const char **check)
{
    if (i >= UIX_ORDERS || !copies[i].supers)
        return NULL;
    if (copies[i].db != db) {
        fence_copy_forget(i);
        return NULL;
    }
    *count = copies[i].count;
    *check = copies[i].check;
    return copies[i].supers;
}

const struct db_result *fence_copy_fences(unsigned i, size_t s)
{
    if (i >= UIX_ORDERS)
        return NULL;
    for (unsigned k = 0; k < COPY_SETS; k++)
        if (copies[i].fences[k] && copies[i].fences_of[k] == s)
            return copies[i].fences[k];
    return NULL;
}
