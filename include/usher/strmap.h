#ifndef USHER_STRMAP_H
#define USHER_STRMAP_H
/* A string-keyed hash map for bulk work (the import's sets of ids, e-mails and pairs):
 * open addressing, FNV-1a. Keys and values are not copied (keep them alive, e.g. in an
 * arena). No I/O; aborts the process when out of memory, as the arena does. */
#include <stdbool.h>
#include <stddef.h>

struct strmap {
    const char **keys;
    const void **values;
    size_t cap, n;
};

/* An empty map (no allocation until the first put). */
void strmap_init(struct strmap *m);
void strmap_free(struct strmap *m);
/* Sets key to value (replacing any earlier value). */
void strmap_put(struct strmap *m, const char *key, const void *value);
/* True when key is there; *value (may be NULL) gets its value. */
bool strmap_get(const struct strmap *m, const char *key, const void **value);

#endif
