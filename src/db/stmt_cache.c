/* The prepared-statement cache of a connection (see stmt_cache.h). */
#include "config.h"
#include "stmt_cache.h"

#include <stdint.h>
#include <stdlib.h>

static const char tombstone;

static size_t slot_hash(const char *key, size_t nslots)
{
    uintptr_t h = (uintptr_t)key;
    h ^= h >> 17;
    h *= (uintptr_t)0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
    return (size_t)h & (nslots - 1);
}

static void slot_clear(struct stmt_slot *s)
{
    if (s->stmt)
        mysql_stmt_close(s->stmt);
    free(s->text);
    s->stmt = NULL;
    s->text = NULL;
}

/* Closes every cached statement and empties the cache (keeps the table). */
void stmt_cache_clear(struct stmt_cache *c)
{
    for (size_t i = 0; i < c->nslots; i++) {
        slot_clear(&c->slots[i]);
        c->slots[i].key = NULL;
    }
    c->nused = c->nlive = 0;
}

struct stmt_slot *stmt_cache_find(struct stmt_cache *c, const char *sql)
{
    if (!c->nslots)
        return NULL;
    for (size_t i = slot_hash(sql, c->nslots);; i = (i + 1) & (c->nslots - 1)) {
        struct stmt_slot *s = &c->slots[i];
        if (!s->key)
            return NULL;
        if (s->key == sql)
            return s;
    }
}

void stmt_cache_remove(struct stmt_cache *c, struct stmt_slot *s)
{
    slot_clear(s);
    s->key = &tombstone;
    c->nlive--;
}

/* Makes room for one more entry, rehashing (and dropping tombstones) at half load.
 * Returns false on ENOMEM. */
static bool cache_reserve(struct stmt_cache *c)
{
    if ((c->nused + 1) * 2 <= c->nslots)
        return true;
    size_t n = c->nslots ? c->nslots : 64;
    while ((c->nlive + 1) * 2 > n)
        n *= 2;
    struct stmt_slot *fresh = calloc(n, sizeof *fresh);
    if (!fresh)
        return false;
    for (size_t i = 0; i < c->nslots; i++) {
        struct stmt_slot *s = &c->slots[i];
        if (!s->key || s->key == &tombstone)
            continue;
        size_t j = slot_hash(s->key, n);
        while (fresh[j].key)
            j = (j + 1) & (n - 1);
        fresh[j] = *s;
    }
    free(c->slots);
    c->slots = fresh;
    c->nslots = n;
    c->nused = c->nlive;
    return true;
}

struct stmt_slot *stmt_cache_insert(struct stmt_cache *c, const char *sql)
{
    if (!cache_reserve(c))
        return NULL;
    size_t i = slot_hash(sql, c->nslots);
    while (c->slots[i].key && c->slots[i].key != &tombstone)
        i = (i + 1) & (c->nslots - 1);
    struct stmt_slot *s = &c->slots[i];
    if (!s->key)
        c->nused++;
    s->key = sql;
    s->text = NULL;
    s->stmt = NULL;
    c->nlive++;
    return s;
}

void stmt_cache_free(struct stmt_cache *c)
{
    for (size_t i = 0; i < c->nslots; i++)
        slot_clear(&c->slots[i]);
    free(c->slots);
    c->slots = NULL;
    c->nslots = c->nused = c->nlive = 0;
}
