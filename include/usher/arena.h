#ifndef USHER_ARENA_H
#define USHER_ARENA_H
/* Per-request memory: everything a request allocates comes from one arena that is
 * reset when the response has been written, so no handler path can leak. */
#include <stddef.h>
#include <stdarg.h>

struct arena;

/* Creates an arena whose chunks are at least chunk_size bytes. NULL on ENOMEM. */
struct arena *arena_new(size_t chunk_size);
/* Frees the arena and everything allocated from it. NULL is accepted. */
void arena_free(struct arena *a);
/* Releases every allocation but keeps the first chunk for reuse. */
void arena_reset(struct arena *a);
/* Returns size bytes aligned for any type; aborts the process on ENOMEM (a worker that
 * cannot allocate is replaced by the master). size 0 returns a valid unique pointer. */
void *arena_alloc(struct arena *a, size_t size);
/* Zeroed allocation. */
void *arena_calloc(struct arena *a, size_t n, size_t size);
/* Copies of strings; NULL in gives NULL out. The result is NUL-terminated. */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
/* printf into the arena. */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Bytes currently held by the arena (for the status page and leak checks). */
size_t arena_size(const struct arena *a);

#endif
