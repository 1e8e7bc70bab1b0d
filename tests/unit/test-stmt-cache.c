/* The prepared-statement cache (src/db/stmt_cache.h): a statement not asked for in the
 * last DB_IDLE_SWEEPS sweeps is closed, one asked for in between is kept, and the table
 * still finds and takes statements after its sweeps. Slots hold no MYSQL_STMT here: what
 * is checked is which entries a sweep keeps. */
#include "config.h"

#include "../../src/db/stmt_cache.h"
#include "tap.h"

#include <stddef.h>

static const char hot[] = "SELECT 1", warm[] = "SELECT 2", cold[] = "SELECT 3";

int main(void)
{
    struct stmt_cache c = {0};
    const char *const keys[] = {hot, warm, cold};
    for (size_t i = 0; i < 3; i++)
        ok(stmt_cache_insert(&c, keys[i]) != NULL, "insert %s", keys[i]);
    size_t closed = 0;
    for (unsigned long sweep = 1; sweep <= 10; sweep++) {
        ok(stmt_cache_find(&c, hot) != NULL, "sweep %lu: the statement in use is there", sweep);
        if (sweep == 6)
            ok(stmt_cache_find(&c, warm) != NULL, "the statement asked for once is there");
        closed += stmt_cache_sweep(&c, 10);
    }
    ok(closed == 0, "ten sweeps close nothing (%zu closed)", closed);
    ok(stmt_cache_find(&c, cold) != NULL, "a statement idle for ten sweeps is still there");
    ok(stmt_cache_sweep(&c, 10) == 0, "asked for again: kept");
    /* from here on only hot is asked for */
    for (unsigned long sweep = 0; sweep < 5; sweep++) {
        stmt_cache_find(&c, hot);
        closed += stmt_cache_sweep(&c, 10);
    }
    ok(closed == 1 && !stmt_cache_find(&c, warm), "warm, unused for 11 sweeps, closed");
    for (unsigned long sweep = 0; sweep < 10; sweep++) {
        stmt_cache_find(&c, hot);
        closed += stmt_cache_sweep(&c, 10);
    }
    ok(closed == 2 && !stmt_cache_find(&c, cold), "cold closed as well");
    ok(stmt_cache_find(&c, hot) != NULL && c.nlive == 1, "the statement in use stays (%zu live)",
       c.nlive);
    ok(stmt_cache_insert(&c, cold) != NULL && stmt_cache_find(&c, cold) != NULL,
       "a closed statement's text can be cached again");
    stmt_cache_free(&c);
    return tap_done();
}
