/* The bounds of a user's settings and info (see user_doc.h). */
#include "config.h"
#include "usher/user_doc.h"

#include "usher/arena.h"

static size_t members(struct json_object *doc)
{
    return doc && json_object_is_type(doc, json_type_object)
               ? (size_t)json_object_object_length(doc) : 0;
}

enum user_doc_verdict user_doc_check(struct json_object *doc, size_t text_len,
                                     const struct user_doc_limits *lim)
{
    if (!lim)
        return USER_DOC_OK;
    if (lim->max_size && text_len > lim->max_size)
        return USER_DOC_TOO_LARGE;
    if (lim->max_keys && members(doc) > lim->max_keys)
        return USER_DOC_TOO_MANY_KEYS;
    return USER_DOC_OK;
}

const char *user_doc_detail(struct arena *a, const char *what, enum user_doc_verdict verdict,
                            struct json_object *doc, size_t text_len,
                            const struct user_doc_limits *lim)
{
    switch (verdict) {
    case USER_DOC_TOO_LARGE:
        return arena_printf(a, "%s would be %zu bytes, over user_data.max_size (%zu bytes)",
                            what, text_len, lim ? lim->max_size : 0);
    case USER_DOC_TOO_MANY_KEYS:
        return arena_printf(a, "%s would have %zu keys, over user_data.max_keys (%zu)", what,
                            members(doc), lim ? lim->max_keys : 0);
    case USER_DOC_OK:
        break;
    }
    return "";
}
