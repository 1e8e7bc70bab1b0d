/* What the workers' copies of tables share (see held_copy.h). */
#include "config.h"
#include "held_copy.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

#include "usher/arena.h"
#include "usher/db.h"

int held_copy_at(struct held_copy *h, const char *version)
{
    if (!version || strlen(version) >= sizeof(h->version))
        return -1;
    if ((h->mem || h->too_many) && strcmp(version, h->version) == 0)
        return 1;
    arena_free(h->mem);
    h->mem = NULL;
    h->too_many = false;
    return 0;
}

void held_copy_keep(struct held_copy *h, const char *version, struct arena *mem,
                    bool too_many)
{
    h->mem = mem;
    h->too_many = !mem && too_many;
    if (mem || too_many)
        snprintf(h->version, sizeof(h->version), "%s", version);
}

int held_copy_read(struct db *db, const char *sql, size_t max, struct arena **tmp,
                   struct db_result *r, bool *too_many)
{
    *tmp = arena_new(64 * 1024);
    if (!*tmp)
        return DB_ERROR;
    int rc = db_query_causal(db, *tmp, sql, NULL, 0, r);
    if (rc == DB_OK && r->nrows > max) {
        *too_many = true;
        rc = DB_NOT_FOUND;
    }
    if (rc != DB_OK) {
        arena_free(*tmp);
        *tmp = NULL;
    }
    return rc == DB_OK || rc == DB_NOT_FOUND ? rc : DB_ERROR;
}

int held_copy_bump(struct db *db, const char *sql)
{
    uint64_t v = 0;
    if (RAND_bytes((unsigned char *)&v, sizeof(v)) != 1)
        return DB_ERROR;
    /* 53 bits, as the migrations' FLOOR(RAND() * 2^53) */
    return db_exec(db, sql, DB_PARAMS(db_int((long long)(v >> 11))), NULL);
}
