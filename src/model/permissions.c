/* The permission tree (§4, deltas §5): compiled defaults from the environment, the users
 * router's view of a stored tree, validation of a POST, and the merge rules of §4.2. */
#include "config.h"

#include "usher/permissions.h"
#include "usher/fields.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One key of the v0.11.0 tree, in the table order of deltas §5. */
struct perm_key {
    const char *section;
    const char *key;
    const char *path;        /* "section.key", reported by permissions_from_post */
    const char *env;         /* USER_PERMISSIONS_* variable of the compiled default */
    bool compiled;           /* compiled default */
    bool router;             /* users-router default */
    bool in_router;          /* false: only in the compiled tree (sharing.open_chats) */
};

#define K(sec, k, env, c, r) { sec, k, sec "." k, env, c, r, true }
#define W(k, env, c) K("workspace", k, "USER_PERMISSIONS_WORKSPACE_" env, c, c)
#define S(k, env, c, r) K("sharing", k, "USER_PERMISSIONS_" env, c, r)
#define C(k, env, c) K("chat", k, "USER_PERMISSIONS_CHAT_" env, c, c)
#define F(k, env, c) K("features", k, "USER_PERMISSIONS_FEATURES_" env, c, c)

static const struct perm_key perm_keys[] = {
    W("models", "MODELS_ACCESS", false),
    W("knowledge", "KNOWLEDGE_ACCESS", false),
    W("prompts", "PROMPTS_ACCESS", false),
    W("tools", "TOOLS_ACCESS", false),
    W("skills", "SKILLS_ACCESS", false),
    W("models_import", "MODELS_IMPORT", false),
    W("models_export", "MODELS_EXPORT", false),
    W("prompts_import", "PROMPTS_IMPORT", false),
    W("prompts_export", "PROMPTS_EXPORT", false),
    W("tools_import", "TOOLS_IMPORT", false),
    W("tools_export", "TOOLS_EXPORT", false),
    W("skills_import", "SKILLS_IMPORT", false),
    W("skills_export", "SKILLS_EXPORT", false),

    S("models", "WORKSPACE_MODELS_ALLOW_SHARING", false, false),
    S("public_models", "WORKSPACE_MODELS_ALLOW_PUBLIC_SHARING", false, false),
    S("knowledge", "WORKSPACE_KNOWLEDGE_ALLOW_SHARING", false, false),
    S("public_knowledge", "WORKSPACE_KNOWLEDGE_ALLOW_PUBLIC_SHARING", false, false),
    S("prompts", "WORKSPACE_PROMPTS_ALLOW_SHARING", false, false),
    S("public_prompts", "WORKSPACE_PROMPTS_ALLOW_PUBLIC_SHARING", false, false),
    S("tools", "WORKSPACE_TOOLS_ALLOW_SHARING", false, false),
    S("public_tools", "WORKSPACE_TOOLS_ALLOW_PUBLIC_SHARING", false, true),
    S("skills", "WORKSPACE_SKILLS_ALLOW_SHARING", false, false),
    S("public_skills", "WORKSPACE_SKILLS_ALLOW_PUBLIC_SHARING", false, false),
    S("notes", "NOTES_ALLOW_SHARING", false, false),
    S("public_notes", "NOTES_ALLOW_PUBLIC_SHARING", false, true),
    S("folders", "FOLDERS_ALLOW_SHARING", false, false),
    S("public_chats", "CHAT_ALLOW_PUBLIC_SHARING", false, false),
    { "sharing", "open_chats", "sharing.open_chats", "USER_PERMISSIONS_CHAT_ALLOW_OPEN_SHARING",
      false, false, false },
    S("public_calendars", "CALENDAR_ALLOW_PUBLIC_SHARING", false, false),

    K("access_grants", "allow_users", "USER_PERMISSIONS_ACCESS_GRANTS_ALLOW_USERS", true, true),
    K("access_grants", "allow_groups", "USER_PERMISSIONS_ACCESS_GRANTS_ALLOW_GROUPS", true, true),

    C("controls", "CONTROLS", true),
    C("valves", "VALVES", true),
    C("system_prompt", "SYSTEM_PROMPT", true),
    C("params", "PARAMS", true),
    C("file_upload", "FILE_UPLOAD", true),
    C("web_upload", "WEB_UPLOAD", true),
    C("delete", "DELETE", true),
    C("delete_message", "DELETE_MESSAGE", true),
    C("continue_response", "CONTINUE_RESPONSE", true),
    C("regenerate_response", "REGENERATE_RESPONSE", true),
    C("rate_response", "RATE_RESPONSE", true),
    C("edit", "EDIT", true),
    C("share", "SHARE", true),
    C("export", "EXPORT", true),
    C("import", "IMPORT", true),
    C("stt", "STT", true),
    C("tts", "TTS", true),
    C("call", "CALL", true),
    C("multiple_models", "MULTIPLE_MODELS", true),
    C("temporary", "TEMPORARY", true),
    C("temporary_enforced", "TEMPORARY_ENFORCED", false),

    F("api_keys", "API_KEYS", false),
    F("notes", "NOTES", true),
    F("folders", "FOLDERS", true),
    F("channels", "CHANNELS", true),
    F("direct_tool_servers", "DIRECT_TOOL_SERVERS", false),
    F("web_search", "WEB_SEARCH", true),
    F("image_generation", "IMAGE_GENERATION", true),
    F("code_interpreter", "CODE_INTERPRETER", true),
    F("memories", "MEMORIES", true),
    F("automations", "AUTOMATIONS", false),
    F("calendar", "CALENDAR", true),
    F("webhooks", "USER_WEBHOOKS", false),

    K("settings", "interface", "USER_PERMISSIONS_SETTINGS_INTERFACE", true, true),
};

#define NKEYS (sizeof(perm_keys) / sizeof(perm_keys[0]))

static const char *const sections[] = {
    "workspace", "sharing", "access_grants", "chat", "features", "settings",
};

#define NSECTIONS (sizeof(sections) / sizeof(sections[0]))

/* The environment does not change while a worker runs, so the tree is built once per
 * process (it was a fifth of the instructions of GET /api/v1/auths/: ~90 getenv scans). */
static struct json_object *compiled_tree;

struct json_object *permissions_compiled_defaults(void)
{
    if (compiled_tree)
        return json_object_get(compiled_tree);
    struct json_object *tree = json_object_new_object();
    for (size_t s = 0; s < NSECTIONS; s++) {
        struct json_object *sec = json_object_new_object();
        for (size_t i = 0; i < NKEYS; i++) {
            const struct perm_key *k = &perm_keys[i];
            if (strcmp(k->section, sections[s]) != 0)
                continue;
            const char *env = getenv(k->env);
            bool v = env ? strcasecmp(env, "true") == 0 : k->compiled;
            json_object_object_add(sec, k->key, json_object_new_boolean(v));
        }
        json_object_object_add(tree, sections[s], sec);
    }
    compiled_tree = tree;
    return json_object_get(compiled_tree);
}

void permissions_forget_compiled(void)
{
    json_object_put(compiled_tree);
    compiled_tree = NULL;
}

/* A member of obj, NULL when obj is not an object or lacks it. */
static struct json_object *member(struct json_object *obj, const char *key)
{
    struct json_object *v = NULL;
    if (obj && json_object_is_type(obj, json_type_object) && json_object_object_get_ex(obj, key, &v))
        return v;
    return NULL;
}

static bool has_member(struct json_object *obj, const char *key)
{
    return obj && json_object_is_type(obj, json_type_object) &&
           json_object_object_get_ex(obj, key, NULL);
}

/* The router's model of one section over src (an object or NULL): each router key from src
 * or its default. strict: a value that is not a boolean gives NULL and *bad_key; otherwise
 * such a value falls back to the default. chat.import is read from "import", else "import_"
 * (pydantic's alias with populate_by_name). */
static struct json_object *router_section(const char *section, struct json_object *src, bool strict,
                                          const char **bad_key)
{
    struct json_object *sec = json_object_new_object();
    for (size_t i = 0; i < NKEYS; i++) {
        const struct perm_key *k = &perm_keys[i];
        if (!k->in_router || strcmp(k->section, section) != 0)
            continue;
        bool v = k->router;
        bool present = has_member(src, k->key);
        struct json_object *val = member(src, k->key);
        if (!present && strcmp(k->path, "chat.import") == 0) {
            present = has_member(src, "import_");
            val = member(src, "import_");
        }
        if (present) {
            bool b;
            if (fields_lax_bool(val, &b) == 1) {
                v = b;
            } else if (strict) {
                if (bad_key)
                    *bad_key = k->path;
                json_object_put(sec);
                return NULL;
            }
        }
        json_object_object_add(sec, k->key, json_object_new_boolean(v));
    }
    return sec;
}

struct json_object *permissions_router_view(struct json_object *tree)
{
    struct json_object *out = json_object_new_object();
    for (size_t s = 0; s < NSECTIONS; s++) {
        struct json_object *src = member(tree, sections[s]);
        if (src && !json_object_is_type(src, json_type_object))
            src = NULL;
        json_object_object_add(out, sections[s], router_section(sections[s], src, false, NULL));
    }
    return out;
}

struct json_object *permissions_from_post(struct json_object *body, const char **missing,
                                          const char **bad_key)
{
    if (missing)
        *missing = NULL;
    if (bad_key)
        *bad_key = NULL;
    for (size_t s = 0; s < NSECTIONS; s++) {
        if (!has_member(body, sections[s])) {
            if (missing)
                *missing = sections[s];
            return NULL;
        }
    }
    struct json_object *out = json_object_new_object();
    for (size_t s = 0; s < NSECTIONS; s++) {
        struct json_object *src = member(body, sections[s]);
        if (!json_object_is_type(src, json_type_object)) {
            if (bad_key)
                *bad_key = sections[s];    /* the section itself is not an object */
            json_object_put(out);
            return NULL;
        }
        struct json_object *sec = router_section(sections[s], src, true, bad_key);
        if (!sec) {
            json_object_put(out);
            return NULL;
        }
        json_object_object_add(out, sections[s], sec);
    }
    return out;
}

/* Python's truthiness of a JSON value. */
static bool truthy(struct json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_null: return false;
    case json_type_boolean: return json_object_get_boolean(v);
    case json_type_int: return json_object_get_int64(v) != 0 || json_object_get_uint64(v) != 0;
    case json_type_double: return json_object_get_double(v) != 0.0;
    case json_type_string: return json_object_get_string_len(v) > 0;
    case json_type_array: return json_object_array_length(v) > 0;
    case json_type_object: return json_object_object_length(v) > 0;
    }
    return false;
}

static struct json_object *copy_value(struct json_object *v)
{
    struct json_object *c = NULL;
    if (!v)
        return NULL;
    if (json_object_deep_copy(v, &c, NULL) != 0)
        return NULL;
    return c;
}

/* §4.2 step 2: nested objects merge, absent scalars are copied in, present ones become
 * "existing or group value". A scalar where the group has an object is replaced by the
 * merged object (the reference would fail there). */
static void combine(struct json_object *perms, struct json_object *group)
{
    json_object_object_foreach(group, key, gval) {
        struct json_object *cur = NULL;
        bool present = json_object_object_get_ex(perms, key, &cur);
        if (json_object_is_type(gval, json_type_object)) {
            if (!present || !json_object_is_type(cur, json_type_object)) {
                cur = json_object_new_object();
                json_object_object_add(perms, key, cur);
            }
            combine(cur, gval);
        } else if (!present) {
            json_object_object_add(perms, key, copy_value(gval));
        } else if (!truthy(cur)) {
            json_object_object_add(perms, key, copy_value(gval));
        }
    }
}

/* §4.2 step 3: keys missing from perms are taken from defaults, recursively. */
static void fill_missing(struct json_object *perms, struct json_object *defaults)
{
    json_object_object_foreach(defaults, key, dval) {
        struct json_object *cur = NULL;
        if (!json_object_object_get_ex(perms, key, &cur))
            json_object_object_add(perms, key, copy_value(dval));
        else if (json_object_is_type(dval, json_type_object) && json_object_is_type(cur, json_type_object))
            fill_missing(cur, dval);
    }
}

struct json_object *permissions_effective(struct json_object *defaults,
                                          struct json_object *const *group_trees, size_t ngroups)
{
    bool have_defaults = defaults && json_object_is_type(defaults, json_type_object);
    struct json_object *perms = have_defaults ? copy_value(defaults) : NULL;
    if (!perms)
        perms = json_object_new_object();
    for (size_t i = 0; i < ngroups; i++)
        if (group_trees && group_trees[i] && json_object_is_type(group_trees[i], json_type_object))
            combine(perms, group_trees[i]);
    if (have_defaults)
        fill_missing(perms, defaults);
    return perms;
}

enum walk { WALK_FOUND, WALK_GAP, WALK_BLOCKED };

/* Follows the dotted path through nested objects. WALK_FOUND with *out the value at its
 * end; WALK_GAP when a key is missing from an object on the way (the back-fill may fill
 * it); WALK_BLOCKED when a scalar or null stands on the way, or a key is too long. */
static enum walk walk(struct json_object *tree, const char *path, struct json_object **out)
{
    struct json_object *cur = tree;
    const char *p = path;
    char key[128];
    for (;;) {
        if (!cur || !json_object_is_type(cur, json_type_object))
            return WALK_BLOCKED;
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n >= sizeof(key))
            return WALK_BLOCKED;
        memcpy(key, p, n);
        key[n] = '\0';
        if (!json_object_object_get_ex(cur, key, &cur))
            return WALK_GAP;
        if (!dot)
            break;
        p = dot + 1;
    }
    *out = cur;
    return WALK_FOUND;
}

/* The value at path in tree, if every step is an object that has the key. */
static bool lookup(struct json_object *tree, const char *path, struct json_object **out)
{
    return walk(tree, path, out) == WALK_FOUND;
}

/* Whether the stored tree leaves a gap on path that the back-fill fills: every step before
 * the gap is an object. A scalar or null on the way means the path stays missing. */
static bool gap_on_path(struct json_object *tree, const char *path)
{
    struct json_object *unused;
    return walk(tree, path, &unused) == WALK_GAP;
}

static bool compiled_truthy(const char *path, bool want_object)
{
    struct json_object *compiled = permissions_compiled_defaults();
    struct json_object *cv;
    bool result = lookup(compiled, path, &cv) && truthy(cv) &&
                  (!want_object || json_object_is_type(cv, json_type_object));
    json_object_put(compiled);
    return result;
}

bool permissions_has(const char *path, struct json_object *defaults,
                     struct json_object *const *group_trees, size_t ngroups)
{
    if (!path)
        return false;
    struct json_object *v;
    for (size_t i = 0; i < ngroups; i++)
        if (group_trees && lookup(group_trees[i], path, &v) && truthy(v))
            return true;
    /* The stored defaults back-filled from the compiled tree (a NULL tree counts as {}). */
    if (!defaults)
        return compiled_truthy(path, false);
    if (lookup(defaults, path, &v)) {
        if (json_object_is_type(v, json_type_object) && !truthy(v))
            return compiled_truthy(path, true);   /* an empty object the back-fill extends */
        return truthy(v);
    }
    return gap_on_path(defaults, path) && compiled_truthy(path, false);
}
