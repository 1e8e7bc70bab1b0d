/* The prepared-statement cache of a connection (see stmt_cache.h), and the closing of its
 * statements long unused (db_forget_idle_statements). */
#include "config.h"
#include "stmt_cache.h"
#include "db_conn.h"
#include "usher/db.h"

#include <stdint.h>
#include <stdlib.h>

/* Sweeps (of 1,000 requests each, db_forget_idle_statements) a statement may go unused
 * before it is closed. */
enum { DB_IDLE_SWEEPS = 10 };

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
        if (s->key == sql) {
            s->used = c->age;
            return s;
        }
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
    s->used = c->age;
    c->nlive++;
    return s;
}

size_t stmt_cache_sweep(struct stmt_cache *c, unsigned long idle)
{
    size_t closed = 0;
    c->age++;
    for (size_t i = 0; i < c->nslots; i++) {
        struct stmt_slot *s = &c->slots[i];
        if (s->key && s->key != &tombstone && c->age - s->used > idle) {
            stmt_cache_remove(c, s);
            closed++;
        }
    }
    return closed;
}

/* The connection's statements not used lately (db.h: db_forget_idle_statements). */
void db_forget_idle_statements(struct db *db)
{
    if (!db || db->in_tx)
        return;
    stmt_cache_sweep(&db->cache, DB_IDLE_SWEEPS);
}

void stmt_cache_free(struct stmt_cache *c)
{
    for (size_t i = 0; i < c->nslots; i++)
        slot_clear(&c->slots[i]);
    free(c->slots);
    c->slots = NULL;
    c->nslots = c->nused = c->nlive = 0;
}
