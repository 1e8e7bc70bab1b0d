/* The user model's views, the user-variables checks (deltas §2.1) and the empty usage
 * report's calendar (deltas §2.3). Expected values computed with CPython 3.11 (json.dumps)
 * and by hand from a calendar. */
#include "config.h"

#include <string.h>

#include "tap.h"
#include "usher/arena.h"
#include "usher/usage.h"
#include "usher/user.h"
#include "usher/variables.h"

static void test_views(struct arena *a)
{
    long long expires = 42;
    struct user u = { .id = "u1", .email = "a@b.c", .role_name = "user", .name = "A",
                      .profile_image_url = "", .settings = "{\"x\":1}",
                      .status_expires_at = &expires, .tokens_valid_after_ms = 5 };
    struct json_object *o = user_json(a, &u, VIEW_MODEL);
    is_str(json_object_get_string(json_object_object_get(o, "profile_image_url")),
           "/api/v1/users/u1/profile/image", "an empty image shows the API path");
    ok(json_object_object_get_ex(json_object_object_get(o, "settings"), "ui", NULL),
       "settings without ui show ui: {}");
    is_int(json_object_get_int64(json_object_object_get(o, "status_expires_at")), 42,
           "nullable integer shown");
    ok(!json_object_object_get_ex(o, "tokens_valid_after_ms", NULL), "internal fields hidden");
    ok(!json_object_object_get_ex(o, "variables", NULL), "variables never shown");
    json_object_put(o);
    o = user_json(a, &u, VIEW_INFO);
    ok(!json_object_object_get_ex(o, "settings", NULL) && json_object_object_get_ex(o, "bio", NULL),
       "UserInfo: bio, no settings");
    json_object_put(o);
    o = user_json(a, &u, VIEW_SIGNIN);
    is_int(json_object_object_length(o), 5, "SessionUser's user part: id email role name image");
    json_object_put(o);
    is_int(user_role_parse("admin"), ROLE_ADMIN, "admin");
    is_int(user_role_parse("superuser"), ROLE_PENDING, "an unknown role has no rights");
}

static const char *check(struct arena *a, const char *json, const char **normalised)
{
    struct json_object *in = json_tokener_parse(json), *out = NULL;
    const char *why = variables_validate(a, in, &out);
    *normalised = out ? arena_strdup(a, json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN)) : NULL;
    json_object_put(in);
    json_object_put(out);
    return why;
}

static void test_variables(struct arena *a)
{
    const char *n;
    ok(check(a, "{\"city\":\"Berlin\",\"a_1\":\"x\"}", &n) == NULL, "valid map");
    is_str(check(a, "{\"Bad\":\"x\"}", &n), "Invalid user variable key: Bad", "upper case key");
    is_str(check(a, "{\"\":\"x\"}", &n), "Invalid user variable key: ", "empty key");
    is_str(check(a, "{\"1a\":\"x\"}", &n), "Invalid user variable key: 1a", "leading digit");
    ok(check(a, "{\"abc\\n\":\"x\"}", &n) == NULL, "Python's $ lets one final newline through");
    is_str(check(a, "{\"abc\\n\\n\":\"x\"}", &n), "Invalid user variable key: abc\n\n", "not two");
    is_str(check(a, "{\"k\":1}", &n), "User variable must be a string: k", "a number");
    is_str(check(a, "{\"k\":null}", &n), "User variable must be a string: k", "null");
    is_str(check(a, "{\"a\":\"x\",\"B\":2}", &n), "Invalid user variable key: B",
           "entries in order: the key before the value");
    ok(check(a, "{\"k\":\"a\\r\\nb\\rc\"}", &n) == NULL, "CRLF accepted");
    is_str(n, "{\"k\":\"a\\nb\\rc\"}", "CRLF becomes LF, a lone CR stays");
    /* len(json.dumps({"k": "é"})) == 15; with {"k": "😀", "l": [1, True, None]} it is 43 */
    struct json_object *v = json_tokener_parse("{\"k\":\"\xc3\xa9\"}");
    is_int(variables_python_json_length(v), 15, "ensure_ascii escapes a BMP character");
    json_object_put(v);
    v = json_tokener_parse("{\"k\":\"\xf0\x9f\x98\x80\",\"l\":[1,true,null]}");
    is_int(variables_python_json_length(v), 43, "a pair above the BMP; list separators");
    json_object_put(v);
    /* 20000 code points pass, 20001 do not; a CRLF pair counts as one (after the change) */
    size_t len = 19999;
    char *big = arena_alloc(a, len + 64);
    strcpy(big, "{\"k\":\"\\r\\n");
    size_t o = strlen(big);
    memset(big + o, 'x', len);
    strcpy(big + o + len, "\"}");
    ok(check(a, big, &n) == NULL, "20000 code points (a CRLF among them)");
    strcpy(big + o + len, "x\"}");
    is_str(check(a, big, &n), "User variable is too long: k", "20001 code points");
}

static void test_usage(void)
{
    /* 2025-07-27 was a Sunday: one day, the week of Monday 2025-07-21 */
    long long t = 1753617600;   /* 2025-07-27 12:00 UTC */
    struct json_object *o = usage_empty(t - 3600, t, NULL);
    struct json_object *h = json_object_object_get(o, "heatmap");
    struct json_object *w = json_object_object_get(o, "weekly_heatmap");
    is_int(json_object_array_length(h), 1, "one day");
    is_str(json_object_get_string(json_object_object_get(json_object_array_get_idx(h, 0), "date")),
           "2025-07-27", "its date");
    is_str(json_object_get_string(json_object_object_get(json_object_array_get_idx(w, 0), "date")),
           "2025-07-21", "the week's Monday");
    json_object_put(o);
    /* 8 days ending on Monday 2025-07-28: two weeks */
    o = usage_empty(t - 6 * 86400, t + 86400, NULL);
    is_int(json_object_array_length(json_object_object_get(o, "heatmap")), 8, "8 days");
    is_int(json_object_array_length(json_object_object_get(o, "weekly_heatmap")), 2, "2 weeks");
    is_int(json_object_get_int(json_object_object_get(json_object_object_get(o, "period"), "days")),
           8, "period.days");
    json_object_put(o);
    /* 23:30 UTC is already the next day in Tokyo */
    o = usage_empty(t + 11 * 3600 + 1800, t + 11 * 3600 + 1800, "Asia/Tokyo");
    is_str(json_object_get_string(json_object_object_get(
               json_object_array_get_idx(json_object_object_get(o, "heatmap"), 0), "date")),
           "2025-07-28", "days in the user's time zone");
    json_object_put(o);
    ok(!usage_timezone_ok("../../etc/passwd"), "no path tricks");
    ok(!usage_timezone_ok("/etc/localtime"), "no absolute path");
    ok(usage_timezone_ok("America/Argentina/Buenos_Aires"), "a long IANA name");
}

int main(void)
{
    struct arena *a = arena_new(4096);
    test_views(a);
    test_variables(a);
    test_usage();
    arena_free(a);
    return tap_done();
}
