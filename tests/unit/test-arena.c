/* Tests of the per-request arena (arena.h): allocations are aligned and keep their bytes
 * until the reset; a reset keeps the first chunk and, up to 256 KiB, the others as spares
 * that later requests reuse (a large answer no longer maps pages every request), and a
 * chunk larger than that is given back. */
#include "config.h"

#include "usher/arena.h"
#include "tap.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bool filled(const unsigned char *p, size_t n, unsigned char v)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != v)
            return false;
    return true;
}

int main(void)
{
    struct arena *a = arena_new(64 * 1024);
    ok(a != NULL, "an arena");
    is_int(arena_size(a), 64 * 1024, "one chunk of the base size");

    /* a request with a large answer: two chunks past the first */
    unsigned char *small = arena_alloc(a, 100);
    unsigned char *big = arena_alloc(a, 80 * 1024);
    unsigned char *more = arena_alloc(a, 60 * 1024);
    memset(small, 1, 100);
    memset(big, 2, 80 * 1024);
    memset(more, 3, 60 * 1024);
    ok((uintptr_t)big % _Alignof(max_align_t) == 0 && (uintptr_t)more % _Alignof(max_align_t) == 0,
       "aligned");
    ok(filled(small, 100, 1) && filled(big, 80 * 1024, 2) && filled(more, 60 * 1024, 3),
       "every allocation keeps its bytes");
    ok(arena_size(a) >= (64 + 80 + 64) * 1024, "grew by the chunks it needed");

    arena_reset(a);
    is_int(arena_size(a), 64 * 1024, "a reset leaves the first chunk in use");
    /* the next request of the same shape takes the spares back: the same blocks */
    (void)arena_alloc(a, 100);
    unsigned char *big2 = arena_alloc(a, 80 * 1024);
    unsigned char *more2 = arena_alloc(a, 60 * 1024);
    ok(big2 == big, "the 80 KiB chunk is reused");
    ok(more2 == more, "the 64 KiB chunk is reused");
    memset(big2, 4, 80 * 1024);
    ok(filled(big2, 80 * 1024, 4), "and is writable");

    /* past the spare limit a chunk is given back, and the arena still works */
    arena_reset(a);
    unsigned char *huge = arena_alloc(a, 300 * 1024);
    memset(huge, 5, 300 * 1024);
    ok(filled(huge, 300 * 1024, 5), "a 300 KiB allocation");
    arena_reset(a);
    unsigned char *after = arena_alloc(a, 300 * 1024);
    memset(after, 6, 300 * 1024);
    ok(filled(after, 300 * 1024, 6), "another after the reset");
    for (int i = 0; i < 1000; i++) {   /* many requests: spares stay bounded, no leak */
        arena_reset(a);
        for (int k = 0; k < 8; k++)
            memset(arena_alloc(a, (size_t)(k + 1) * 20000), k, (size_t)(k + 1) * 20000);
    }
    arena_reset(a);
    is_int(arena_size(a), 64 * 1024, "the first chunk after many requests");
    arena_free(a);

    return tap_done();
}
