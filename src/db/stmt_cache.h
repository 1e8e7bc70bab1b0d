#ifndef USHER_DB_STMT_CACHE_H
#define USHER_DB_STMT_CACHE_H
/* The prepared statements of one connection, keyed by the address of their SQL text (an
 * open-addressing hash table whose capacity is a power of two). Private to src/db/. */
#include <stdbool.h>
#include <stddef.h>
#include <mysql.h>

struct stmt_slot {
    const char *key;       /* the caller's SQL pointer; NULL = empty, a tombstone = deleted */
    char *text;            /* our copy, compared on a hit so a reused address is caught */
    MYSQL_STMT *stmt;
    unsigned long used;    /* the cache's age when the statement was last asked for */
};

struct stmt_cache {
    struct stmt_slot *slots;
    size_t nslots, nused, nlive;   /* capacity, used (live + tombstones), live */
    unsigned long age;             /* sweeps so far (stmt_cache_sweep) */
};

/* The slot of sql, or NULL; a slot found is marked used at the cache's age. */
struct stmt_slot *stmt_cache_find(struct stmt_cache *c, const char *sql);
/* A new empty slot for sql (text and stmt NULL, for the caller to fill), or NULL when out
 * of memory. The table grows at half load. */
struct stmt_slot *stmt_cache_insert(struct stmt_cache *c, const char *sql);
/* Closes the slot's statement and frees it. */
void stmt_cache_remove(struct stmt_cache *c, struct stmt_slot *s);
/* Closes every statement and empties the table (keeps its memory). */
void stmt_cache_clear(struct stmt_cache *c);
/* One more sweep: closes the statements not asked for in the last idle sweeps (before
 * this one) and returns how many. */
size_t stmt_cache_sweep(struct stmt_cache *c, unsigned long idle);
/* Closes every statement and frees the table. */
void stmt_cache_free(struct stmt_cache *c);

#endif
