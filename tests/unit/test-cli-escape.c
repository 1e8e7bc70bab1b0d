/* The escaping of stored strings in usherctl's output (cli_escape.h). */
#include "config.h"

#include "usher/arena.h"
#include "usher/cli_escape.h"
#include "tap.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <string.h>

static const struct { const char *in, *want; } texts[] = {
    { "plain text", "plain text" },
    { "", "" },
    { "a\x1b[31mred", "a\\x1b[31mred" },
    { "tab\tcr\rlf\n", "tab\\x09cr\\x0dlf\\x0a" },
    { "\x01\x1f", "\\x01\\x1f" },
    { "del\x7f", "del\\x7f" },
    { "c1 \xc2\x80 \xc2\x85 \xc2\x9b \xc2\x9f", "c1 \\x80 \\x85 \\x9b \\x9f" },
    { "nbsp \xc2\xa0 \xc3\xa9 \xe5\xb1\xb1 \xf0\x9f\x98\x80", "nbsp \xc2\xa0 \xc3\xa9 \xe5\xb1\xb1 \xf0\x9f\x98\x80" },
    { "raw \x9b byte", "raw \\x9b byte" },
    { "bad \xff\xfe", "bad \\xff\\xfe" },
    { "cut \xe2\x82", "cut \\xe2\\x82" },
    { "overlong \xc0\x8a", "overlong \\xc0\\x8a" },
    { "back\\slash <b>", "back\\slash <b>" },
    { "\xe2\x80\xae" "rtl", "\xe2\x80\xae" "rtl" },
};

int main(void)
{
    struct arena *a = arena_new(1024);
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        is_str(cli_text(a, texts[i].in), texts[i].want, "cli_text(%s)", tap_esc(texts[i].in));
    const char *plain = "nothing to do";
    ok(cli_text(a, plain) == plain, "unchanged text is returned as is");
    ok(cli_text(a, NULL) == NULL && cli_json(a, NULL) == NULL, "NULL");

    /* JSON: json-c escapes C0; cli_json adds DEL and C1, and keeps the layout */
    struct json_object *o = json_object_new_object();
    const char *nasty = "x\x1b\r\n\x7f\xc2\x85\xc2\x9b\xc3\xa9";
    json_object_object_add(o, "name", json_object_new_string(nasty));
    const char *text = cli_json(a, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
    ok(strstr(text, "\\u007f\\u0085\\u009b\xc3\xa9") != NULL, "DEL and C1 as \\u00NN: %s",
       tap_esc(text));
    ok(strchr(text, '\n') != NULL, "the pretty layout's line breaks are kept");
    bool raw = false;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        raw = raw || (*p < 0x20 && *p != '\n') || *p == 0x7f || (p[0] == 0xc2 && p[1] < 0xa0);
    ok(!raw, "no raw control byte but the layout's");
    struct json_object *back = json_tokener_parse(text);
    struct json_object *name = NULL;
    ok(back && json_object_object_get_ex(back, "name", &name) &&
       strcmp(json_object_get_string(name), nasty) == 0, "it parses back to the same string");
    json_object_put(back);
    json_object_put(o);
    is_str(cli_json(a, "{\"a\":\"\xff\"}"), "{\"a\":\"\\ufffd\"}", "a byte that is not UTF-8");
    const char *json = "{\"a\":\"\\u001b\"}";
    ok(cli_json(a, json) == json, "unchanged JSON is returned as is");
    arena_free(a);
    return tap_done();
}
