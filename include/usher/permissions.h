#ifndef USHER_PERMISSIONS_H
#define USHER_PERMISSIONS_H
/* The permission tree of the contract (§4) with v0.11.0's keys (deltas §5). Pure functions
 * over json-c objects. Sections: workspace, sharing, access_grants, chat, features, settings. */
#include <stdbool.h>
#include <json-c/json.h>

/* The compiled defaults, read from the USER_PERMISSIONS_* environment variables (a value
 * counts as true only when it is "true", case-insensitive); includes sharing.open_chats.
 * Read once per process: returns a new reference to a shared tree that callers must not
 * modify (deep-copy it first); release it with json_object_put. */
struct json_object *permissions_compiled_defaults(void);
/* Forgets the tree read from the environment, so the next call reads it again (tests). */
void permissions_forget_compiled(void);
/* The router's view of a tree (GET /default/permissions, /default/permissions/defaults):
 * each of the six sections re-parsed with the router's key set and defaults (public_tools
 * and public_notes default true; open_chats dropped; "import_" read as "import"). Unknown
 * keys dropped. Returns a new object; tree may be NULL. */
struct json_object *permissions_router_view(struct json_object *tree);
/* Validates a POST /default/permissions body: all six sections must be present objects.
 * Returns NULL and sets *missing to the first missing section name, or returns the router
 * view of body (new object). Wrong-typed values inside a section give NULL with *bad_key set
 * ("section.key"). */
struct json_object *permissions_from_post(struct json_object *body, const char **missing,
                                          const char **bad_key);
/* Effective permissions (§4.2): deep copy of defaults, OR-merged with each group's tree in
 * order, then back-filled from defaults. Returns a new object. */
struct json_object *permissions_effective(struct json_object *defaults,
                                          struct json_object *const *group_trees, size_t ngroups);
/* has_permission("a.b") (§4.2): true if any group tree has a truthy value at path, else the
 * value in defaults back-filled from the compiled defaults (missing = false). */
bool permissions_has(const char *path, struct json_object *defaults,
                     struct json_object *const *group_trees, size_t ngroups);

#endif
