#ifndef USHER_CLI_IMPORT_RUN_H
#define USHER_CLI_IMPORT_RUN_H
/* The bookkeeping of one `usherctl import-openwebui` run (cli_import.c): its steps, counts
 * and notes, the batch being filled and written (db/import.c), the progress line and the
 * closing report. Private to the import command. */
#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include "usher/db_import.h"
#include "usher/owui.h"
#include "usher/strmap.h"

struct db;
struct arena;

enum step { S_USERS, S_KEYS, S_GROUPS, S_MEMBERS, S_CONFIG, S_RESOURCES, S_GRANTS, S__COUNT };
extern const char *const step_names[S__COUNT];

struct stats {
    size_t read, imported, unchanged, merged, skipped, errors;
};

struct note {
    enum step step;
    bool error;
    const char *text;
};

struct run {
    struct db *db;
    struct arena *a;
    bool dry, merge, tty, only[S__COUNT];
    struct stats st[S__COUNT];
    size_t dropped;                 /* rows that came over without an invalid cell */
    struct note *notes;
    size_t nnotes, capnotes;
    struct strmap users, groups;    /* Open WebUI id -> usher id (NULL: not in usher) */
    const unsigned char *secret;
    size_t secret_len;
    const char *agent;
    /* the batch being filled */
    enum step step;
    enum import_table table;
    const char **batch, **labels;
    size_t nbatch, ncols, done, total;
    const char *what;               /* which table of the step, when it has several */
    struct timespec t0;
};

/* Keeps a line for the report, of the current step (error: counted as an error). */
void import_note(struct run *r, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A row left out: by the conflict policy or because what it needs is not in usher (error
 * false), or because it is invalid (error true); counted and noted with its label. */
void import_skip(struct run *r, bool error, const char *label, const char *why);
/* The progress line (a bar on a terminal; one line at the end otherwise). */
void import_progress(struct run *r, bool last);
/* Starts step s writing table t, total rows to go. */
void import_begin_step(struct run *r, enum step s, enum import_table t, size_t total);
/* Queues one row (ncols cells, copied by pointer) with the label its messages name; a
 * full batch is written (one transaction; row by row when usher refuses the batch). */
void import_queue(struct run *r, const char *const *cells, const char *label);
/* Writes what is queued and ends the step's progress line. */
void import_end_step(struct run *r);
/* time(NULL) as text, in the run's arena. */
const char *import_now_text(struct run *r);
/* The usher id an Open WebUI id maps to, or NULL (unknown, or not in usher). */
const char *import_mapped(const struct strmap *m, const char *id);
/* Prints the notes and the table; returns the number of rows with errors. */
size_t import_report(struct run *r, const char *path, const struct owui_shape *shape);
/* --only LIST: sets r->only; -1 with a message on an unknown table. */
int import_parse_only(struct run *r, const char *list);

#endif
