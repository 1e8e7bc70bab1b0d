/* Per-request arena: a list of chunks, bump allocation, reset after each request. */
#include "config.h"
#include "usher/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct chunk {
    struct chunk *next;
    size_t size, used;
    max_align_t data[];
};

struct arena {
    struct chunk *head;      /* current chunk; the last in the list is the first made */
    struct chunk *spare;     /* chunks kept by resets for later requests, at most SPARE_MAX */
    size_t chunk_size;
    size_t total;
};

/* The most a reset keeps in chunks for later requests. Chunks past the first are mapped
 * pages (the workers map blocks from 64 KiB up, worker.c): a request that needs some (the
 * 80 KB group listing, a page of users) would map, fault in and unmap them every time,
 * which cost more than building the answer. Kept chunks stay resident instead. */
#define SPARE_MAX (256 * 1024)

static struct chunk *chunk_new(size_t size)
{
    struct chunk *c = malloc(sizeof(*c) + size);
    if (!c) {
        fputs("usher: out of memory\n", stderr);
        abort();
    }
    c->next = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

struct arena *arena_new(size_t chunk_size)
{
    struct arena *a = calloc(1, sizeof(*a));
    if (!a)
        return NULL;
    a->chunk_size = chunk_size < 1024 ? 1024 : chunk_size;
    a->head = chunk_new(a->chunk_size);
    a->total = a->chunk_size;
    return a;
}

void arena_free(struct arena *a)
{
    if (!a)
        return;
    struct chunk *c = a->head;
    while (c) {
        struct chunk *next = c->next;
        free(c);
        c = next;
    }
    for (c = a->spare; c;) {
        struct chunk *next = c->next;
        free(c);
        c = next;
    }
    free(a);
}

void arena_reset(struct arena *a)
{
    struct chunk *c = a->head;
    /* Keep the oldest chunk (the tail), which has the base size, and the others as spares
     * while they fit in SPARE_MAX. */
    size_t kept = 0;
    for (struct chunk *s = a->spare; s; s = s->next)
        kept += s->size;
    while (c->next) {
        struct chunk *next = c->next;
        if (kept + c->size <= SPARE_MAX) {
            kept += c->size;
            c->next = a->spare;
            a->spare = c;
        } else {
            free(c);
        }
        c = next;
    }
    c->used = 0;
    a->head = c;
    a->total = c->size;
}

void *arena_alloc(struct arena *a, size_t size)
{
    const size_t align = sizeof(max_align_t);
    size = (size + align - 1) & ~(align - 1);
    if (size == 0)
        size = align;
    struct chunk *c = a->head;
    if (c->size - c->used < size) {
        size_t want = size > a->chunk_size ? size : a->chunk_size;
        struct chunk *n;
        struct chunk **from = &a->spare;
        while (*from && (*from)->size < want)
            from = &(*from)->next;
        if (*from) {
            n = *from;
            *from = n->next;
            n->used = 0;
            want = n->size;
        } else {
            n = chunk_new(want);
        }
        n->next = c;
        a->head = n;
        a->total += want;
        c = n;
    }
    void *p = (char *)c->data + c->used;
    c->used += size;
    return p;
}

void *arena_calloc(struct arena *a, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) {
        fputs("usher: allocation overflow\n", stderr);
        abort();
    }
    void *p = arena_alloc(a, n * size);
    memset(p, 0, n * size);
    return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    if (!s)
        return NULL;
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
    return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
    /* Most strings fit a small buffer: format once there, and a second time only when not. */
    char small[256];
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(small, sizeof(small), fmt, copy);
    va_end(copy);
    if (n < 0)
        return arena_strdup(a, "");
    if ((size_t)n < sizeof(small))
        return arena_strndup(a, small, (size_t)n);
    char *p = arena_alloc(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = arena_vprintf(a, fmt, ap);
    va_end(ap);
    return p;
}

size_t arena_size(const struct arena *a)
{
    return a->total;
}
