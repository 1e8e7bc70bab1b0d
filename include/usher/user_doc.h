#ifndef USHER_USER_DOC_H
#define USHER_USER_DOC_H
/* The bounds of a user's own JSON documents (settings and info, written by shallow merges):
 * the merged document as stored, compact JSON, may hold at most user_data.max_size bytes
 * and user_data.max_keys top-level members (usher.conf(5)). Pure: no I/O. */
#include <stddef.h>
#include <json-c/json.h>

struct arena;

/* The defaults of user_data.max_size and user_data.max_keys. */
#define USER_DOC_MAX_SIZE_DEFAULT (256 * 1024)
#define USER_DOC_MAX_KEYS_DEFAULT 1000

struct user_doc_limits {
    size_t max_size;   /* bytes of the stored text; 0 = no limit */
    size_t max_keys;   /* top-level members; 0 = no limit */
};

enum user_doc_verdict {
    USER_DOC_OK,
    USER_DOC_TOO_LARGE,       /* the text is over max_size */
    USER_DOC_TOO_MANY_KEYS,   /* the object has more than max_keys members */
};

/* Whether doc (the merged document; an object, or anything else counting as no members)
 * whose stored text is text_len bytes fits lim (NULL: no limits). The size is checked
 * first. */
enum user_doc_verdict user_doc_check(struct json_object *doc, size_t text_len,
                                     const struct user_doc_limits *lim);

/* The answer's detail for a verdict other than USER_DOC_OK, naming the limit and its value
 * ("settings would be 300000 bytes, over user_data.max_size (262144 bytes)"); what is the
 * document's name ("settings", "info"). In the arena. */
const char *user_doc_detail(struct arena *a, const char *what, enum user_doc_verdict verdict,
                            struct json_object *doc, size_t text_len,
                            const struct user_doc_limits *lim);

#endif
