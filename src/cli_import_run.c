/* The bookkeeping of an import run (see cli_import_run.h). */
#include "config.h"
#include "usher/cli_import_run.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usher/arena.h"
#include "usher/db.h"

const char *const step_names[S__COUNT] = {
    "users", "api_keys", "groups", "members", "config", "resources", "grants",
};

void import_note(struct run *r, bool error, const char *fmt, ...)
{
    if (r->nnotes == r->capnotes) {
        r->capnotes = r->capnotes ? r->capnotes * 2 : 64;
        struct note *n = realloc(r->notes, r->capnotes * sizeof(*n));
        if (!n)
            abort();
        r->notes = n;
    }
    va_list ap;
    va_start(ap, fmt);
    r->notes[r->nnotes++] = (struct note){ r->step, error, arena_vprintf(r->a, fmt, ap) };
    va_end(ap);
}

/* A row left out: by the conflict policy or because what it needs is not in usher (error
 * false), or because it is invalid (error true). */
void import_skip(struct run *r, bool error, const char *label, const char *why)
{
    if (error)
        r->st[r->step].errors++;
    else
        r->st[r->step].skipped++;
    import_note(r, error, "%s: %s", label, why);
}

static double since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

void import_progress(struct run *r, bool last)
{
    double s = since(&r->t0);
    double rate = s > 0 ? (double)r->done / s : 0;
    if (r->tty) {
        int pct = r->total ? (int)(100 * r->done / r->total) : 100, bar = pct / 5;
        fprintf(stderr, "\r%-10s%-10s [%.*s%*s] %3d%% %zu/%zu %.0f rows/s%s",
                step_names[r->step], r->what ? r->what : "",
                bar, "####################", 20 - bar, "", pct, r->done, r->total, rate,
                last ? "\n" : "");
    } else if (last) {
        fprintf(stderr, "%s%s%s: %zu rows in %.1f s\n", step_names[r->step], r->what ? " " : "",
                r->what ? r->what : "", r->total, s);
    }
    fflush(stderr);
}

void import_begin_step(struct run *r, enum step s, enum import_table t, size_t total)
{
    r->step = s;
    r->table = t;
    r->ncols = db_import_columns(t);
    r->nbatch = r->done = 0;
    r->total = total;
    clock_gettime(CLOCK_MONOTONIC, &r->t0);
}

/* Rows that usher refused are taken out of the id maps, so nothing refers to them. */
static void unmap(struct run *r, const char *label_id)
{
    if (r->step == S_USERS)
        strmap_put(&r->users, label_id, NULL);
    else if (r->step == S_GROUPS)
        strmap_put(&r->groups, label_id, NULL);
}

static void flush(struct run *r)
{
    size_t n = r->nbatch;
    r->nbatch = 0;
    if (!n)
        return;
    r->done += n;
    if (r->dry || db_import_insert(r->db, r->table, r->batch, n, r->agent) == DB_OK) {
        r->st[r->step].imported += n;
    } else {
        /* rolled back: one row at a time, to name the one(s) usher refuses */
        for (size_t i = 0; i < n; i++) {
            if (db_import_insert(r->db, r->table, r->batch + i * r->ncols, 1, r->agent) == DB_OK) {
                r->st[r->step].imported++;
                continue;
            }
            import_skip(r, true, r->labels[i],
                 arena_printf(r->a, "usher's database refused it: %s", db_error(r->db)));
            unmap(r, r->batch[i * r->ncols]);   /* users' and groups' id */
        }
    }
    import_progress(r, false);
}

/* Queues one row (ncols cells, copied by pointer) with the label its messages name. */
void import_queue(struct run *r, const char *const *cells, const char *label)
{
    memcpy(r->batch + r->nbatch * r->ncols, cells, r->ncols * sizeof(*cells));
    r->labels[r->nbatch++] = label;
    if (r->nbatch == IMPORT_BATCH)
        flush(r);
}

void import_end_step(struct run *r)
{
    flush(r);
    r->done = r->total;
    import_progress(r, true);
}

const char *import_now_text(struct run *r)
{
    return arena_printf(r->a, "%lld", (long long)time(NULL));
}

const char *import_mapped(const struct strmap *m, const char *id)
{
    const void *v = NULL;
    return id && strmap_get(m, id, &v) ? v : NULL;
}

/* ---- the report ------------------------------------------------------------------------- */

size_t import_report(struct run *r, const char *path, const struct owui_shape *shape)
{
    printf("Open WebUI database %s: shape %s (alembic revision %s)%s\n", path, shape->name,
           shape->revision, r->dry ? ", dry run" : "");
    size_t errors = r->dropped, imported = 0;
    for (size_t i = 0; i < r->nnotes; i++)
        printf("  %s %s: %s\n", r->notes[i].error ? "error" : "note ",
               step_names[r->notes[i].step], r->notes[i].text);
    printf("%-10s %8s %9s %10s %8s %7s%s\n", "table", "read", r->dry ? "to import" : "imported",
           "unchanged", "skipped", "errors", r->merge ? "  merged" : "");
    for (int s = 0; s < S__COUNT; s++) {
        if (!r->only[s])
            continue;
        struct stats *st = &r->st[s];
        printf("%-10s %8zu %9zu %10zu %8zu %7zu", step_names[s], st->read, st->imported,
               st->unchanged, st->skipped, st->errors);
        if (r->merge)
            printf(" %7zu", st->merged);
        putchar('\n');
        errors += st->errors;
        imported += st->imported;
    }
    if (r->dry)
        printf("Dry run: nothing was written; %zu rows would be imported.\n", imported);
    else if (imported == 0)
        printf("Nothing to do: usher already has everything of this file that it can take.\n");
    else
        printf("Imported %zu rows.\n", imported);
    if (errors)
        printf("%zu rows had errors (listed above): exit status 1.\n", errors);
    return errors;
}

int import_parse_only(struct run *r, const char *list)
{
    memset(r->only, 0, sizeof r->only);
    char *copy = arena_strdup(r->a, list), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int k = -1;
        for (int s = 0; s < S__COUNT; s++)
            if (strcmp(t, step_names[s]) == 0)
                k = s;
        if (k < 0) {
            fprintf(stderr, "usherctl import-openwebui: --only: unknown table '%s' (users, "
                    "api_keys, groups, members, config, resources, grants)\n", t);
            return -1;
        }
        r->only[k] = true;
    }
    return 0;
}
