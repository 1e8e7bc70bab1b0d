/* Tests of the JSON writer (json_writer.h) and the users' members written through it
 * (user_json_write_members): every output is compared byte for byte with what json-c
 * prints for the same values with response_json's flags, since the listing's answers must
 * not change by a byte. Strings cover every byte value (controls, quotes, backslash,
 * slash, DEL, UTF-8); users cover every field type, present and absent, and JSON documents
 * that parse, that do not, and settings without "ui". */
#include "config.h"

#include "usher/json_writer.h"
#include "tap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "usher/arena.h"
#include "usher/user.h"

#define FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* json-c's text of o (released), in the arena. */
static const char *jsonc_text(struct arena *a, struct json_object *o)
{
    const char *s = arena_strdup(a, json_object_to_json_string_ext(o, FLAGS));
    json_object_put(o);
    return s;
}

static const char *written_string(struct arena *a, const char *s)
{
    struct json_writer w;
    json_writer_init(&w, a, 1);   /* the smallest buffer: every string makes it grow */
    json_writer_string(&w, s);
    size_t n = 0;
    return json_writer_finish(&w, &n);
}

static void test_strings(struct arena *a)
{
    /* every byte 1..255 alone, then between letters */
    int same = 0;
    for (int c = 1; c < 256; c++) {
        char one[2] = {(char)c, 0}, three[4] = {'a', (char)c, 'b', 0};
        same += strcmp(written_string(a, one), jsonc_text(a, json_object_new_string(one))) == 0;
        same += strcmp(written_string(a, three),
                       jsonc_text(a, json_object_new_string(three))) == 0;
    }
    is_int(same, 2 * 255, "every byte value, alone and inside a string, as json-c writes it");
    static const char *const samples[] = {
        "", "plain", "/api/v1/users/x/profile/image", "quote \" back \\ slash /",
        "tab\tnl\ncr\rff\fbs\b", "\x01\x1f\x7f", "Gül Østergaard Ñúñez 李 🙂",
        "\xff\xfe not UTF-8", "a\\\"b\\\\c",
    };
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
        is_str(written_string(a, samples[i]),
               jsonc_text(a, json_object_new_string(samples[i])), "string %zu as json-c", i);
    is_str(written_string(a, NULL), "null", "NULL is null");

    /* random strings of random bytes */
    srand(7);
    int random_same = 0;
    for (int t = 0; t < 2000; t++) {
        char s[64];
        size_t n = (size_t)(rand() % 63);
        for (size_t i = 0; i < n; i++)
            s[i] = (char)(1 + rand() % 255);
        s[n] = '\0';
        random_same += strcmp(written_string(a, s), jsonc_text(a, json_object_new_string(s))) == 0;
    }
    is_int(random_same, 2000, "2,000 random strings as json-c");
}

static void test_numbers(struct arena *a)
{
    static const long long values[] = {0, 1, -1, 1738782657, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        struct json_writer w;
        json_writer_init(&w, a, 1);
        json_writer_int(&w, values[i]);
        size_t n = 0;
        is_str(json_writer_finish(&w, &n), jsonc_text(a, json_object_new_int64(values[i])),
               "integer %lld as json-c", values[i]);
    }
    struct json_writer w;
    json_writer_init(&w, a, 1);
    json_writer_bool(&w, 1);
    json_writer_lit(&w, ",");
    json_writer_bool(&w, 0);
    json_writer_lit(&w, ",");
    json_writer_json(&w, NULL);
    size_t n = 0;
    const char *s = json_writer_finish(&w, &n);
    is_str(s, "true,false,null", "booleans and a NULL object");
    is_int(n, strlen(s), "the length returned is the text's");
}

/* The members of u in view written as text, inside braces, against user_json's object. */
static void same_user(struct arena *a, const struct user *u, enum user_view view,
                      const char *what)
{
    struct json_writer w;
    json_writer_init(&w, a, 16);
    json_writer_lit(&w, "{");
    user_json_write_members(&w, a, u, view);
    json_writer_lit(&w, "}");
    size_t n = 0;
    is_str(json_writer_finish(&w, &n), jsonc_text(a, user_json(a, u, view)), "%s", what);
}

static void test_users(struct arena *a)
{
    static const enum user_view views[] = {VIEW_MODEL, VIEW_SESSION, VIEW_INFO, VIEW_SIGNIN};
    long long expires = -42;
    struct user full = {
        .id = "u/1", .email = "a@b.c", .username = "ün\"ame", .role_name = "admin",
        .name = "Gül \\ Østergaard\n", .profile_image_url = "data:image/png;base64,AAAA",
        .profile_banner_image_url = "/b.png", .bio = "bio\t", .gender = "x",
        .date_of_birth = "2000-01-02", .timezone = "Europe/Paris", .presence_state = "away",
        .status_emoji = "🙂", .status_message = "m", .status_expires_at = &expires,
        .info = "{\"a\": [1, 2.5, \"x/y\"], \"b\": {}}", .settings = "{\"ui\": {\"k\": true}}",
        .oauth = "{\"sub\":\"s\"}", .scim = "not json", .last_active_at = 1738782657,
        .updated_at = 1, .created_at = INT64_MAX, .tokens_valid_after_ms = 5,
        .tokens_kept_jti = "j",
    };
    struct user bare = { .id = "u2" };   /* every optional field absent */
    struct user other = { .id = "u3", .email = "e", .role_name = "user", .name = "n",
                          .profile_image_url = "", .settings = "{\"x\": 1}", .info = "[]",
                          .oauth = "null" };
    for (size_t v = 0; v < sizeof(views) / sizeof(views[0]); v++) {
        same_user(a, &full, views[v], "every field present, as user_json prints it");
        same_user(a, &bare, views[v], "every optional field absent, as user_json prints it");
        same_user(a, &other, views[v], "settings without ui, an array, a JSON null");
    }
}

int main(void)
{
    struct arena *a = arena_new(64 * 1024);
    test_strings(a);
    test_numbers(a);
    test_users(a);
    arena_free(a);
    return tap_done();
}
