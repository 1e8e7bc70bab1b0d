#ifndef USHER_DB_HELD_COPY_H
#define USHER_DB_HELD_COPY_H
/* What the workers' copies of tables share (the groups, db_group_cache.h; the resources
 * and their grants, db_previews.h): each is held at a version that a writer sets to a new
 * random value in its transaction and the caller lookup reads with the caller's row, and
 * read again, in one statement, when that version moves. Internal to src/db. */
#include <stdbool.h>
#include <stddef.h>

struct arena;
struct db;
struct db_result;

struct held_copy {
    char version[32];
    bool too_many;        /* the version had more rows than a worker holds */
    struct arena *mem;    /* the copy; NULL: none */
};

/* 1 when h holds version (its copy in h->mem, or NULL when that version had too many
 * rows); 0 when it held another one, now dropped: read the tables, then held_copy_keep;
 * -1 when there is no version (NULL or too long): no copy, answer from SQL. */
int held_copy_at(struct held_copy *h, const char *version);
/* h holds mem at version from now on; mem NULL: no copy, and with too_many none is read
 * again until the version moves (else the next request tries again). */
void held_copy_keep(struct held_copy *h, const char *version, struct arena *mem,
                    bool too_many);
/* Runs sql (no parameters; causal on Galera: at least as new as the version the caller
 * lookup read) into r, in a new arena *tmp that the caller frees. DB_OK; DB_NOT_FOUND with
 * *too_many set when it gave more than max rows; DB_ERROR. *tmp is NULL unless DB_OK. */
int held_copy_read(struct db *db, const char *sql, size_t max, struct arena **tmp,
                   struct db_result *r, bool *too_many);
/* Runs sql, an UPDATE of a version with one parameter, with a new random value. Call it in
 * the writer's transaction, right before the commit. DB_OK or DB_ERROR. */
int held_copy_bump(struct db *db, const char *sql);

#endif
