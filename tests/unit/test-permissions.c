/* Tests of the permission tree: compiled defaults and their environment variables, the
 * router's view, POST validation, and the §4.2 merge and has_permission rules. */
#include "config.h"

#include "usher/permissions.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define J(s) json_tokener_parse(s)

/* Compact JSON text of v (valid until the next call with the same slot). */
static const char *text(struct json_object *v)
{
    static char bufs[4][4096];
    static int next;
    char *b = bufs[next++ % 4];
    snprintf(b, sizeof(bufs[0]), "%s",
             v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN) : "(NULL)");
    return b;
}

static const char *const compiled_text =
    "{\"workspace\":{\"models\":false,\"knowledge\":false,\"prompts\":false,\"tools\":false,"
    "\"skills\":false,\"models_import\":false,\"models_export\":false,\"prompts_import\":false,"
    "\"prompts_export\":false,\"tools_import\":false,\"tools_export\":false,\"skills_import\":false,"
    "\"skills_export\":false},"
    "\"sharing\":{\"models\":false,\"public_models\":false,\"knowledge\":false,\"public_knowledge\":false,"
    "\"prompts\":false,\"public_prompts\":false,\"tools\":false,\"public_tools\":false,\"skills\":false,"
    "\"public_skills\":false,\"notes\":false,\"public_notes\":false,\"folders\":false,"
    "\"public_chats\":false,\"open_chats\":false,\"public_calendars\":false},"
    "\"access_grants\":{\"allow_users\":true,\"allow_groups\":true},"
    "\"chat\":{\"controls\":true,\"valves\":true,\"system_prompt\":true,\"params\":true,"
    "\"file_upload\":true,\"web_upload\":true,\"delete\":true,\"delete_message\":true,"
    "\"continue_response\":true,\"regenerate_response\":true,\"rate_response\":true,\"edit\":true,"
    "\"share\":true,\"export\":true,\"import\":true,\"stt\":true,\"tts\":true,\"call\":true,"
    "\"multiple_models\":true,\"temporary\":true,\"temporary_enforced\":false},"
    "\"features\":{\"api_keys\":false,\"notes\":true,\"folders\":true,\"channels\":true,"
    "\"direct_tool_servers\":false,\"web_search\":true,\"image_generation\":true,"
    "\"code_interpreter\":true,\"memories\":true,\"automations\":false,\"calendar\":true,"
    "\"webhooks\":false},"
    "\"settings\":{\"interface\":true}}";

/* The router's defaults: the compiled ones without open_chats, public_tools/public_notes true. */
static char router_text[4096];

static void make_router_text(void)
{
    const char *src = compiled_text;
    size_t o = 0;
    while (*src) {
        if (strncmp(src, "\"open_chats\":false,", 19) == 0) {
            src += 19;
            continue;
        }
        if (strncmp(src, "\"public_tools\":false", 20) == 0) {
            o += (size_t)sprintf(router_text + o, "\"public_tools\":true");
            src += 20;
            continue;
        }
        if (strncmp(src, "\"public_notes\":false", 20) == 0) {
            o += (size_t)sprintf(router_text + o, "\"public_notes\":true");
            src += 20;
            continue;
        }
        router_text[o++] = *src++;
    }
    router_text[o] = '\0';
}

static bool get_bool(struct json_object *tree, const char *sec, const char *key)
{
    struct json_object *s, *v;
    return json_object_object_get_ex(tree, sec, &s) && json_object_object_get_ex(s, key, &v) &&
           json_object_get_boolean(v);
}

static bool has_key(struct json_object *tree, const char *sec, const char *key)
{
    struct json_object *s;
    return json_object_object_get_ex(tree, sec, &s) && json_object_object_get_ex(s, key, NULL);
}

static void test_compiled(void)
{
    struct json_object *c = permissions_compiled_defaults();
    is_str(text(c), compiled_text, "compiled defaults, in table order");
    json_object_put(c);

    setenv("USER_PERMISSIONS_FEATURES_USER_WEBHOOKS", "TRUE", 1);
    setenv("USER_PERMISSIONS_FEATURES_WEBHOOKS", "true", 1);     /* not the name: ignored */
    setenv("USER_PERMISSIONS_CHAT_CONTROLS", "yes", 1);          /* only "true" counts */
    setenv("USER_PERMISSIONS_CHAT_IMPORT", "false", 1);
    setenv("USER_PERMISSIONS_WORKSPACE_MODELS_ALLOW_SHARING", "True", 1);
    setenv("USER_PERMISSIONS_CHAT_ALLOW_OPEN_SHARING", "true", 1);
    setenv("USER_PERMISSIONS_NOTES_ALLOW_PUBLIC_SHARING", "true", 1);
    setenv("USER_PERMISSIONS_WORKSPACE_SKILLS_EXPORT", "true", 1);
    setenv("USER_PERMISSIONS_ACCESS_GRANTS_ALLOW_GROUPS", "", 1); /* set but empty: false */
    setenv("USER_PERMISSIONS_SETTINGS_INTERFACE", "1", 1);
    c = permissions_compiled_defaults();
    ok(get_bool(c, "chat", "controls"), "the tree is read once per process: still the old one");
    json_object_put(c);
    permissions_forget_compiled();
    c = permissions_compiled_defaults();
    ok(get_bool(c, "features", "webhooks"), "features.webhooks from ..._FEATURES_USER_WEBHOOKS");
    ok(!get_bool(c, "chat", "controls"), "\"yes\" is not true");
    ok(!get_bool(c, "chat", "import"), "chat.import from USER_PERMISSIONS_CHAT_IMPORT");
    ok(get_bool(c, "sharing", "models"), "sharing.models from ..._WORKSPACE_MODELS_ALLOW_SHARING");
    ok(get_bool(c, "sharing", "open_chats"), "sharing.open_chats from ..._CHAT_ALLOW_OPEN_SHARING");
    ok(get_bool(c, "sharing", "public_notes"), "sharing.public_notes from ..._NOTES_ALLOW_PUBLIC_SHARING");
    ok(get_bool(c, "workspace", "skills_export"), "workspace.skills_export");
    ok(!get_bool(c, "access_grants", "allow_groups"), "an empty value is false");
    ok(!get_bool(c, "settings", "interface"), "\"1\" is false too");
    ok(get_bool(c, "chat", "valves"), "other keys keep their defaults");
    json_object_put(c);
    unsetenv("USER_PERMISSIONS_FEATURES_USER_WEBHOOKS");
    unsetenv("USER_PERMISSIONS_FEATURES_WEBHOOKS");
    unsetenv("USER_PERMISSIONS_CHAT_CONTROLS");
    unsetenv("USER_PERMISSIONS_CHAT_IMPORT");
    unsetenv("USER_PERMISSIONS_WORKSPACE_MODELS_ALLOW_SHARING");
    unsetenv("USER_PERMISSIONS_CHAT_ALLOW_OPEN_SHARING");
    unsetenv("USER_PERMISSIONS_NOTES_ALLOW_PUBLIC_SHARING");
    unsetenv("USER_PERMISSIONS_WORKSPACE_SKILLS_EXPORT");
    unsetenv("USER_PERMISSIONS_ACCESS_GRANTS_ALLOW_GROUPS");
    unsetenv("USER_PERMISSIONS_SETTINGS_INTERFACE");
    permissions_forget_compiled();
}

static void test_router_view(void)
{
    struct json_object *v = permissions_router_view(NULL);
    is_str(text(v), router_text, "router view of nothing: the router defaults");
    json_object_put(v);

    struct json_object *c = permissions_compiled_defaults();
    v = permissions_router_view(c);
    ok(!has_key(v, "sharing", "open_chats"), "open_chats dropped");
    ok(!get_bool(v, "sharing", "public_tools"), "stored public_tools=false is kept");
    ok(get_bool(v, "chat", "import"), "chat.import kept as import");
    json_object_put(v);
    json_object_put(c);

    struct json_object *t = J("{\"chat\":{\"import_\":false,\"edit\":false,\"bogus\":true},"
                              "\"sharing\":[1],\"features\":{\"webhooks\":\"yes\",\"notes\":7},"
                              "\"extra\":{\"x\":true}}");
    v = permissions_router_view(t);
    ok(!get_bool(v, "chat", "import"), "import_ read as import");
    ok(!has_key(v, "chat", "import_") && !has_key(v, "chat", "bogus"), "import_ and unknown keys not returned");
    ok(!get_bool(v, "chat", "edit") && get_bool(v, "chat", "share"), "given keys kept, missing ones default");
    ok(get_bool(v, "sharing", "public_notes"), "a non-object section takes the defaults");
    ok(get_bool(v, "features", "webhooks"), "lax bool \"yes\"");
    ok(get_bool(v, "features", "notes"), "unreadable value falls back to the default");
    ok(!json_object_object_get_ex(v, "extra", NULL), "unknown sections dropped");
    json_object_put(v);
    json_object_put(t);

    t = J("{\"chat\":{\"import\":true,\"import_\":false}}");
    v = permissions_router_view(t);
    ok(get_bool(v, "chat", "import"), "the alias import wins over import_");
    json_object_put(v);
    json_object_put(t);
}

static void test_from_post(void)
{
    const char *missing, *bad;
    struct json_object *b = J("{\"workspace\":{},\"sharing\":{},\"access_grants\":{},\"chat\":{},"
                              "\"features\":{},\"settings\":{}}");
    struct json_object *v = permissions_from_post(b, &missing, &bad);
    is_str(text(v), router_text, "empty sections: router defaults");
    ok(missing == NULL && bad == NULL, "no error reported");
    json_object_put(v);
    json_object_put(b);

    b = J("{\"workspace\":{},\"sharing\":{},\"chat\":{},\"features\":{},\"settings\":{}}");
    v = permissions_from_post(b, &missing, &bad);
    ok(v == NULL, "a missing section is refused");
    is_str(missing, "access_grants", "the missing section is named");
    json_object_put(b);

    v = permissions_from_post(NULL, &missing, &bad);
    ok(v == NULL, "no body is refused");
    is_str(missing, "workspace", "first section named");

    b = J("{\"workspace\":{},\"sharing\":{\"open_chats\":true,\"public_tools\":0,\"folders\":\"on\"},"
          "\"access_grants\":{\"allow_groups\":false},\"chat\":{\"import_\":false},"
          "\"features\":{\"webhooks\":1.0},\"settings\":{\"interface\":\"F\"}}");
    v = permissions_from_post(b, &missing, &bad);
    ok(v != NULL, "lax booleans accepted");
    ok(!has_key(v, "sharing", "open_chats"), "open_chats dropped on POST");
    ok(!get_bool(v, "sharing", "public_tools"), "0 is false");
    ok(get_bool(v, "sharing", "folders"), "\"on\" is true");
    ok(!get_bool(v, "access_grants", "allow_groups"), "allow_groups stored");
    ok(!get_bool(v, "chat", "import") && has_key(v, "chat", "import") && !has_key(v, "chat", "import_"),
       "import_ stored as import");
    ok(get_bool(v, "features", "webhooks"), "1.0 is true");
    ok(!get_bool(v, "settings", "interface"), "\"F\" is false");
    json_object_put(v);
    json_object_put(b);

    static const struct { const char *body; const char *bad; } bads[] = {
        { "{\"workspace\":{},\"sharing\":{},\"access_grants\":{},\"chat\":{\"edit\":2},"
          "\"features\":{},\"settings\":{}}", "chat.edit" },
        { "{\"workspace\":{},\"sharing\":{},\"access_grants\":{},\"chat\":{\"edit\":null},"
          "\"features\":{},\"settings\":{}}", "chat.edit" },
        { "{\"workspace\":{\"models\":\"maybe\"},\"sharing\":{},\"access_grants\":{},\"chat\":{},"
          "\"features\":{},\"settings\":{}}", "workspace.models" },
        { "{\"workspace\":{},\"sharing\":{},\"access_grants\":{},\"chat\":{\"import_\":[]},"
          "\"features\":{},\"settings\":{}}", "chat.import" },
        { "{\"workspace\":{},\"sharing\":{},\"access_grants\":{},\"chat\":{},"
          "\"features\":{},\"settings\":null}", "settings" },
        { "{\"workspace\":{},\"sharing\":true,\"access_grants\":{},\"chat\":{},"
          "\"features\":{},\"settings\":{}}", "sharing" },
    };
    for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
        b = J(bads[i].body);
        v = permissions_from_post(b, &missing, &bad);
        ok(v == NULL && missing == NULL, "bad body %zu refused", i);
        is_str(bad, bads[i].bad, "bad key of body %zu", i);
        json_object_put(b);
    }
    b = J("{\"workspace\":{},\"sharing\":{\"unknown\":\"junk\"},\"access_grants\":{},\"chat\":{},"
          "\"features\":{},\"settings\":{}}");
    v = permissions_from_post(b, &missing, &bad);
    ok(v != NULL, "unknown keys are dropped, whatever their value");
    json_object_put(v);
    json_object_put(b);
}

static void test_effective(void)
{
    static const struct { const char *defaults; const char *groups[3]; const char *want; } cases[] = {
        { "{\"chat\":{\"edit\":true,\"share\":false}}", { NULL }, "{\"chat\":{\"edit\":true,\"share\":false}}" },
        { "{\"chat\":{\"edit\":true,\"share\":false}}", { "{\"chat\":{\"edit\":false,\"share\":true}}" },
          "{\"chat\":{\"edit\":true,\"share\":true}}" },
        { "{\"chat\":{\"edit\":false}}", { "{\"chat\":{\"edit\":false}}", "{\"chat\":{\"edit\":true}}" },
          "{\"chat\":{\"edit\":true}}" },
        { "{\"chat\":{\"edit\":false}}", { "{\"sharing\":{\"open_chats\":true},\"chat\":{\"x\":1}}" },
          "{\"chat\":{\"edit\":false,\"x\":1},\"sharing\":{\"open_chats\":true}}" },
        { "{\"a\":{\"b\":{\"c\":false}}}", { "{\"a\":{\"b\":{\"c\":\"yes\",\"d\":0}}}" },
          "{\"a\":{\"b\":{\"c\":\"yes\",\"d\":0}}}" },
        { "{\"a\":{\"b\":1}}", { "{\"a\":{\"b\":2}}" }, "{\"a\":{\"b\":1}}" },
        { "{\"a\":{\"b\":0}}", { "{\"a\":{\"b\":2}}" }, "{\"a\":{\"b\":2}}" },
        { "{\"a\":true}", { "{\"a\":{\"b\":true}}" }, "{\"a\":{\"b\":true}}" },
        { "{\"a\":{\"b\":true}}", { "{\"a\":false}" }, "{\"a\":{\"b\":true}}" },
        { "{\"a\":{}}", { "{\"a\":false}" }, "{\"a\":false}" },
        { NULL, { "{\"chat\":{\"edit\":true}}" }, "{\"chat\":{\"edit\":true}}" },
        { "{\"chat\":{\"edit\":true}}", { "[1,2]", "null" }, "{\"chat\":{\"edit\":true}}" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct json_object *d = cases[i].defaults ? J(cases[i].defaults) : NULL;
        struct json_object *g[3] = { NULL, NULL, NULL };
        size_t n = 0;
        while (n < 3 && cases[i].groups[n]) {
            g[n] = J(cases[i].groups[n]);
            n++;
        }
        char *before = d ? strdup(text(d)) : NULL;
        struct json_object *e = permissions_effective(d, g, n);
        is_str(text(e), cases[i].want, "effective permissions, case %zu", i);
        if (d)
            is_str(text(d), before, "defaults untouched, case %zu", i);
        free(before);
        json_object_put(e);
        json_object_put(d);
        for (size_t k = 0; k < n; k++)
            json_object_put(g[k]);
    }
    struct json_object *e = permissions_effective(NULL, NULL, 0);
    is_str(text(e), "{}", "nothing at all gives {}");
    json_object_put(e);
}

static void test_has(void)
{
    struct json_object *d = J("{\"chat\":{\"edit\":false,\"share\":true,\"empty\":{}},"
                              "\"features\":{\"api_keys\":false},\"settings\":true,"
                              "\"access_grants\":{}}");
    struct json_object *g1 = J("{\"features\":{\"api_keys\":true}}");
    struct json_object *g2 = J("{\"chat\":{\"edit\":0},\"sharing\":{\"open_chats\":1}}");
    struct json_object *gs[2] = { g1, g2 };
    ok(permissions_has("features.api_keys", d, gs, 2), "a group grants");
    ok(!permissions_has("features.api_keys", d, gs + 1, 1), "without that group: the stored false");
    ok(!permissions_has("chat.edit", d, gs, 2), "a falsy group value does not grant");
    ok(permissions_has("chat.share", d, NULL, 0), "stored true");
    ok(permissions_has("sharing.open_chats", d, gs, 2), "a group may carry open_chats");
    ok(!permissions_has("sharing.open_chats", d, NULL, 0), "open_chats falls back to the compiled false");
    setenv("USER_PERMISSIONS_CHAT_ALLOW_OPEN_SHARING", "true", 1);
    permissions_forget_compiled();
    ok(permissions_has("sharing.open_chats", d, NULL, 0), "... or the compiled true from env");
    unsetenv("USER_PERMISSIONS_CHAT_ALLOW_OPEN_SHARING");
    permissions_forget_compiled();
    ok(permissions_has("chat.valves", d, NULL, 0), "key missing from the stored section: compiled true");
    ok(permissions_has("access_grants.allow_users", d, NULL, 0), "stored empty section: compiled");
    ok(!permissions_has("settings.interface", d, NULL, 0), "a scalar on the way: false");
    ok(!permissions_has("chat.empty", d, NULL, 0), "an empty stored object with no compiled object: false");
    ok(permissions_has("chat", d, NULL, 0), "a non-empty object is truthy");
    ok(!permissions_has("nope.nothing", d, NULL, 0), "unknown everywhere: false");
    ok(permissions_has("features.web_search", NULL, NULL, 0), "no stored tree: compiled");
    ok(!permissions_has("features.api_keys", NULL, NULL, 0), "no stored tree: compiled false");
    ok(!permissions_has(NULL, d, NULL, 0), "NULL path");
    ok(!permissions_has("chat..edit", d, NULL, 0), "empty path step");
    json_object_put(d);
    json_object_put(g1);
    json_object_put(g2);
}

int main(void)
{
    /* start from a clean environment for the variables under test */
    for (char **e = environ; e && *e;) {
        if (strncmp(*e, "USER_PERMISSIONS_", 17) == 0) {
            char name[256];
            size_t n = strcspn(*e, "=");
            snprintf(name, sizeof(name), "%.*s", (int)n, *e);
            unsetenv(name);
            e = environ;
            continue;
        }
        e++;
    }
    make_router_text();
    test_compiled();
    test_router_view();
    test_from_post();
    test_effective();
    test_has();
    return tap_done();
}
